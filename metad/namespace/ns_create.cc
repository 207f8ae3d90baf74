// mkdir, create/mknod, symlink, link: operations that add a directory entry.
// Each checks, in Linux's order: parent exists, is a directory and is
// searchable; the name is valid and absent; the parent is writable; then
// type-specific rules. Only then does it change anything. The new inode's
// mode is the record's with the umask applied, or, in a directory with a
// default POSIX ACL, limited by the ACL it inherits instead (ns_acl.cc).
#include <algorithm>

#include "metad/namespace/namespace.h"
#include "metad/namespace/ns_util.h"
#include "metad/namespace/permission.h"

namespace opendfs::metad {

// The leader hands out ids in increasing order, so outside a batch a new id is
// above every id applied so far (anything else is a leader bug or a replayed
// record). Inside a batch (EditBatch) it may be an id the leader delegated to
// a mount (EditReserveInodes: at or below the counter) that no inode has.
Status Namespace::CheckFreshInode(InodeId id) const {
  if (id == 0) return Status(StatusCode::Invalid, "inode id is not fresh");
  if (id > max_inode_id_) return Status::Ok();
  if (in_batch_ && inodes_.Find(id) == nullptr) return Status::Ok();
  return Status(StatusCode::Invalid, "inode id is not fresh");
}

ApplyResult Namespace::ApplyMkdir(const fb::EditMkdir& r) {
  NS_CRED(cred, r);
  NS_ASSIGN(Inode* parent, SearchableDir(r.parent(), cred));
  const std::string_view name = Str(r.name());
  NS_TRY(MayCreate(*parent, name, cred));
  NS_TRY(CheckFreshInode(r.inode()));
  InheritedAcls acls;
  const uint32_t mode = CreateMode(*parent, S_IFDIR | (r.mode() & 07777), r.umask(), &acls);
  Inode* n = NewInode(r.inode(), *parent, mode, cred, r.time_ns());
  AttachAcls(*n, std::move(acls));
  n->replication = parent->replication;  // the goal new files inherit; 0: the default
  dirs_.emplace(n->id, Directory(parent->id));
  DirOf(parent->id)->Insert(name, n->id);
  ++parent->nlink;
  Touch(*parent, r.time_ns());
  ApplyResult result;
  result.attr = MakeAttr(*n);
  result.created = true;
  return result;
}

ApplyResult Namespace::ApplyCreate(const fb::EditCreate& r) {
  NS_CRED(cred, r);
  NS_ASSIGN(Inode* parent, SearchableDir(r.parent(), cred));
  const std::string_view name = Str(r.name());
  NS_TRY(CheckNewName(name));
  uint32_t type = r.mode() & S_IFMT;
  if (type == 0) type = S_IFREG;
  if (type != S_IFREG && type != S_IFIFO && type != S_IFSOCK &&
      type != S_IFCHR && type != S_IFBLK)
    return Fail(StatusCode::Invalid, "create: not a file, FIFO, socket or device type");
  if (r.inline_data() != nullptr && r.inline_data()->size() != 0)
    return Fail(StatusCode::NotSupported, "inline file data is not supported yet");

  if (const Directory::Entry* e = DirOf(parent->id)->Find(name)) {
    if (r.exclusive()) return Fail(StatusCode::Exists, "entry exists");
    const Inode* existing = inodes_.Find(e->child);
    if (existing->is_dir()) return Fail(StatusCode::IsDir, "entry is a directory");
    ApplyResult result;
    result.attr = MakeAttr(*existing);
    return result;  // created == false: the caller opens the existing file
  }
  NS_TRY(Permission(*parent, cred, kAccessWrite | kAccessExec));
  if ((type == S_IFCHR || type == S_IFBLK) && !cred.is_root())
    return Fail(StatusCode::NotPermitted, "only root may create device nodes");
  if (type == S_IFREG) {
    if (r.block_size() == 0 || r.block_size() % 4096 != 0)
      return Fail(StatusCode::Invalid, "block size must be a non-zero multiple of 4096");
    if (r.replication() == 0)
      return Fail(StatusCode::Invalid, "replication goal must be at least 1");
  }
  NS_TRY(CheckFreshInode(r.inode()));

  InheritedAcls acls;
  const uint32_t mode = CreateMode(*parent, type | (r.mode() & 07777), r.umask(), &acls);
  Inode* n = NewInode(r.inode(), *parent, mode, cred, r.time_ns());
  AttachAcls(*n, std::move(acls));
  if (type == S_IFREG) {
    n->block_size = r.block_size();
    n->replication = r.replication();
  }
  if ((type == S_IFCHR || type == S_IFBLK) && r.rdev() != 0)
    rdevs_.emplace(n->id, r.rdev());
  DirOf(parent->id)->Insert(name, n->id);
  Touch(*parent, r.time_ns());
  ApplyResult result;
  result.attr = MakeAttr(*n);
  result.created = true;
  return result;
}

ApplyResult Namespace::ApplySymlink(const fb::EditSymlink& r) {
  NS_CRED(cred, r);
  NS_ASSIGN(Inode* parent, SearchableDir(r.parent(), cred));
  const std::string_view name = Str(r.name());
  NS_TRY(MayCreate(*parent, name, cred));
  const std::string_view target = Str(r.target());
  if (target.empty()) return Fail(StatusCode::NotFound, "empty symlink target");
  if (target.size() > kMaxSymlinkBytes)
    return Fail(StatusCode::NameTooLong, "symlink target longer than 4096 bytes");
  if (target.find('\0') != std::string_view::npos)
    return Fail(StatusCode::Invalid, "symlink target contains NUL");
  NS_TRY(CheckFreshInode(r.inode()));
  Inode* n = NewInode(r.inode(), *parent, S_IFLNK | 0777, cred, r.time_ns());
  n->size = target.size();
  symlinks_.emplace(n->id, std::string(target));
  DirOf(parent->id)->Insert(name, n->id);
  Touch(*parent, r.time_ns());
  ApplyResult result;
  result.attr = MakeAttr(*n);
  result.created = true;
  return result;
}

ApplyResult Namespace::ApplyLink(const fb::EditLink& r) {
  NS_CRED(cred, r);
  Inode* inode = inodes_.Find(r.inode());
  if (inode == nullptr || inode->nlink == 0)
    return Fail(StatusCode::NotFound, "no such inode");
  if (inode->is_dir())
    return Fail(StatusCode::NotPermitted, "hard links to directories are not allowed");
  NS_ASSIGN(Inode* parent, SearchableDir(r.new_parent(), cred));
  const std::string_view name = Str(r.new_name());
  NS_TRY(MayCreate(*parent, name, cred));
  if (inode->nlink >= kMaxLinks)
    return Fail(StatusCode::TooManyLinks, "too many links");
  ++inode->nlink;
  inode->ctime_ns = r.time_ns();
  DirOf(parent->id)->Insert(name, inode->id);
  Touch(*parent, r.time_ns());
  ApplyResult result;
  result.attr = MakeAttr(*inode);
  return result;
}

}  // namespace opendfs::metad
