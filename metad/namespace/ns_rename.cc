// rename, with RENAME_NOREPLACE and RENAME_EXCHANGE, following Linux
// vfs_rename: same inode on both sides succeeds doing nothing; the source
// must be removable and the target removable (when it exists) or creatable;
// a directory replaces only an empty directory and a non-directory only a
// non-directory (NotDir / IsDir / NotEmpty); a directory never moves into its
// own subtree (Invalid); a directory moving to another parent needs write
// permission on itself (its ".." changes). Cookies: a moved entry gets a new
// cookie in its new place; an exchange keeps both names and their cookies.
#include "metad/namespace/namespace.h"
#include "metad/namespace/ns_util.h"
#include "metad/namespace/permission.h"

namespace opendfs::metad {

ApplyResult Namespace::ApplyRename(const fb::EditRename& r) {
  NS_CRED(cred, r);
  const uint32_t flags = r.flags();
  if (flags & ~(kRenameNoReplace | kRenameExchange))
    return Fail(StatusCode::Invalid, "unsupported rename flags");
  if ((flags & kRenameNoReplace) && (flags & kRenameExchange))
    return Fail(StatusCode::Invalid, "RENAME_NOREPLACE with RENAME_EXCHANGE");
  const bool exchange = flags & kRenameExchange;

  NS_ASSIGN(Inode* sp, SearchableDir(r.parent(), cred));
  NS_ASSIGN(Inode* dp, SearchableDir(r.new_parent(), cred));
  const std::string_view name = Str(r.name());
  const std::string_view new_name = Str(r.new_name());
  NS_TRY(CheckNewName(name));
  NS_TRY(CheckNewName(new_name));
  Directory* sdir = DirOf(sp->id);
  Directory* ddir = DirOf(dp->id);
  const Directory::Entry* se = sdir->Find(name);
  if (se == nullptr) return Fail(StatusCode::NotFound, "no such entry");
  Inode* src = inodes_.Find(se->child);
  const Directory::Entry* de = ddir->Find(new_name);
  Inode* dst = de ? inodes_.Find(de->child) : nullptr;
  ODFS_CHECK(src != nullptr);

  if (exchange && dst == nullptr)
    return Fail(StatusCode::NotFound, "exchange target does not exist");
  if ((flags & kRenameNoReplace) && dst != nullptr)
    return Fail(StatusCode::Exists, "target exists");
  ApplyResult result;
  if (dst == src) {  // both names link the same inode: nothing to do
    result.attr = MakeAttr(*src);
    return result;
  }
  NS_TRY(MayDelete(*sp, *src, cred));
  if (dst != nullptr) {
    NS_TRY(MayDelete(*dp, *dst, cred));
  } else {
    NS_TRY(Permission(*dp, cred, kAccessWrite | kAccessExec));
  }
  if (!exchange && dst != nullptr) {
    if (src->is_dir() && !dst->is_dir())
      return Fail(StatusCode::NotDir, "cannot replace a non-directory with a directory");
    if (!src->is_dir() && dst->is_dir())
      return Fail(StatusCode::IsDir, "cannot replace a directory with a non-directory");
    if (dst->is_dir() && !DirOf(dst->id)->empty())
      return Fail(StatusCode::NotEmpty, "target directory not empty");
  }
  if (src->is_dir() && IsAncestor(src->id, dp->id))
    return Fail(StatusCode::Invalid, "cannot move a directory into its own subtree");
  if (exchange && dst->is_dir() && IsAncestor(dst->id, sp->id))
    return Fail(StatusCode::Invalid, "cannot move a directory into its own subtree");
  if (sp != dp) {
    if (src->is_dir()) NS_TRY(Permission(*src, cred, kAccessWrite));
    if (exchange && dst->is_dir()) NS_TRY(Permission(*dst, cred, kAccessWrite));
  }

  // Every check passed: change things. Entry pointers die at the first edit.
  const int64_t t = r.time_ns();
  if (exchange) {
    sdir->Repoint(name, dst->id);
    ddir->Repoint(new_name, src->id);
    if (sp != dp) {
      if (src->is_dir()) {
        DirOf(src->id)->set_parent(dp->id);
        --sp->nlink;
        ++dp->nlink;
      }
      if (dst->is_dir()) {
        DirOf(dst->id)->set_parent(sp->id);
        --dp->nlink;
        ++sp->nlink;
      }
    }
    dst->ctime_ns = t;
  } else {
    if (dst != nullptr) {
      ddir->Remove(new_name);
      if (dst->is_dir()) {
        --dp->nlink;
        dst->nlink = 0;
        FreeInode(*dst, result);
      } else {
        DropLink(*dst, r.keep_orphan(), t, result);
      }
    }
    sdir->Remove(name);
    ddir->Insert(new_name, src->id);
    if (src->is_dir() && sp != dp) {
      DirOf(src->id)->set_parent(dp->id);
      --sp->nlink;
      ++dp->nlink;
    }
  }
  src->ctime_ns = t;
  Touch(*sp, t);
  Touch(*dp, t);
  result.attr = MakeAttr(*src);
  return result;
}

}  // namespace opendfs::metad
