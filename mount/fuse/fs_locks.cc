// flock(2), fcntl F_GETLK/F_SETLK/F_SETLKW and OFD locks, cluster-wide.
//
// Happy path: libfuse hands us the kernel's lock owner (fi->lock_owner: a
// process's files table for POSIX locks, the open file description for OFD
// and flock locks) and we ask the metad leader (SetLock, GetLock), then
// record what was granted in HeldLocks. Close: the kernel's FLUSH carries
// the closing process's lock_owner, and drops its POSIX locks on the file
// (POSIX: any close drops them); RELEASE with fi->flock_release drops the
// description's flock; an OFD lock is unlocked by the kernel itself as a
// setlk(F_UNLCK) on last close.
//
// Data under a lock (close-to-open's rule for locks, as NFS): a granted
// lock revalidates the file — when its (mtime, size) at metad differs from
// what this mount cached, the kernel's pages and attributes of it are
// dropped, and so are the names this mount gave the kernel in the file's
// directories (mount/fuse/kernel_names.h: a `db-journal` the other mount
// deleted must not be seen) — and an unlock first commits this mount's
// writes of the file.
// sqlite's rollback journal on two mounts depends on both.
//
// F_SETLKW and flock without LOCK_NB retry here, 10 ms doubling to 500 ms,
// holding only this FUSE worker thread (other files and other processes
// are served by the other workers); a signal to the waiter interrupts it
// (EINTR), a deadlock between waiters is EDEADLK from metad.
//
// After a leader change the mount re-asserts its locks on its new session
// (ReassertLocks); unlocks wait for a running re-assertion and it waits for
// unlocks in flight, so a released lock is never re-asserted behind the
// application's back (mount/client/reassert_gate.h).
//
// Failure modes: metad unreachable past MetaClient's deadline is the
// transport errno; a lock not re-assertable after a leader change is
// dropped from HeldLocks and logged (the process is not told, as with NFS).
#include <fcntl.h>
#include <sys/file.h>

#include <chrono>
#include <optional>
#include <thread>

#include "mount/fuse/fs.h"

namespace opendfs::mountfs {
namespace {

constexpr uint8_t kPosix = 0;
constexpr uint8_t kFlock = 1;
constexpr uint8_t kUnlock = 2;  // LockArgs::type

client::LockArgs FromFlock(const struct flock* l) {
  client::LockArgs a;
  a.kind = kPosix;
  a.type = l->l_type == F_RDLCK ? 0 : l->l_type == F_WRLCK ? 1 : 2;
  a.start = static_cast<uint64_t>(l->l_start);
  a.end = l->l_len == 0 ? static_cast<uint64_t>(INT64_MAX)
                        : static_cast<uint64_t>(l->l_start + l->l_len - 1);
  a.pid = static_cast<uint32_t>(l->l_pid);
  return a;
}

}  // namespace

Status Fs::SetLockWaiting(fuse_req_t req, uint64_t ino, uint64_t owner,
                          const client::LockArgs& lock, bool wait) {
  using std::chrono::milliseconds;
  milliseconds backoff(10);
  // An unlock (granted at once, even in a grace period) must not slip in
  // between a re-assertion's snapshot and its RPCs (reassert_gate.h).
  std::optional<client::ReassertGate::UnlockScope> gate;
  if (lock.type == kUnlock) gate.emplace(reassert_gate_);
  for (;;) {
    Status s = meta_->SetLock(CredOf(req), ino, owner, lock, wait, false);
    if (s.ok()) {
      held_locks_.Apply(ino, owner, lock);
      return s;
    }
    if (!wait || s.code() != StatusCode::LockHeld) return s;
    if (fuse_req_interrupted(req)) return Status(StatusCode::Io, "interrupted");  // EINTR below
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, milliseconds(500));
  }
}

void Fs::GetLk(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi, struct flock* lock) {
  client::LockArgs want = FromFlock(lock);
  auto held = meta_->GetLock(CredOf(req), ino, fi->lock_owner, want);
  if (!held.ok()) return ReplyError(req, "getlk", ino, held.status());
  struct flock out = *lock;
  if (!held->has_value()) {
    out.l_type = F_UNLCK;
  } else {
    const client::HeldLock& h = **held;
    out.l_type = h.lock.type == 0 ? F_RDLCK : F_WRLCK;
    out.l_whence = SEEK_SET;
    out.l_start = static_cast<off_t>(h.lock.start);
    out.l_len = h.lock.end >= static_cast<uint64_t>(INT64_MAX)
                    ? 0
                    : static_cast<off_t>(h.lock.end - h.lock.start + 1);
    // Another mount's pid means nothing here (the kernel maps it through
    // this machine's pid namespace): report 0 for remote holders.
    out.l_pid = h.session == meta_->session() ? static_cast<pid_t>(h.lock.pid) : 0;
  }
  fuse_reply_lock(req, &out);
}

void Fs::ReplyLock(fuse_req_t req, const char* op, uint64_t ino, const Status& s) {
  if (s.ok()) {
    fuse_reply_err(req, 0);
  } else if (s.code() == StatusCode::Io && s.message() == "interrupted") {
    fuse_reply_err(req, EINTR);
  } else if (s.code() == StatusCode::LockHeld || s.code() == StatusCode::Deadlock) {
    fuse_reply_err(req, ToErrno(s));  // EAGAIN (= EWOULDBLOCK) / EDEADLK
  } else {
    ReplyError(req, op, ino, s);
  }
}

