#include "mount/fuse/fuse_ops.h"

#include "mount/fuse/fs.h"
#include "mount/fuse/fuse_metrics.h"

namespace opendfs::mountfs {

namespace {

Fs& F(fuse_req_t req) { return *static_cast<Fs*>(fuse_req_userdata(req)); }
// Counts and times the operation (fuse_metrics.h) until the handler returns.
FuseMetrics::OpScope Scope(fuse_req_t req, FuseOp op) { return {F(req).metrics(), op}; }

void OpInit(void* userdata, fuse_conn_info* conn) {
  FuseMetrics::OpScope scope(static_cast<Fs*>(userdata)->metrics(), FuseOp::kInit);
  static_cast<Fs*>(userdata)->Init(conn);
}
void OpLookup(fuse_req_t r, fuse_ino_t p, const char* n) {
  auto scope = Scope(r, FuseOp::kLookup);
  F(r).Lookup(r, p, n);
}
void OpForget(fuse_req_t r, fuse_ino_t i, uint64_t n) {
  auto scope = Scope(r, FuseOp::kForget);
  F(r).Forget(r, i, n);
}
void OpForgetMulti(fuse_req_t r, size_t c, fuse_forget_data* f) {
  auto scope = Scope(r, FuseOp::kForgetMulti);
  F(r).ForgetMulti(r, c, f);
}
void OpGetAttr(fuse_req_t r, fuse_ino_t i, fuse_file_info* fi) {
  auto scope = Scope(r, FuseOp::kGetAttr);
  F(r).GetAttr(r, i, fi);
}
void OpSetAttr(fuse_req_t r, fuse_ino_t i, struct stat* a, int s, fuse_file_info* fi) {
  auto scope = Scope(r, FuseOp::kSetAttr);
  F(r).SetAttr(r, i, a, s, fi);
}
void OpReadLink(fuse_req_t r, fuse_ino_t i) {
  auto scope = Scope(r, FuseOp::kReadLink);
  F(r).ReadLink(r, i);
}
void OpMknod(fuse_req_t r, fuse_ino_t p, const char* n, mode_t m, dev_t d) {
  auto scope = Scope(r, FuseOp::kMknod);
  F(r).Mknod(r, p, n, m, d);
}
void OpMkdir(fuse_req_t r, fuse_ino_t p, const char* n, mode_t m) {
  auto scope = Scope(r, FuseOp::kMkdir);
  F(r).Mkdir(r, p, n, m);
}
void OpUnlink(fuse_req_t r, fuse_ino_t p, const char* n) {
  auto scope = Scope(r, FuseOp::kUnlink);
  F(r).Unlink(r, p, n);
}
void OpRmdir(fuse_req_t r, fuse_ino_t p, const char* n) {
  auto scope = Scope(r, FuseOp::kRmdir);
  F(r).Rmdir(r, p, n);
}
void OpSymlink(fuse_req_t r, const char* t, fuse_ino_t p, const char* n) {
  auto scope = Scope(r, FuseOp::kSymlink);
  F(r).Symlink(r, t, p, n);
}
void OpRename(fuse_req_t r, fuse_ino_t p, const char* n, fuse_ino_t np, const char* nn,
              unsigned flags) {
  auto scope = Scope(r, FuseOp::kRename);
  F(r).Rename(r, p, n, np, nn, flags);
}
void OpLink(fuse_req_t r, fuse_ino_t i, fuse_ino_t np, const char* nn) {
  auto scope = Scope(r, FuseOp::kLink);
  F(r).Link(r, i, np, nn);
}
void OpOpen(fuse_req_t r, fuse_ino_t i, fuse_file_info* fi) {
  auto scope = Scope(r, FuseOp::kOpen);
  F(r).Open(r, i, fi);
}
void OpCreate(fuse_req_t r, fuse_ino_t p, const char* n, mode_t m, fuse_file_info* fi) {
  auto scope = Scope(r, FuseOp::kCreate);
  F(r).Create(r, p, n, m, fi);
}
void OpRead(fuse_req_t r, fuse_ino_t i, size_t s, off_t o, fuse_file_info* fi) {
  auto scope = Scope(r, FuseOp::kRead);
  F(r).Read(r, i, s, o, fi);
}
void OpWrite(fuse_req_t r, fuse_ino_t i, const char* b, size_t s, off_t o,
             fuse_file_info* fi) {
  auto scope = Scope(r, FuseOp::kWrite);
  F(r).Write(r, i, b, s, o, fi);
}
void OpFlush(fuse_req_t r, fuse_ino_t i, fuse_file_info* fi) {
  auto scope = Scope(r, FuseOp::kFlush);
  F(r).Flush(r, i, fi);
}
void OpRelease(fuse_req_t r, fuse_ino_t i, fuse_file_info* fi) {
  auto scope = Scope(r, FuseOp::kRelease);
  F(r).Release(r, i, fi);
}
void OpFsync(fuse_req_t r, fuse_ino_t i, int d, fuse_file_info* fi) {
  auto scope = Scope(r, FuseOp::kFsync);
  F(r).Fsync(r, i, d, fi);
}
void OpFallocate(fuse_req_t r, fuse_ino_t i, int m, off_t o, off_t l, fuse_file_info* fi) {
  auto scope = Scope(r, FuseOp::kFallocate);
  F(r).Fallocate(r, i, m, o, l, fi);
}
void OpOpenDir(fuse_req_t r, fuse_ino_t i, fuse_file_info* fi) {
  auto scope = Scope(r, FuseOp::kOpenDir);
  F(r).OpenDir(r, i, fi);
}
void OpReadDir(fuse_req_t r, fuse_ino_t i, size_t s, off_t o, fuse_file_info* fi) {
  auto scope = Scope(r, FuseOp::kReadDir);
  F(r).ReadDir(r, i, s, o, fi, false);
}
void OpReadDirPlus(fuse_req_t r, fuse_ino_t i, size_t s, off_t o, fuse_file_info* fi) {
  auto scope = Scope(r, FuseOp::kReadDirPlus);
  F(r).ReadDir(r, i, s, o, fi, true);
}
void OpReleaseDir(fuse_req_t r, fuse_ino_t i, fuse_file_info* fi) {
  auto scope = Scope(r, FuseOp::kReleaseDir);
  F(r).ReleaseDir(r, i, fi);
}
void OpFsyncDir(fuse_req_t r, fuse_ino_t i, int, fuse_file_info*) {
  auto scope = Scope(r, FuseOp::kFsyncDir);
  F(r).FsyncDir(r, i);
}
void OpStatFs(fuse_req_t r, fuse_ino_t i) {
  auto scope = Scope(r, FuseOp::kStatFs);
  F(r).StatFs(r, i);
}
void OpSetXattr(fuse_req_t r, fuse_ino_t i, const char* n, const char* v, size_t s,
                int f) {
  auto scope = Scope(r, FuseOp::kSetXattr);
  F(r).SetXattr(r, i, n, v, s, f);
}
void OpGetXattr(fuse_req_t r, fuse_ino_t i, const char* n, size_t s) {
  auto scope = Scope(r, FuseOp::kGetXattr);
  F(r).GetXattr(r, i, n, s);
}
void OpListXattr(fuse_req_t r, fuse_ino_t i, size_t s) {
  auto scope = Scope(r, FuseOp::kListXattr);
  F(r).ListXattr(r, i, s);
}
void OpRemoveXattr(fuse_req_t r, fuse_ino_t i, const char* n) {
  auto scope = Scope(r, FuseOp::kRemoveXattr);
  F(r).RemoveXattr(r, i, n);
}
void OpAccess(fuse_req_t r, fuse_ino_t i, int m) {
  auto scope = Scope(r, FuseOp::kAccess);
  F(r).Access(r, i, m);
}
void OpGetLk(fuse_req_t r, fuse_ino_t i, fuse_file_info* fi, struct flock* l) {
  auto scope = Scope(r, FuseOp::kGetLk);
  F(r).GetLk(r, i, fi, l);
}
void OpSetLk(fuse_req_t r, fuse_ino_t i, fuse_file_info* fi, struct flock* l, int s) {
  auto scope = Scope(r, FuseOp::kSetLk);
  F(r).SetLk(r, i, fi, l, s);
}
void OpFlock(fuse_req_t r, fuse_ino_t i, fuse_file_info* fi, int op) {
  auto scope = Scope(r, FuseOp::kFlock);
  F(r).Flock(r, i, fi, op);
}

fuse_lowlevel_ops MakeOps() {
  fuse_lowlevel_ops ops = {};
  ops.init = OpInit;
  ops.lookup = OpLookup;
  ops.forget = OpForget;
  ops.forget_multi = OpForgetMulti;
  ops.getattr = OpGetAttr;
  ops.setattr = OpSetAttr;
  ops.readlink = OpReadLink;
  ops.mknod = OpMknod;
  ops.mkdir = OpMkdir;
  ops.unlink = OpUnlink;
  ops.rmdir = OpRmdir;
  ops.symlink = OpSymlink;
  ops.rename = OpRename;
  ops.link = OpLink;
  ops.open = OpOpen;
  ops.create = OpCreate;
  ops.read = OpRead;
  ops.write = OpWrite;
  ops.flush = OpFlush;
  ops.release = OpRelease;
  ops.fsync = OpFsync;
  ops.fallocate = OpFallocate;
  ops.opendir = OpOpenDir;
  ops.readdir = OpReadDir;
  ops.readdirplus = OpReadDirPlus;
  ops.releasedir = OpReleaseDir;
  ops.fsyncdir = OpFsyncDir;
  ops.statfs = OpStatFs;
  ops.setxattr = OpSetXattr;
  ops.getxattr = OpGetXattr;
  ops.listxattr = OpListXattr;
  ops.removexattr = OpRemoveXattr;
  ops.access = OpAccess;
  ops.getlk = OpGetLk;
  ops.setlk = OpSetLk;
  ops.flock = OpFlock;
  return ops;
}

}  // namespace

const fuse_lowlevel_ops& FsOps() {
  static const fuse_lowlevel_ops ops = MakeOps();
  return ops;
}

}  // namespace opendfs::mountfs
