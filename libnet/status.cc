#include "libnet/status.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace opendfs {

void CheckFailed(const char* file, int line, const char* cond,
                 const char* msg) {
  std::fprintf(stderr, "FATAL %s:%d: check failed: %s%s%s\n", file, line, cond,
               msg ? ": " : "", msg ? msg : "");
  std::fflush(stderr);
  std::abort();
}

std::string_view CodeName(StatusCode code) {
  const char* name = fb::EnumNameStatusCode(code);
  return (name && *name) ? std::string_view(name) : std::string_view("Unknown");
}

std::string Status::ToString() const {
  if (ok()) return "Ok";
  std::string out(CodeName(code_));
  if (!message_.empty()) {
    out += ": ";
    out += message_;
  }
  return out;
}

Status Status::Annotate(std::string_view context) const {
  if (ok()) return *this;
  std::string m(context);
  if (!message_.empty()) {
    m += ": ";
    m += message_;
  }
  return Status(code_, std::move(m));
}

int ToErrno(StatusCode code) {
  using C = StatusCode;
  switch (code) {
    case C::Ok: return 0;
    case C::NotFound: return ENOENT;
    case C::Exists: return EEXIST;
    case C::NotEmpty: return ENOTEMPTY;
    case C::NotDir: return ENOTDIR;
    case C::IsDir: return EISDIR;
    case C::AccessDenied: return EACCES;
    case C::NotPermitted: return EPERM;
    case C::Invalid: return EINVAL;
    case C::NoSpace: return ENOSPC;
    case C::NameTooLong: return ENAMETOOLONG;
    case C::NoData: return ENODATA;
    case C::Range: return ERANGE;
    case C::CrossDevice: return EXDEV;
    case C::TooManyLinks: return EMLINK;
    case C::FileTooBig: return EFBIG;
    case C::Loop: return ELOOP;
    case C::NotSupported: return EOPNOTSUPP;
    case C::ReadOnly: return EROFS;
    case C::Stale: return ESTALE;
    case C::TooBig: return E2BIG;
    case C::TimedOut: return ETIMEDOUT;
    case C::Busy: return EAGAIN;
    case C::ConnRefused: return ECONNREFUSED;
    case C::ConnReset: return ECONNRESET;
    case C::BadFrame: return EPROTO;
    case C::UnknownMethod: return ENOSYS;
    case C::FrameTooLarge: return EMSGSIZE;
    case C::ShuttingDown: return ESHUTDOWN;
    case C::Unreachable: return EHOSTUNREACH;
    case C::Unauthenticated: return EACCES;
    case C::NotLeader: return EAGAIN;
    case C::LockHeld: return EAGAIN;
    case C::SessionExpired: return EIO;
    case C::Deadlock: return EDEADLK;
    case C::NoLocks: return ENOLCK;
    case C::NoBlockd: return ENOSPC;
    case C::StaleVersion: return EIO;
    case C::Corrupt: return EIO;
    case C::NoSuchBlock: return EIO;
    case C::OutOfRange: return EINVAL;
    case C::Io: return EIO;
    case C::Internal: return EIO;
  }
  return EIO;
}

StatusCode FromErrno(int err) {
  using C = StatusCode;
  switch (err) {
    case 0: return C::Ok;
    case ENOENT: return C::NotFound;
    case EEXIST: return C::Exists;
    case ENOTEMPTY: return C::NotEmpty;
    case ENOTDIR: return C::NotDir;
    case EISDIR: return C::IsDir;
    case EACCES: return C::AccessDenied;
    case EPERM: return C::NotPermitted;
    case EINVAL: return C::Invalid;
    case ENOSPC: case EDQUOT: return C::NoSpace;
    case ENAMETOOLONG: return C::NameTooLong;
    case ENODATA: return C::NoData;
    case ERANGE: return C::Range;
    case EXDEV: return C::CrossDevice;
    case EMLINK: return C::TooManyLinks;
    case EFBIG: return C::FileTooBig;
    case ELOOP: return C::Loop;
    case EOPNOTSUPP: return C::NotSupported;
    case EROFS: return C::ReadOnly;
    case ESTALE: return C::Stale;
    case E2BIG: return C::TooBig;
    case ETIMEDOUT: return C::TimedOut;
    case EAGAIN: return C::Busy;
    case ECONNREFUSED: return C::ConnRefused;
    case ECONNRESET: case EPIPE: return C::ConnReset;
    case EPROTO: return C::BadFrame;
    case EMSGSIZE: return C::FrameTooLarge;
    case EHOSTUNREACH: case ENETUNREACH: return C::Unreachable;
    default: return C::Io;
  }
}

Status ErrnoStatus(int err, std::string_view what) {
  std::string m(what);
  m += ": ";
  m += std::strerror(err);
  return Status(FromErrno(err), std::move(m));
}

}  // namespace opendfs
