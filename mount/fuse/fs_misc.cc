// FUSE init (capabilities), statfs, extended attributes and access.
//
// POSIX ACLs (system.posix_acl_access / _default) are xattrs to metad,
// which validates, stores, inherits and enforces them (metad/namespace/
// ns_acl.cc). With FUSE_CAP_POSIX_ACL the kernel reads them through
// getxattr, caches them and checks them itself (default_permissions); it
// also stops applying the umask (FUSE_CAP_DONT_MASK), which metad applies
// unless the parent has a default ACL.
#include <sys/statvfs.h>
#include <sys/xattr.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "mount/fuse/fs.h"

namespace opendfs::mountfs {

namespace {

// File capabilities are not supported (setting one fails with EOPNOTSUPP),
// so the kernel's getxattr of it before every write is answered locally.
constexpr const char* kCapabilityXattr = "security.capability";

bool IsPosixAcl(const char* name) {
  return std::strncmp(name, "system.posix_acl_", 17) == 0;
}

void ReplySized(fuse_req_t req, const std::string& data, size_t size) {
  if (size == 0) {
    fuse_reply_xattr(req, data.size());
  } else if (size < data.size()) {
    fuse_reply_err(req, ERANGE);
  } else {
    fuse_reply_buf(req, data.data(), data.size());
  }
}

}  // namespace

void Fs::Init(fuse_conn_info* conn) {
  conn->max_write = 1u << 20;
  conn->max_background = 64;
  conn->congestion_threshold = 48;
  if (conn->capable & FUSE_CAP_PARALLEL_DIROPS) conn->want |= FUSE_CAP_PARALLEL_DIROPS;
  if (conn->capable & FUSE_CAP_ASYNC_READ) conn->want |= FUSE_CAP_ASYNC_READ;
  // metad clears set-id bits on write, truncate and chown (the writer's
  // uid stands for CAP_FSETID). Without this the kernel asks for a chmod of
  // its own before a write, which metad refuses to a non-owner: EIO.
  if (conn->capable & FUSE_CAP_HANDLE_KILLPRIV) conn->want |= FUSE_CAP_HANDLE_KILLPRIV;
  // Writes go through the FileWriter synchronously: no kernel write-back
  // cache, which would defer writes past close and break close-to-open.
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
  // open(O_TRUNC) of an existing file: the kernel truncates it first with a
  // setattr (size 0, mtime and ctime now), which flushes this mount's
  // pending writes and goes through metad's truncate; libfuse's default of
  // passing O_TRUNC to open instead left the file's data in place.
  conn->want &= ~FUSE_CAP_ATOMIC_O_TRUNC;
  // Locks are cluster-wide (fs_locks.cc): the kernel must ask us, not keep
  // them to itself.
  if (conn->capable & FUSE_CAP_POSIX_LOCKS) conn->want |= FUSE_CAP_POSIX_LOCKS;
  if (conn->capable & FUSE_CAP_FLOCK_LOCKS) conn->want |= FUSE_CAP_FLOCK_LOCKS;
  // POSIX ACLs, checked by the kernel (it also implies default_permissions)
  // and by metad; the umask is ours to apply (see UmaskOf).
  if (conn->capable & FUSE_CAP_POSIX_ACL) conn->want |= FUSE_CAP_POSIX_ACL;
  if (conn->capable & FUSE_CAP_DONT_MASK) {
    conn->want |= FUSE_CAP_DONT_MASK;
    dont_mask_ = true;
  }
  if (!(conn->capable & FUSE_CAP_POSIX_ACL))
    log_.Warn("mount: kernel lacks FUSE_POSIX_ACL: POSIX ACLs are refused (EOPNOTSUPP)");
  log_.Info("mount: fuse init proto={}.{} max_write={} max_readahead={}",
            conn->proto_major, conn->proto_minor, conn->max_write,
            conn->max_readahead);
}

void Fs::StatFs(fuse_req_t req, fuse_ino_t ino) {
  Result<client::StatFsInfo> s = meta_->StatFs(CredOf(req));
  if (!s.ok()) return ReplyError(req, "statfs", ino, s.status());
  struct statvfs v = {};
  const unsigned long frsize = 4096;
  v.f_bsize = s->block_size ? s->block_size : frsize;
  v.f_frsize = frsize;
  v.f_blocks = s->capacity_bytes / frsize;
  v.f_bfree = s->free_bytes / frsize;
  v.f_bavail = v.f_bfree;
  // Inodes are not a fixed pool: report used plus a large free count.
  v.f_files = s->inodes + (1ull << 32);
  v.f_ffree = 1ull << 32;
  v.f_favail = v.f_ffree;
  v.f_namemax = s->name_max ? s->name_max : 255;
  fuse_reply_statfs(req, &v);
}

void Fs::SetXattr(fuse_req_t req, fuse_ino_t ino, const char* name,
                  const char* value, size_t size, int flags) {
  if (std::strcmp(name, kCapabilityXattr) == 0) {
    fuse_reply_err(req, EOPNOTSUPP);
    return;
  }
  Status s = meta_->SetXattr(CredOf(req), ino, name, std::string_view(value, size),
                             static_cast<uint32_t>(flags));
  if (!s.ok()) return ReplyError(req, "setxattr", ino, s);
  fuse_reply_err(req, 0);
  if (IsPosixAcl(name)) InvalidateAttrs(ino);  // the mode changed with it
}

void Fs::GetXattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
  if (std::strcmp(name, kCapabilityXattr) == 0) {
    fuse_reply_err(req, ENODATA);
    return;
  }
  Result<std::string> v = meta_->GetXattr(CredOf(req), ino, name);
  if (!v.ok()) return ReplyError(req, "getxattr", ino, v.status());
  ReplySized(req, *v, size);
}

void Fs::ListXattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
  Result<std::vector<std::string>> names = meta_->ListXattr(CredOf(req), ino);
  if (!names.ok()) return ReplyError(req, "listxattr", ino, names.status());
  std::string out;
  for (const std::string& n : *names) {
    out += n;
    out += '\0';
  }
  ReplySized(req, out, size);
}

void Fs::RemoveXattr(fuse_req_t req, fuse_ino_t ino, const char* name) {
  Status s = meta_->RemoveXattr(CredOf(req), ino, name);
  if (!s.ok()) return ReplyError(req, "removexattr", ino, s);
  fuse_reply_err(req, 0);
  if (IsPosixAcl(name)) InvalidateAttrs(ino);
}

uint32_t Fs::UmaskOf(fuse_req_t req) const {
  return dont_mask_ ? static_cast<uint32_t>(fuse_req_ctx(req)->umask & 0777) : 0;
}

void Fs::InvalidateAttrs(uint64_t ino) {
  // Attributes only (offset -1): no page-cache work, takes no inode lock.
  if (session_ != nullptr) (void)fuse_lowlevel_notify_inval_inode(session_, ino, -1, 0);
}

void Fs::Access(fuse_req_t req, fuse_ino_t ino, int mask) {
  Status s = meta_->Access(CredOf(req), ino, static_cast<uint32_t>(mask));
  if (!s.ok()) return ReplyError(req, "access", ino, s);
  fuse_reply_err(req, 0);
}

}  // namespace opendfs::mountfs
