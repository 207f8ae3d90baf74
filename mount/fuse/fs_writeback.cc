// Write-back metadata in Fs (docs/write-back.md): which FUSE operations are
// answered from the mount's directory leases (client/leased_dirs.h), the
// flush of the pending batch (timer, full batch, fsync, unmount, recall,
// before every synchronous mutation) and late errors.
//
// Ordering: every operation that is not answered locally either changes
// nothing the batch touches (reads of other inodes) or first flushes the
// whole batch (Barrier), so the leader applies this mount's operations in
// the order it performed them. A synchronous operation in a leased
// directory gives the lease back with that flush, since what it changes
// would not be in the listing held here.
//
// Failure modes: a leader that does not know the lease calls (an older
// metad) or refuses one leaves the mount synchronous (for good, or until
// retry_ms); a refused op of a flushed batch is a late error, logged once
// and returned by the next fsync/close of the inodes concerned, and the
// leases it touched are dropped; a failed flush refuses the whole batch.
#include <fcntl.h>
#include <sys/stat.h>

#include <ctime>

#include "mount/fuse/fs.h"

namespace opendfs::mountfs {

namespace {

using client::LocalAnswer;

int64_t WallNs() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

int64_t MonoMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

// Ask for more delegated ids below this many, this many at a time.
constexpr uint64_t kLowInodes = 64;
constexpr uint32_t kInodesPerGrant = 1024;
// After a synchronous op gave a lease back: not leased again for this long,
// so a directory used both ways does not flap between the two.
constexpr int64_t kSyncCooldownMs = 2000;

const char* OpName(client::BatchOpArgs::Kind k) {
  using K = client::BatchOpArgs::Kind;
  switch (k) {
    case K::Mknod: return "mknod";
    case K::Mkdir: return "mkdir";
    case K::Create: return "create";
    case K::Symlink: return "symlink";
    case K::Link: return "link";
    case K::Unlink: return "unlink";
    case K::Rmdir: return "rmdir";
    case K::Rename: return "rename";
    case K::SetAttr: return "setattr";
    case K::WriteInline: return "write";
  }
  return "op";
}

}  // namespace

// ---- lifecycle ----

void Fs::StartWriteBack() {
  if (options_.sync_meta || meta_ == nullptr) return;
  client::LeasedDirs::Limits l;
  l.max_entries = options_.lease_max_entries;
  leased_ = std::make_unique<client::LeasedDirs>(l);
  if (events_) {
    FsEventsHooks hooks;
    hooks.recall = [this](uint64_t dir) { OnRecall(dir); };
    hooks.new_epoch = [this] { OnNewEpoch(); };
    events_->SetHooks(std::move(hooks));
  }
  wb_thread_ = std::thread([this] { FlushTimerLoop(); });
}

void Fs::StopWriteBack() {
  if (!leased_) return;
  {
    std::lock_guard lock(wb_mu_);
    wb_stop_ = true;
  }
  wb_cv_.notify_all();
  if (wb_thread_.joinable()) wb_thread_.join();
  Status s = FlushMeta("unmount", leased_->Leased());
  if (!s.ok()) log_.Error("mount: write-back: final flush at unmount failed: {}", s.ToString());
}

void Fs::FlushTimerLoop() {
  std::unique_lock lock(wb_mu_);
  while (!wb_stop_) {
    wb_cv_.wait_for(lock, std::chrono::milliseconds(options_.meta_flush_ms),
                    [&] { return wb_stop_ || wb_armed_ || !wb_invalidate_.empty() ||
                                 !wb_recalled_.empty(); });
    if (wb_stop_) break;
    if (wb_armed_) {
      // meta_flush_ms after the batch's first op (a recall does not wait).
      wb_cv_.wait_for(lock, std::chrono::milliseconds(options_.meta_flush_ms),
                      [&] { return wb_stop_ || !wb_recalled_.empty(); });
    }
    std::vector<uint64_t> recalled;
    recalled.swap(wb_recalled_);
    wb_armed_ = false;
    lock.unlock();
    Status s = FlushMeta(recalled.empty() ? "timer" : "recall", recalled);
    if (!s.ok()) log_.Warn("mount: write-back: flush failed: {}", s.ToString());
    RunDirInvalidations();
    lock.lock();
  }
}

void Fs::AfterLocalOp() {
  if (leased_->BatchFull()) {
    Status s = FlushMeta("batch full");
    if (!s.ok()) log_.Warn("mount: write-back: flush failed: {}", s.ToString());
    return;
  }
  bool first = false;
  {
    std::lock_guard lock(wb_mu_);
    first = !wb_armed_;
    wb_armed_ = true;
  }
  if (first) wb_cv_.notify_all();
}

// ---- leases ----

bool Fs::EnsureLease(const client::Cred& cred, uint64_t dir) {
  if (!leased_) return false;
  if (leased_->Holds(dir)) return true;
  {
    std::lock_guard lock(wb_mu_);
    if (wb_disabled_) return false;
    auto it = wb_refused_until_.find(dir);
    if (it != wb_refused_until_.end()) {
      if (MonoMs() < it->second) return false;
      wb_refused_until_.erase(it);
    }
  }
  const uint32_t want = leased_->InodesLeft() < kLowInodes ? kInodesPerGrant : 0;
  Result<client::LeaseGrant> g = meta_->AcquireDirLease(cred, dir, want);
  if (!g.ok()) {
    const StatusCode c = g.status().code();
    std::lock_guard lock(wb_mu_);
    if (c == StatusCode::UnknownMethod || c == StatusCode::NotSupported) {
      if (!wb_disabled_)
        log_.Info("mount: write-back: the leader grants no directory leases ({}): "
                  "metadata stays synchronous", g.status().ToString());
      wb_disabled_ = true;
    } else {
      wb_refused_until_[dir] = MonoMs() + 1000;
    }
    return false;
  }
  if (!g->granted) {
    std::lock_guard lock(wb_mu_);
    wb_refused_until_[dir] = MonoMs() + std::max<uint32_t>(g->retry_ms, 100);
    return false;
  }
  if (!leased_->Grant(dir, *g)) {
    // Past this mount's bounds: give it back at once.
    (void)meta_->ReleaseDirLease(client::Cred{}, {dir});
    std::lock_guard lock(wb_mu_);
    wb_refused_until_[dir] = MonoMs() + kSyncCooldownMs;
    return false;
  }
  return true;
}

void Fs::OnRecall(uint64_t dir) {
  {
    std::lock_guard lock(wb_mu_);
    wb_recalled_.push_back(dir);
  }
  wb_cv_.notify_all();
}

void Fs::OnNewEpoch() {
  if (!leased_) return;
  // The new leader (or session) knows none of the leases: flush under the
  // new epoch (ops are checked again on apply), then ask again.
  Status s = FlushMeta("new epoch");
  if (!s.ok()) log_.Warn("mount: write-back: flush at a new epoch failed: {}", s.ToString());
  std::vector<uint64_t> all = leased_->Leased();
  for (uint64_t d : all) leased_->Drop(d);
  QueueDirInvalidations(all);
}

void Fs::QueueDirInvalidations(const std::vector<uint64_t>& dirs) {
  if (dirs.empty()) return;
  {
    std::lock_guard lock(wb_mu_);
    wb_invalidate_.insert(wb_invalidate_.end(), dirs.begin(), dirs.end());
  }
  wb_cv_.notify_all();
}

void Fs::RunDirInvalidations() {
  std::vector<uint64_t> dirs;
  {
    std::lock_guard lock(wb_mu_);
    dirs.swap(wb_invalidate_);
  }
  if (session_ == nullptr) return;
  for (uint64_t d : dirs) {
    for (const auto& [dir, n] : kernel_names_.NamesIn(d))
      (void)fuse_lowlevel_notify_inval_entry(session_, dir, n.data(), n.size());
    (void)fuse_lowlevel_notify_inval_inode(session_, d, -1, 0);
  }
}

// ---- flush ----

Status Fs::FlushMeta(const char* why, const std::vector<uint64_t>& release) {
  if (!leased_) return Status::Ok();
  std::lock_guard flush(wb_flush_mu_);
  std::vector<client::BatchOpArgs> ops = leased_->TakeBatch();
  if (ops.empty() && release.empty()) return Status::Ok();
  Result<client::FlushResult> r = meta_->FlushBatch(client::Cred{}, ops, release);
  std::vector<StatusCode> statuses;
  if (r.ok()) {
    for (size_t i = 0; i < r->results.size() && i < ops.size(); ++i) {
      statuses.push_back(r->results[i].status);
      // An open create's handle becomes the open file's metad handle; a file
      // closed meanwhile gives it back.
      if (ops[i].open && r->results[i].status == StatusCode::Ok) {
        const uint64_t ino = ops[i].inode, handle = r->results[i].handle;
        uint64_t key = 0;
        for (const client::OpenHandles::Entry& e : open_handles_.Snapshot())
          if (e.ino == ino && e.handle == 0) key = e.key;
        if (key == 0 || !open_handles_.Replace(key, handle))
          (void)meta_->Release(client::Cred{}, ino, handle);
      }
    }
    for (uint64_t d : r->lost) leased_->Drop(d);
    QueueDirInvalidations(r->lost);
  } else {
    log_.Error("mount: write-back: flush ({}) of {} ops failed: {}", why, ops.size(),
               r.status().ToString());
    statuses.assign(ops.size(), r.status().code());
  }
  std::vector<uint64_t> dropped;
  for (const client::LateError& e : leased_->Settle(ops, statuses, &dropped))
    log_.Error("mount: write-back: {} ino={} refused by the leader: {} ({})", OpName(e.kind),
               e.ino, CodeName(e.code), ToErrno(e.code));
  for (uint64_t d : release) leased_->Drop(d);
  dropped.insert(dropped.end(), release.begin(), release.end());
  QueueDirInvalidations(dropped);
  return r.ok() ? Status::Ok() : r.status();
}

void Fs::Barrier(const char* op, std::initializer_list<uint64_t> dirs) {
  if (!leased_) return;
  std::vector<uint64_t> release;
  for (uint64_t d : dirs)
    if (leased_->Holds(d)) release.push_back(d);
  if (leased_->BatchOps() == 0 && release.empty()) return;
  if (!release.empty()) {
    std::lock_guard lock(wb_mu_);
    for (uint64_t d : release) wb_refused_until_[d] = MonoMs() + kSyncCooldownMs;
  }
  Status s = FlushMeta(op, release);
  if (!s.ok()) log_.Warn("mount: write-back: flush before {} failed: {}", op, s.ToString());
}

void Fs::BarrierFor(uint64_t ino) {
  if (!leased_ || !leased_->HasPendingChanges(ino)) return;
  Status s = FlushMeta("read");
  if (!s.ok()) log_.Warn("mount: write-back: flush before a read failed: {}", s.ToString());
}

Status Fs::TakeLateError(uint64_t ino) {
  if (!leased_) return Status::Ok();
  std::optional<client::LateError> e = leased_->TakeLateError(ino);
  if (!e) return Status::Ok();
  return Status(e->code, std::string("an earlier ") + OpName(e->kind) +
                             " was refused by the leader");
}

// ---- local answers ----

bool Fs::LocalLookup(fuse_req_t req, uint64_t parent, const char* name) {
  if (!leased_) return false;
  std::optional<client::LocalLookup> hit = leased_->Lookup(parent, name);
  if (!hit) return false;
  if (!hit->found) {
    if (options_.negative_timeout_s > 0) {
      fuse_entry_param e = {};
      e.entry_timeout = options_.negative_timeout_s;
      kernel_names_.Record(parent, name, 0);
      fuse_reply_entry(req, &e);
    } else {
      fuse_reply_err(req, ENOENT);
    }
    return true;
  }
  if (leased_->Created(hit->attr.ino)) {
    ReplyEntry(req, parent, name, hit->attr.ToWire());
    return true;
  }
  // Another inode's attributes may have changed since the grant (a hard link
  // elsewhere, a writer on another mount): the name is ours, its attributes
  // metad's.
  BarrierFor(hit->attr.ino);
  Result<fb::Attr> a = meta_->GetAttr(CredOf(req), hit->attr.ino);
  if (!a.ok()) return false;
  ReplyEntry(req, parent, name, *a);
  return true;
}

bool Fs::LocalGetAttr(fuse_req_t req, uint64_t ino) {
  if (!leased_) return false;
  std::optional<client::Attrs> a = leased_->GetAttr(ino);
  if (!a) return false;
  struct stat st;
  ToStat(WithLocalWrites(a->ToWire()), &st);
  fuse_reply_attr(req, &st, AttrTimeout());
  return true;
}

bool Fs::ReplyLocalEntry(fuse_req_t req, uint64_t parent, const char* name,
                         const LocalAnswer& a) {
  if (!a.local) return false;
  if (!a.status.ok()) {
    ReplyError(req, "write-back", parent, a.status);
    return true;
  }
  AfterLocalOp();
  ReplyEntry(req, parent, name, a.attr.ToWire());
  return true;
}

bool Fs::ReplyLocalDone(fuse_req_t req, const char* op, uint64_t ino, const LocalAnswer& a) {
  if (!a.local) return false;
  if (!a.status.ok()) {
    ReplyError(req, op, ino, a.status);
    return true;
  }
  AfterLocalOp();
  fuse_reply_err(req, 0);
  return true;
}

bool Fs::LocalMknod(fuse_req_t req, uint64_t parent, const char* name, mode_t mode,
                    dev_t rdev) {
  client::Cred cred = CredOf(req);
  if (!EnsureLease(cred, parent)) return false;
  return ReplyLocalEntry(req, parent, name,
                         leased_->Mknod(cred, parent, name, mode, UmaskOf(req), rdev, WallNs()));
}

bool Fs::LocalMkdir(fuse_req_t req, uint64_t parent, const char* name, mode_t mode) {
  client::Cred cred = CredOf(req);
  if (!EnsureLease(cred, parent)) return false;
  return ReplyLocalEntry(
      req, parent, name, leased_->Mkdir(cred, parent, name, mode & 07777, UmaskOf(req), WallNs()));
}

bool Fs::LocalSymlink(fuse_req_t req, const char* target, uint64_t parent, const char* name) {
  client::Cred cred = CredOf(req);
  if (!EnsureLease(cred, parent)) return false;
  return ReplyLocalEntry(req, parent, name,
                         leased_->Symlink(cred, parent, name, target, WallNs()));
}

bool Fs::LocalUnlink(fuse_req_t req, uint64_t parent, const char* name) {
  client::Cred cred = CredOf(req);
  if (!EnsureLease(cred, parent)) return false;
  LocalAnswer a = leased_->Unlink(cred, parent, name, WallNs());
  if (a.local && a.status.ok() && session_ != nullptr)
    (void)fuse_lowlevel_notify_inval_inode(session_, a.attr.ino, -1, 0);  // nlink, ctime
  return ReplyLocalDone(req, "unlink", parent, a);
}

bool Fs::LocalRmdir(fuse_req_t req, uint64_t parent, const char* name) {
  client::Cred cred = CredOf(req);
  if (!EnsureLease(cred, parent)) return false;
  return ReplyLocalDone(req, "rmdir", parent, leased_->Rmdir(cred, parent, name, WallNs()));
}

bool Fs::LocalRename(fuse_req_t req, uint64_t parent, const char* name, uint64_t newparent,
                     const char* newname, unsigned flags) {
  client::Cred cred = CredOf(req);
  if (!EnsureLease(cred, parent) || !EnsureLease(cred, newparent)) return false;
  return ReplyLocalDone(req, "rename", parent,
                        leased_->Rename(cred, parent, name, newparent, newname, flags, WallNs()));
}

bool Fs::LocalSetAttr(fuse_req_t req, uint64_t ino, const client::SetAttrArgs& args) {
  if (!leased_ || !leased_->Created(ino)) return false;
  // Sizes go with the file's data path (its writer); times set while a
  // writer holds data would be overwritten by its commit.
  if (args.valid & static_cast<uint32_t>(fb::SetAttrBits::Size)) return false;
  if (auto w = inodes_.Writer(ino); w && w->HasDirty()) return false;
  LocalAnswer a = leased_->SetAttr(CredOf(req), ino, args, WallNs());
  if (!a.local) return false;
  if (!a.status.ok()) {
    ReplyError(req, "setattr", ino, a.status);
    return true;
  }
  AfterLocalOp();
  struct stat st;
  ToStat(WithLocalWrites(a.attr.ToWire()), &st);
  fuse_reply_attr(req, &st, AttrTimeout());
  return true;
}

}  // namespace opendfs::mountfs
