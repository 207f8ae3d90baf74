// FuseMetrics (see fuse_metrics.h).
#include "mount/fuse/fuse_metrics.h"

#include <cstring>

namespace opendfs::mountfs {
namespace {

thread_local FuseMetrics::OpScope* t_scope = nullptr;

constexpr const char* kOpNames[] = {
    "init",     "lookup",    "forget",    "forget_multi", "getattr",  "setattr",
    "readlink", "mknod",     "mkdir",     "unlink",       "rmdir",    "symlink",
    "rename",   "link",      "open",      "create",       "read",     "write",
    "flush",    "release",   "fsync",     "fallocate",    "opendir",  "readdir",
    "readdirplus", "releasedir", "fsyncdir", "statfs",    "setxattr", "getxattr",
    "listxattr", "removexattr", "access", "getlk",        "setlk",    "flock"};
static_assert(std::size(kOpNames) == static_cast<size_t>(FuseOp::kCount));

std::string ErrnoName(int err) {
  const char* n = err > 0 ? strerrorname_np(err) : nullptr;
  return n ? n : "E" + std::to_string(err);
}

}  // namespace

const char* FuseOpName(FuseOp op) { return kOpNames[static_cast<size_t>(op)]; }

FuseMetrics::FuseMetrics() {
  for (size_t i = 0; i < ops_.size(); ++i) {
    MetricLabels op{{"op", kOpNames[i]}};
    ops_[i].calls = registry_.AddCounter("opendfs_mount_ops_total",
                                         "FUSE operations handled, by type", op);
    ops_[i].latency = registry_.AddHistogram(
        "opendfs_mount_op_duration_seconds",
        "Time from a FUSE request reaching the mount to its reply, by type",
        LatencyBucketsSeconds(), op);
  }
  bytes_read_ = registry_.AddCounter("opendfs_mount_bytes_read_total",
                                     "File data bytes returned by read replies");
  bytes_written_ = registry_.AddCounter("opendfs_mount_bytes_written_total",
                                        "File data bytes accepted by write replies");
  registry_.AddCallbackGauge("opendfs_mount_resident_memory_bytes",
                             "Resident set size of the mount process", ResidentMemoryBytes);
}

FuseMetrics::OpScope::OpScope(FuseMetrics* m, FuseOp op)
    : m_(m), op_(op), outer_(t_scope), start_(std::chrono::steady_clock::now()) {
  if (m_ != nullptr) t_scope = this;
}

FuseMetrics::OpScope::~OpScope() {
  if (m_ == nullptr) return;
  t_scope = outer_;
  PerOp& p = m_->ops_[static_cast<size_t>(op_)];
  p.calls->Add();
  p.latency->Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
}

Counter* FuseMetrics::ErrorCounter(FuseOp op, int err) {
  PerOp& p = ops_[static_cast<size_t>(op)];
  size_t slot = err > 0 && err < kMaxErrno ? static_cast<size_t>(err) : kMaxErrno;
  Counter* c = p.errors[slot].load(std::memory_order_acquire);
  if (c != nullptr) return c;
  std::lock_guard lock(mu_);
  c = registry_.AddCounter("opendfs_mount_errors_total",
                           "FUSE operations answered with an error, by type and errno",
                           {{"op", FuseOpName(op)},
                            {"errno", slot == kMaxErrno ? "other" : ErrnoName(err)}});
  p.errors[slot].store(c, std::memory_order_release);
  return c;
}

void FuseMetrics::NoteError(int err) {
  OpScope* s = t_scope;
  if (s == nullptr || err == 0) return;  // 0 is a success reply
  s->m_->ErrorCounter(s->op_, err)->Add();
}

void FuseMetrics::NoteBytes(size_t n) {
  OpScope* s = t_scope;
  if (s == nullptr) return;
  if (s->op_ == FuseOp::kRead) s->m_->bytes_read_->Add(n);
  if (s->op_ == FuseOp::kWrite) s->m_->bytes_written_->Add(n);
}

void FuseMetrics::AddCounter(const std::string& name, const std::string& help,
                             std::function<double()> read) {
  registry_.AddCallbackCounter(name, help, std::move(read));
}

Status FuseMetrics::Serve(const std::string& addr, Logger& log) {
  if (addr.empty()) return Status::Ok();
  ODFS_ASSIGN_OR_RETURN(http_, StartMetricsServer(addr, registry_));
  log.Info("mount: metrics on http://{}/metrics", addr);
  return Status::Ok();
}

}  // namespace opendfs::mountfs

// The reply wrappers (-Wl,--wrap=..., see fuse_metrics.h): note, then reply.
extern "C" {
int __real_fuse_reply_err(fuse_req_t req, int err);
int __real_fuse_reply_buf(fuse_req_t req, const char* buf, size_t size);
int __real_fuse_reply_write(fuse_req_t req, size_t count);

int __wrap_fuse_reply_err(fuse_req_t req, int err) {
  opendfs::mountfs::FuseMetrics::NoteError(err);
  return __real_fuse_reply_err(req, err);
}
int __wrap_fuse_reply_buf(fuse_req_t req, const char* buf, size_t size) {
  opendfs::mountfs::FuseMetrics::NoteBytes(size);
  return __real_fuse_reply_buf(req, buf, size);
}
int __wrap_fuse_reply_write(fuse_req_t req, size_t count) {
  opendfs::mountfs::FuseMetrics::NoteBytes(count);
  return __real_fuse_reply_write(req, count);
}
}
