#include "mount/fuse/fuse_ops.h"

#include "mount/fuse/fs.h"
#include "mount/fuse/fuse_metrics.h"

namespace opendfs::mountfs {

namespace {

Fs& F(fuse_req_t req) { return *static_cast<Fs*>(fuse_req_userdata(req)); }
// Counts and times the operation (fuse_metrics.h) until the handler returns.
FuseMetrics::OpScope Scope(fuse_req_t req, FuseOp op) { return {F(req).metrics(), op}; }

// The fuse_lowlevel_ops entry for Fs method M: counts and times the
// operation (fuse_metrics.h) until the method returns, and forwards the
// kernel's arguments unchanged.
template <FuseOp kOp, auto M>
struct Op;
template <FuseOp kOp, class... Args, void (Fs::*M)(fuse_req_t, Args...)>
struct Op<kOp, M> {
  static void Call(fuse_req_t r, Args... args) {
    auto scope = Scope(r, kOp);
    (F(r).*M)(r, args...);
  }
};

void OpInit(void* userdata, fuse_conn_info* conn) {
  FuseMetrics::OpScope scope(static_cast<Fs*>(userdata)->metrics(), FuseOp::kInit);
  static_cast<Fs*>(userdata)->Init(conn);
}
void OpReadDir(fuse_req_t r, fuse_ino_t i, size_t s, off_t o, fuse_file_info* fi) {
  auto scope = Scope(r, FuseOp::kReadDir);
  F(r).ReadDir(r, i, s, o, fi, false);
}
void OpReadDirPlus(fuse_req_t r, fuse_ino_t i, size_t s, off_t o, fuse_file_info* fi) {
  auto scope = Scope(r, FuseOp::kReadDirPlus);
  F(r).ReadDir(r, i, s, o, fi, true);
}
void OpFsyncDir(fuse_req_t r, fuse_ino_t, int, fuse_file_info*) {
  auto scope = Scope(r, FuseOp::kFsyncDir);
  // Directory changes are durable on metad once acknowledged.
  fuse_reply_err(r, 0);
}

fuse_lowlevel_ops MakeOps() {
  fuse_lowlevel_ops ops = {};
  ops.init = OpInit;
  ops.lookup = Op<FuseOp::kLookup, &Fs::Lookup>::Call;
  ops.forget = Op<FuseOp::kForget, &Fs::Forget>::Call;
  ops.forget_multi = Op<FuseOp::kForgetMulti, &Fs::ForgetMulti>::Call;
  ops.getattr = Op<FuseOp::kGetAttr, &Fs::GetAttr>::Call;
  ops.setattr = Op<FuseOp::kSetAttr, &Fs::SetAttr>::Call;
  ops.readlink = Op<FuseOp::kReadLink, &Fs::ReadLink>::Call;
  ops.mknod = Op<FuseOp::kMknod, &Fs::Mknod>::Call;
  ops.mkdir = Op<FuseOp::kMkdir, &Fs::Mkdir>::Call;
  ops.unlink = Op<FuseOp::kUnlink, &Fs::Unlink>::Call;
  ops.rmdir = Op<FuseOp::kRmdir, &Fs::Rmdir>::Call;
  ops.symlink = Op<FuseOp::kSymlink, &Fs::Symlink>::Call;
  ops.rename = Op<FuseOp::kRename, &Fs::Rename>::Call;
  ops.link = Op<FuseOp::kLink, &Fs::Link>::Call;
  ops.open = Op<FuseOp::kOpen, &Fs::Open>::Call;
  ops.create = Op<FuseOp::kCreate, &Fs::Create>::Call;
  ops.read = Op<FuseOp::kRead, &Fs::Read>::Call;
  ops.write = Op<FuseOp::kWrite, &Fs::Write>::Call;
  ops.flush = Op<FuseOp::kFlush, &Fs::Flush>::Call;
  ops.release = Op<FuseOp::kRelease, &Fs::Release>::Call;
  ops.fsync = Op<FuseOp::kFsync, &Fs::Fsync>::Call;
  ops.fallocate = Op<FuseOp::kFallocate, &Fs::Fallocate>::Call;
  ops.opendir = Op<FuseOp::kOpenDir, &Fs::OpenDir>::Call;
  ops.readdir = OpReadDir;
  ops.readdirplus = OpReadDirPlus;
  ops.releasedir = Op<FuseOp::kReleaseDir, &Fs::ReleaseDir>::Call;
  ops.fsyncdir = OpFsyncDir;
  ops.statfs = Op<FuseOp::kStatFs, &Fs::StatFs>::Call;
  ops.setxattr = Op<FuseOp::kSetXattr, &Fs::SetXattr>::Call;
  ops.getxattr = Op<FuseOp::kGetXattr, &Fs::GetXattr>::Call;
  ops.listxattr = Op<FuseOp::kListXattr, &Fs::ListXattr>::Call;
  ops.removexattr = Op<FuseOp::kRemoveXattr, &Fs::RemoveXattr>::Call;
  ops.access = Op<FuseOp::kAccess, &Fs::Access>::Call;
  ops.getlk = Op<FuseOp::kGetLk, &Fs::GetLk>::Call;
  ops.setlk = Op<FuseOp::kSetLk, &Fs::SetLk>::Call;
  ops.flock = Op<FuseOp::kFlock, &Fs::Flock>::Call;
  return ops;
}

}  // namespace

const fuse_lowlevel_ops& FsOps() {
  static const fuse_lowlevel_ops ops = MakeOps();
  return ops;
}

}  // namespace opendfs::mountfs
