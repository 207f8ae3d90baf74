#include "mount/fuse/fs_events.h"

#include <algorithm>

namespace opendfs::mountfs {

using std::chrono::milliseconds;

FsEvents::FsEvents(FsEventsOptions options, client::MetaClient& meta, fuse_session* se,
                   InodeTable& inodes, KernelNames& names, Logger& log)
    : options_(options), meta_(meta), se_(se), inodes_(inodes), names_(names), log_(log) {}

FsEvents::~FsEvents() { Stop(); }

void FsEvents::Start() {
  {
    std::lock_guard lock(mu_);
    stop_ = false;
  }
  // Subscribe before the kernel caches anything under the long timeouts.
  if (!PollOnce()) log_.Warn("mount: cache events: first poll failed; retrying in the background");
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
}

void FsEvents::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  healthy_ = false;
}

void FsEvents::Loop() {
  milliseconds backoff(20);
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
    }
    if (PollOnce()) {
      backoff = milliseconds(20);
      continue;
    }
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, backoff, [this] { return stop_; })) return;
    backoff = std::min(backoff * 2, milliseconds(200));
  }
}

bool FsEvents::PollOnce() {
  // Until subscribed, ask for an answer at once.
  milliseconds wait = healthy() ? options_.poll_wait : milliseconds(0);
  Result<client::CacheEventsPage> page = meta_.AwaitEvents(epoch_, acked_, wait);
  if (!page.ok()) {
    if (healthy()) {
      healthy_ = false;
      log_.Warn("mount: cache events: poll failed ({}); dropping cached attributes and "
                "entries until subscribed again",
                page.status().ToString());
      DropAll("poll failed");
    }
    return false;
  }
  if (page->epoch != epoch_) {
    // A new subscription: whatever this kernel cached, this leader does not
    // know (leader change, new session). Before the first one nothing was
    // cached (timeouts 0), and FUSE may not be initialised yet.
    healthy_ = false;
    if (epoch_ != 0) {
      log_.Info("mount: cache events: new subscription epoch={}", page->epoch);
      DropAll("new subscription");
    }
    epoch_ = page->epoch;
    acked_ = 0;
  }
  for (const client::CacheEventInfo& e : page->events) Apply(e);
  acked_ = std::max(acked_, page->last_seq);
  healthy_ = true;
  return true;
}

void FsEvents::Apply(const client::CacheEventInfo& e) {
  switch (e.kind) {
    case fb::CacheEventKind::Inode:
      // Attributes (and ACLs) only: no page-cache work, no inode lock.
      (void)fuse_lowlevel_notify_inval_inode(se_, e.ino, -1, 0);
      return;
    case fb::CacheEventKind::Entry:
      // A new name matters only to a kernel caching negative lookups; this
      // one takes the directory's lock, so it is skipped when not needed.
      if (e.gone || options_.negative_entries)
        (void)fuse_lowlevel_notify_inval_entry(se_, e.parent, e.name.data(), e.name.size());
      return;
    case fb::CacheEventKind::Reset:
      DropAll("reset by metad");
      return;
    case fb::CacheEventKind::DirNames:
      // Another mount leases the directory now and changes it without
      // telling: nothing the kernel cached of it stays.
      for (const auto& [dir, name] : names_.NamesIn(e.ino))
        (void)fuse_lowlevel_notify_inval_entry(se_, dir, name.data(), name.size());
      (void)fuse_lowlevel_notify_inval_inode(se_, e.ino, 0, 0);
      return;
    case fb::CacheEventKind::Recall:
      // This mount takes no directory lease yet: nothing to give back.
      return;
  }
}

void FsEvents::DropAll(const char* why) {
  std::vector<uint64_t> inodes = inodes_.Known();
  auto names = names_.TakeAll();
  log_.Debug("mount: cache events: {}: dropping {} inodes' attributes and {} entries", why,
             inodes.size(), names.size());
  for (const auto& [parent, name] : names)
    (void)fuse_lowlevel_notify_inval_entry(se_, parent, name.data(), name.size());
  for (uint64_t ino : inodes) (void)fuse_lowlevel_notify_inval_inode(se_, ino, -1, 0);
}

}  // namespace opendfs::mountfs
