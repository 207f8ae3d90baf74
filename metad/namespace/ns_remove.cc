// unlink, rmdir, purge: operations that remove an entry or an orphan.
// A file losing its last link is freed (its block ids returned for deletion)
// unless the record says keep_orphan, in which case it lives on, unreachable
// by name, until a purge record.
#include "metad/namespace/namespace.h"
#include "metad/namespace/ns_util.h"
#include "metad/namespace/permission.h"

namespace opendfs::metad {

ApplyResult Namespace::ApplyUnlink(const fb::EditUnlink& r) {
  NS_CRED(cred, r);
  NS_ASSIGN(Inode* parent, SearchableDir(r.parent(), cred));
  const std::string_view name = Str(r.name());
  NS_TRY(CheckNewName(name));
  Directory* dir = DirOf(parent->id);
  const Directory::Entry* e = dir->Find(name);
  if (e == nullptr) return Fail(StatusCode::NotFound, "no such entry");
  Inode* victim = inodes_.Find(e->child);
  ODFS_CHECK(victim != nullptr);
  NS_TRY(MayDelete(*parent, *victim, cred));
  if (victim->is_dir()) return Fail(StatusCode::IsDir, "unlink of a directory");
  dir->Remove(name);
  Touch(*parent, r.time_ns());
  ApplyResult result;
  DropLink(*victim, r.keep_orphan(), r.time_ns(), result, &result.attr);
  return result;
}

ApplyResult Namespace::ApplyRmdir(const fb::EditRmdir& r) {
  NS_CRED(cred, r);
  NS_ASSIGN(Inode* parent, SearchableDir(r.parent(), cred));
  const std::string_view name = Str(r.name());
  NS_TRY(CheckNewName(name));
  Directory* dir = DirOf(parent->id);
  const Directory::Entry* e = dir->Find(name);
  if (e == nullptr) return Fail(StatusCode::NotFound, "no such entry");
  Inode* victim = inodes_.Find(e->child);
  ODFS_CHECK(victim != nullptr);
  NS_TRY(MayDelete(*parent, *victim, cred));
  if (!victim->is_dir()) return Fail(StatusCode::NotDir, "rmdir of a non-directory");
  if (!DirOf(victim->id)->empty())
    return Fail(StatusCode::NotEmpty, "directory not empty");
  dir->Remove(name);
  --parent->nlink;
  Touch(*parent, r.time_ns());
  ApplyResult result;
  victim->nlink = 0;
  victim->ctime_ns = r.time_ns();
  result.attr = MakeAttr(*victim);
  FreeInode(*victim, result);
  return result;
}

ApplyResult Namespace::ApplyPurge(const fb::EditPurge& r) {
  Inode* inode = inodes_.Find(r.inode());
  if (inode == nullptr) return Fail(StatusCode::NotFound, "no such inode");
  if (!(inode->flags & Inode::kOrphan))
    return Fail(StatusCode::Invalid, "purge of an inode that is not an orphan");
  ApplyResult result;
  result.attr = MakeAttr(*inode);
  FreeInode(*inode, result);
  return result;
}

}  // namespace opendfs::metad
