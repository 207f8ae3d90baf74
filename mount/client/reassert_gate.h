// ReassertGate: orders a mount's unlocks against the re-assertion of its
// locks after a leader change (mount/fuse/fs_locks.cc ReassertLocks).
//
// The race it closes: the re-assertion snapshots HeldLocks, then sends each
// lock to the new leader; an unlock (F_UNLCK, LOCK_UN, close) granted by the
// new leader between the snapshot and the re-assertion of that lock would
// be undone by it — metad would hold a lock the mount has forgotten, and
// nobody would ever release it while the session lives. So an unlock waits
// until no re-assertion is running, and a re-assertion waits until the
// unlocks already past that point (their RPC sent, HeldLocks not yet
// updated) are done.
//
// Happy path: Fs wraps each unlock in an UnlockScope and each
// re-assertion in a ReassertScope. An unlock on the thread that itself
// runs the re-assertion (its RPC found the session expired and renewed it)
// is not waited for: its RPC is resent after the re-assertion, in order.
//
// Failure modes: every wait is bounded (wait_max): a re-assertion or unlock
// stuck in RPC retries delays the other at most that long, never wedges it;
// past the bound the race is possible again (logged by the caller through
// the returned false). Thread-safe; the mutex is a leaf, never held across
// a call out.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace opendfs::client {

class ReassertGate {
 public:
  explicit ReassertGate(std::chrono::milliseconds wait_max) : wait_max_(wait_max) {}

  // Unlock side: waits while a re-assertion runs (on another thread).
  // False when it gave up waiting.
  bool BeginUnlock();
  void EndUnlock();
  // Re-assertion side: marks one running, then waits for unlocks in flight
  // on other threads. False when it gave up waiting. Nested calls (a
  // re-assertion renewing the session again) pass straight through.
  bool BeginReassert();
  void EndReassert();

  class UnlockScope {
   public:
    explicit UnlockScope(ReassertGate& g) : g_(g), waited_ok_(g.BeginUnlock()) {}
    ~UnlockScope() { g_.EndUnlock(); }
    bool waited_ok() const { return waited_ok_; }
    UnlockScope(const UnlockScope&) = delete;
    UnlockScope& operator=(const UnlockScope&) = delete;

   private:
    ReassertGate& g_;
    bool waited_ok_;
  };
  class ReassertScope {
   public:
    explicit ReassertScope(ReassertGate& g) : g_(g), waited_ok_(g.BeginReassert()) {}
    ~ReassertScope() { g_.EndReassert(); }
    bool waited_ok() const { return waited_ok_; }
    ReassertScope(const ReassertScope&) = delete;
    ReassertScope& operator=(const ReassertScope&) = delete;

   private:
    ReassertGate& g_;
    bool waited_ok_;
  };

 private:
  const std::chrono::milliseconds wait_max_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t reasserting_ = 0;       // GUARDED_BY(mu_): running re-assertions
  size_t unlocks_inflight_ = 0;  // GUARDED_BY(mu_)
};

}  // namespace opendfs::client
