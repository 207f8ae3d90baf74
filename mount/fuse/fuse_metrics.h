// FuseMetrics: one mount's GET /metrics (-o metrics_addr=host:port).
//
// Happy path: every handler in fuse_ops.cc opens an OpScope for its
// operation; the scope counts the call and observes its latency (handler
// entry to return: the handlers reply before they return) when it closes.
// Series, in base units:
//   opendfs_mount_ops_total{op}, opendfs_mount_op_duration_seconds{op}
//   opendfs_mount_errors_total{op,errno}    error replies, errno by name
//   opendfs_mount_bytes_read_total / _bytes_written_total   (read/write replies)
//   opendfs_mount_metad_retries_total       metad calls retried (MetaClient)
//   opendfs_mount_location_cache_{hits,misses}_total   block location cache
//   opendfs_mount_resident_memory_bytes
//
// How error and byte replies are seen without touching every handler: the
// mount links with -Wl,--wrap for fuse_reply_err/_buf/_write (mount/meson.build),
// so those calls reach the __wrap_ functions in fuse_metrics.cc, which note
// the reply against the OpScope open on the calling thread (a reply from
// another thread, or outside any scope, is passed through uncounted) and
// then call libfuse's own function.
//
// Failure modes: an unparsable or busy metrics_addr is an error from Serve
// naming it (the mount then fails to start); no metrics_addr = nothing
// served, but the scopes still count (cheap atomics).
//
// Threads: OpScope on FUSE worker threads; Serve once from main; scrapes on
// the HTTP server's thread.
#pragma once

#include <fuse_lowlevel.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "libnet/http_server.h"
#include "libnet/log.h"
#include "libnet/metrics.h"
#include "libnet/metrics_server.h"

namespace opendfs::mountfs {

enum class FuseOp : uint8_t {
  kInit, kLookup, kForget, kForgetMulti, kGetAttr, kSetAttr, kReadLink, kMknod, kMkdir,
  kUnlink, kRmdir, kSymlink, kRename, kLink, kOpen, kCreate, kRead, kWrite, kFlush,
  kRelease, kFsync, kFallocate, kOpenDir, kReadDir, kReadDirPlus, kReleaseDir, kFsyncDir,
  kStatFs, kSetXattr, kGetXattr, kListXattr, kRemoveXattr, kAccess, kGetLk, kSetLk, kFlock,
  kCount
};
const char* FuseOpName(FuseOp op);

class FuseMetrics {
 public:
  FuseMetrics();

  // Counts and times one FUSE operation on this thread.
  class OpScope {
   public:
    OpScope(FuseMetrics* m, FuseOp op);  // m may be null: nothing counted
    ~OpScope();
    OpScope(const OpScope&) = delete;
    OpScope& operator=(const OpScope&) = delete;

   private:
    FuseMetrics* m_;
    FuseOp op_;
    OpScope* outer_;
    std::chrono::steady_clock::time_point start_;
    friend class FuseMetrics;
  };

  // Called by the reply wrappers (fuse_metrics.cc) on the replying thread.
  static void NoteError(int err);
  static void NoteBytes(size_t n);

  // A count kept elsewhere (retries, cache hits), read at scrape time.
  void AddCounter(const std::string& name, const std::string& help, std::function<double()> read);

  Status Serve(const std::string& addr, Logger& log);
  std::string Render() const { return registry_.Render(); }

 private:
  static constexpr int kMaxErrno = 134;  // EHWPOISON on Linux; above: "other"
  struct PerOp {
    Counter* calls = nullptr;
    Histogram* latency = nullptr;
    std::array<std::atomic<Counter*>, kMaxErrno + 1> errors{};
  };
  Counter* ErrorCounter(FuseOp op, int err);

  MetricsRegistry registry_;
  std::array<PerOp, static_cast<size_t>(FuseOp::kCount)> ops_;
  Counter* bytes_read_ = nullptr;
  Counter* bytes_written_ = nullptr;
  std::mutex mu_;  // creating an error series (first sight only)
  std::unique_ptr<HttpServer> http_;
};

}  // namespace opendfs::mountfs
