// Reads that are not logged: lookup, getattr, access, readdir(plus),
// readlink. (GetXattr/ListXattr live in ns_xattr.cc, GetBlocks in
// ns_blocks.cc.)
#include "metad/namespace/namespace.h"
#include "metad/namespace/permission.h"

namespace opendfs::metad {

Result<Attr> Namespace::Lookup(InodeId parent, std::string_view name,
                               const Cred& cred) const {
  const Inode* dir = inodes_.Find(parent);
  if (dir == nullptr) return Status(StatusCode::NotFound, "no such directory inode");
  if (!dir->is_dir()) return Status(StatusCode::NotDir, "not a directory");
  ODFS_RETURN_IF_ERROR(Permission(*dir, cred, kAccessExec));
  if (name.size() > kMaxNameBytes) return Status(StatusCode::NameTooLong, "name too long");
  InodeId child;
  if (name == ".") {
    child = parent;
  } else if (name == "..") {
    child = DirOf(parent)->parent();
  } else {
    const Directory::Entry* e = DirOf(parent)->Find(name);
    if (e == nullptr) return Status(StatusCode::NotFound, "no such entry");
    child = e->child;
  }
  const Inode* inode = inodes_.Find(child);
  ODFS_CHECK(inode != nullptr);
  return MakeAttr(*inode);
}

Result<Attr> Namespace::GetAttr(InodeId ino) const {
  const Inode* inode = inodes_.Find(ino);
  if (inode == nullptr) return Status(StatusCode::NotFound, "no such inode");
  return MakeAttr(*inode);
}

Status Namespace::Access(InodeId ino, const Cred& cred, int mask) const {
  const Inode* inode = inodes_.Find(ino);
  if (inode == nullptr) return Status(StatusCode::NotFound, "no such inode");
  return Permission(*inode, cred, mask);
}

Result<DirPage> Namespace::ReadDir(InodeId dir, uint64_t after_cookie,
                                   size_t max_entries) const {
  const Inode* inode = inodes_.Find(dir);
  if (inode == nullptr) return Status(StatusCode::NotFound, "no such directory inode");
  if (!inode->is_dir()) return Status(StatusCode::NotDir, "not a directory");
  DirPage page;
  page.end = true;
  DirOf(dir)->ForEachAfter(after_cookie, [&](const Directory::Entry& e) {
    if (page.entries.size() == max_entries) {
      page.end = false;
      return false;
    }
    const Inode* child = inodes_.Find(e.child);
    ODFS_CHECK(child != nullptr);
    page.entries.push_back(DirListEntry{e.name, e.cookie, MakeAttr(*child)});
    return true;
  });
  return page;
}

Result<std::string> Namespace::ReadLink(InodeId ino) const {
  const Inode* inode = inodes_.Find(ino);
  if (inode == nullptr) return Status(StatusCode::NotFound, "no such inode");
  if (!inode->is_symlink()) return Status(StatusCode::Invalid, "not a symlink");
  return symlinks_.at(ino);
}

}  // namespace opendfs::metad
