// setattr: chmod, chown, truncate, utimens, setrep in one record, checked in
// full before anything changes. Rules (Linux setattr_prepare / chown_ok):
// - chmod: owner or root (NotPermitted); a non-root caller outside the file's
//   group loses S_ISGID from the new mode.
// - chown: only root changes the uid (the owner may "change" it to itself);
//   the owner may set the gid to a group it belongs to. Changing owner or
//   group of a non-directory clears S_ISUID, and S_ISGID when group-exec is
//   set (unless the same record sets the mode explicitly).
// - truncate: write permission (unless OpenForWrite), regular files only
//   (IsDir / Invalid); blocks beyond the new size are freed, the last one
//   shortened; a non-root truncation clears S_ISUID / S_ISGID as a write does.
// - chmod of an inode with an access ACL rewrites its owner, mask (or
//   group) and other entries to the new mode (Linux posix_acl_chmod).
// - times: explicit values need ownership (NotPermitted); "now" needs
//   ownership or write permission (AccessDenied).
#include <algorithm>

#include "metad/namespace/namespace.h"
#include "metad/namespace/ns_util.h"
#include "metad/namespace/permission.h"

namespace opendfs::metad {
namespace {

using F = fb::SetAttrField;
bool Has(F fields, F f) { return (static_cast<uint32_t>(fields) & static_cast<uint32_t>(f)) != 0; }

uint32_t KillSuid(uint32_t mode) { return KillSetidBits(mode); }

}  // namespace

ApplyResult Namespace::ApplySetAttr(const fb::EditSetAttr& r) {
  NS_CRED(cred, r);
  Inode* inode = inodes_.Find(r.inode());
  if (inode == nullptr) return Fail(StatusCode::NotFound, "no such inode");
  const F fields = r.fields();
  const bool owner = cred.is_root() || cred.uid == inode->uid;
  uint32_t mode = inode->mode;
  uint32_t uid = inode->uid;
  uint32_t gid = inode->gid;

  if (Has(fields, F::Uid)) {
    if (r.uid() != inode->uid && !(cred.is_root()))
      return Fail(StatusCode::NotPermitted, "only root may change the owner");
    uid = r.uid();
  }
  if (Has(fields, F::Gid)) {
    bool may = cred.is_root() ||
               (cred.uid == inode->uid && (r.gid() == inode->gid || cred.InGroup(r.gid())));
    if (!may) return Fail(StatusCode::NotPermitted, "may not change the group");
    gid = r.gid();
  }
  if (Has(fields, F::Mode)) {
    if (!owner) return Fail(StatusCode::NotPermitted, "only the owner may change the mode");
    mode = (inode->mode & S_IFMT) | (r.mode() & 07777);
    if (!cred.is_root() && !cred.InGroup(gid)) mode &= ~static_cast<uint32_t>(S_ISGID);
  } else if ((Has(fields, F::Uid) || Has(fields, F::Gid)) && !inode->is_dir()) {
    mode = KillSuid(mode);
  }
  if (Has(fields, F::Size)) {
    if (inode->is_dir()) return Fail(StatusCode::IsDir, "truncate of a directory");
    if (!inode->is_reg()) return Fail(StatusCode::Invalid, "truncate of a special file");
    if (r.size() > kMaxFileSize) return Fail(StatusCode::FileTooBig, "size too large");
    if (!Has(fields, F::OpenForWrite))
      NS_TRY(Permission(*inode, cred, kAccessWrite));
    if (!cred.is_root() && !Has(fields, F::Mode)) mode = KillSuid(mode);
  }
  const bool set_atime = Has(fields, F::Atime);
  const bool set_mtime = Has(fields, F::Mtime);
  if (set_atime || set_mtime) {
    const bool now_only = (!set_atime || Has(fields, F::AtimeNow)) &&
                          (!set_mtime || Has(fields, F::MtimeNow));
    if (now_only) {
      if (!owner) NS_TRY(Permission(*inode, cred, kAccessWrite));
    } else if (!owner) {
      return Fail(StatusCode::NotPermitted, "only the owner may set explicit times");
    }
  }
  if (Has(fields, F::Replication)) {
    // A directory's goal is inherited by what is created in it (MooseFS).
    if (!inode->is_reg() && !inode->is_dir())
      return Fail(StatusCode::Invalid, "replication goal of something not a file or directory");
    if (r.replication() == 0) return Fail(StatusCode::Invalid, "replication goal 0");
    if (!owner) return Fail(StatusCode::NotPermitted, "only the owner may change replication");
  }

  // Every check passed.
  const int64_t t = r.time_ns();
  ApplyResult result;
  inode->mode = mode;
  inode->uid = uid;
  inode->gid = gid;
  if (Has(fields, F::Mode)) ChmodAcl(*inode);  // posix_acl_chmod
  if (Has(fields, F::Size)) {
    // Also drops blocks allocated past the size but never committed.
    TruncateBlocks(*inode, r.size(), result);
    TruncateInline(*inode, r.size());
    inode->size = r.size();
    inode->mtime_ns = t;
  }
  if (set_atime) inode->atime_ns = r.atime_ns();
  if (set_mtime) inode->mtime_ns = r.mtime_ns();
  if (Has(fields, F::Replication)) inode->replication = r.replication();
  inode->ctime_ns = t;
  result.attr = MakeAttr(*inode);
  return result;
}

}  // namespace opendfs::metad