Status Fs::FlushBeforeUnlock(const client::Cred& cred, uint64_t ino) {
  auto w = inodes_.Writer(ino);
  if (!w || !w->HasDirty()) return Status::Ok();
  ODFS_RETURN_IF_ERROR(w->Flush(cred));
  if (auto a = w->committed_attr()) inodes_.RecordContent(ino, a->mtime_ns(), a->size());
  return Status::Ok();
}

void Fs::RevalidateAfterLock(const client::Cred& cred, uint64_t ino) {
  Result<fb::Attr> a = meta_->GetAttr(cred, ino);
  bool changed = !a.ok() || !inodes_.SameContent(ino, a->mtime_ns(), a->size());
  if (!changed) return;
  // Another mount changed the file since this mount last cached it: drop
  // the kernel's pages and attributes (offset 0: every page; safe here, the
  // locking process holds no page or inode lock during setlk) and our
  // block locations, so that what the lock protects is read afresh.
  if (session_ != nullptr) (void)fuse_lowlevel_notify_inval_inode(session_, ino, 0, 0);
  locations_.Invalidate(ino);
  auto w = inodes_.Writer(ino);
  if (a.ok() && w && !w->HasDirty()) w->SetSize(a->size());  // not our stale idea of it
}

Status Fs::LockAndRevalidate(fuse_req_t req, uint64_t ino, uint64_t owner,
                             const client::LockArgs& lock, bool wait) {
  if (lock.type == kUnlock) {
    // What the lock protected must be visible to the next holder, who may
    // be on another mount (NFS flushes on unlock too).
    Status f = FlushBeforeUnlock(CredOf(req), ino);
    if (!f.ok()) return f;
  }
  Status s = SetLockWaiting(req, ino, owner, lock, wait);
  if (s.ok() && lock.type != kUnlock) {
    RevalidateAfterLock(CredOf(req), ino);
    // Names near the file (sqlite's db-journal) as well: another mount may
    // have created or removed them while this kernel cached them.
    DropNamesNear(ino);
  }
  return s;
}

void Fs::SetLk(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi, struct flock* lock,
               int sleep) {
  held_locks_.NoteHandleOwner(fi->fh, fi->lock_owner);
  Status s = LockAndRevalidate(req, ino, fi->lock_owner, FromFlock(lock), sleep != 0);
  ReplyLock(req, "setlk", ino, s);
}

void Fs::Flock(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi, int op) {
  client::LockArgs a;
  a.kind = kFlock;
  int base = op & ~LOCK_NB;
  a.type = base == LOCK_SH ? 0 : base == LOCK_EX ? 1 : 2;
  Status s = LockAndRevalidate(req, ino, fi->lock_owner, a, (op & LOCK_NB) == 0 && a.type != 2);
  ReplyLock(req, "flock", ino, s);
}

void Fs::ReleaseOwnerLocks(const client::Cred& cred, uint64_t ino, uint64_t owner, bool flock) {
  uint8_t kind = flock ? kFlock : kPosix;
  if (!held_locks_.Holds(ino, owner, kind)) return;  // the common close: no call
  client::ReassertGate::UnlockScope gate(reassert_gate_);
  Status s = meta_->ReleaseLocks(cred, ino, owner, flock);
  if (!s.ok())
    log_.Warn("mount: dropping locks ino={} owner={:x} failed: {} (they go with the session)", ino,
              owner, s.ToString());
  held_locks_.Forget(ino, owner, kind);
}

void Fs::ReleaseHandleLocks(const client::Cred& cred, uint64_t ino, uint64_t fh) {
  for (uint64_t owner : held_locks_.TakeHandleOwners(fh)) ReleaseOwnerLocks(cred, ino, owner, false);
}

void Fs::ReassertLocks(bool lapsed) {
  client::ReassertGate::ReassertScope gate(reassert_gate_);
  if (!gate.waited_ok())
    log_.Warn("mount: re-asserting locks while an unlock is still in flight after 5 s");
  std::vector<client::HeldLocks::Entry> all = held_locks_.Snapshot();
  if (all.empty()) return;
  if (lapsed) {
    log_.Error("mount: session lapsed for a lease: {} lock ranges are lost", all.size());
    held_locks_.Clear();
    return;
  }
  size_t kept = 0;
  client::Cred root;
  for (const auto& e : all) {
    Status s = meta_->SetLock(root, e.key.ino, e.key.owner, e.lock, false, true);
    if (s.ok()) {
      ++kept;
      continue;
    }
    log_.Error("mount: lock ino={} owner={:x} {}..{} not re-asserted, lost: {}", e.key.ino,
               e.key.owner, e.lock.start, e.lock.end, s.ToString());
    held_locks_.Forget(e.key.ino, e.key.owner, e.key.kind);
  }
  log_.Info("mount: re-asserted {} of {} lock ranges with the new session", kept, all.size());
}

}  // namespace opendfs::mountfs
