// FsEvents: the mount's side of cache invalidation — a thread that
// long-polls the metad leader (MetaClient::AwaitEvents) and drops what the
// kernel cached of what other mounts changed, so that a chmod, rename or
// unlink made elsewhere is seen here by the time it returned there.
//
// Happy path: Start() subscribes (the first poll, before FUSE serves);
// each reply's events are applied with fuse_lowlevel_notify_inval_inode
// (attributes and ACLs only) and _inval_entry (a name gone, or any name
// when negative entries are cached), then the next poll acknowledges them.
// The calls come from this thread only: a notify from inside a FUSE handler
// for the same inode could deadlock.
//
// While healthy (subscribed, last poll answered) the kernel may cache
// attributes and entries for cache_timeout_max_ms; otherwise not at all
// (Fs::AttrTimeout), so nothing is cached that a leader does not know of.
//
// Failure modes: a failed poll (leader gone, redirect, timeout), a Reset
// event, or a new epoch (a new leader, a renewed session: it knows nothing
// of what this kernel cached) drops every cache: the attributes of every
// inode the kernel holds (InodeTable) and every name noted in
// KernelNames. A notify that fails (the kernel has no such inode) is
// ignored.
//
// Threads: Start/Stop from the owner; healthy() from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include <fuse_lowlevel.h>

#include "libnet/log.h"
#include "mount/client/meta_client.h"
#include "mount/fuse/inode_table.h"
#include "mount/fuse/kernel_names.h"

namespace opendfs::mountfs {

struct FsEventsOptions {
  std::chrono::milliseconds poll_wait{1000};
  bool negative_entries = false;  // the kernel caches negative lookups
};

class FsEvents {
 public:
  // All references must outlive the FsEvents.
  FsEvents(FsEventsOptions options, client::MetaClient& meta, fuse_session* se,
           InodeTable& inodes, KernelNames& names, Logger& log);
  ~FsEvents();  // Stop()

  void Start();
  void Stop();
  bool healthy() const { return healthy_.load(std::memory_order_acquire); }

 private:
  void Loop();
  // One poll; false when it failed.
  bool PollOnce();
  void Apply(const client::CacheEventInfo& e);
  void DropAll(const char* why);

  const FsEventsOptions options_;
  client::MetaClient& meta_;
  fuse_session* const se_;
  InodeTable& inodes_;
  KernelNames& names_;
  Logger& log_;
  std::atomic<bool> healthy_{false};
  uint64_t epoch_ = 0;  // event thread only
  uint64_t acked_ = 0;  // event thread only

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace opendfs::mountfs
