// Invalidations: the leader's push channel to mounts' kernel caches
// (schema/meta.fbs AwaitEvents), so that a change made through one mount
// or the CLI is seen by every other mount at once, not after attr_timeout.
//
// Happy path: a mount subscribes by long-polling AwaitEvents; from then on
// the read handlers Note() what it caches (CacheInterest). When a mutation
// is applied, Publish() queues events (inode attributes; a name in a
// directory) for every other subscribed session interested in them, hands
// them to its parked poll, and runs the mutation's reply (`done`) only once
// each of those sessions acknowledged them: its next poll carries the
// highest seq it applied, after it called fuse_lowlevel_notify_inval_*.
//
// Failure modes: a session that does not acknowledge within ack_wait_ms is
// untrusted: `done` runs anyway, its queue is replaced by one Reset event
// (drop every cache) and no mutation waits for it until it acknowledged the
// Reset. A queue past max_queue, or interest past its bound, is replaced by a
// Reset the same way (the session stays trusted). A session that polls no
// more expires with its metad session (Prune). A new leadership or a leader
// that lost its lease forgets everything (Forget): parked polls fail with
// NotLeader and each subscription starts again under a new epoch, which
// tells the mount to drop its caches.
//
// Threads: thread-safe (one mutex, never held while calling out: replies
// and `done` run after it is released). Start() runs a timer thread that
// ends parked polls after their wait and waiters after ack_wait_ms; tests
// drive Tick(now) instead.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "libnet/log.h"
#include "libnet/status.h"
#include "metad/server/cache_interest.h"

namespace opendfs::metad {

struct CacheEvent {
  enum class Kind { kInode, kEntry, kReset };
  Kind kind = Kind::kInode;
  uint64_t ino = 0;     // kInode
  uint64_t parent = 0;  // kEntry
  std::string name;     // kEntry
  bool gone = false;    // kEntry: the name no longer leads where it did

  static CacheEvent Inode(uint64_t ino) { return {Kind::kInode, ino, 0, {}, false}; }
  static CacheEvent Entry(uint64_t parent, std::string name, bool gone) {
    return {Kind::kEntry, 0, parent, std::move(name), gone};
  }
};

struct PollResult {
  std::vector<CacheEvent> events;
  uint64_t last_seq = 0;  // seq of the last event (or acked when none)
  uint64_t epoch = 0;
};

struct InvalidationOptions {
  size_t max_interest = 1u << 17;  // inodes per session
  size_t max_queue = 4096;         // unacknowledged events per session
  size_t max_batch = 512;          // events per poll reply
  int64_t ack_wait_ms = 100;       // how long a mutation waits for a mount
  int64_t max_poll_ms = 1000;      // longest hold of a poll
};

class Invalidations {
 public:
  using NowFn = std::function<int64_t()>;  // monotonic ms
  // Answers one poll: ok + events, or the failure (NotLeader, ...).
  using PollReply = std::function<void(const Status&, const PollResult&)>;
  using Done = std::function<void()>;

  Invalidations(InvalidationOptions options, Logger& log, NowFn now);
  ~Invalidations();  // Stop()

  void Start();
  // Fails parked polls with ShuttingDown and runs pending `done`s.
  void Stop();

  // `session` may cache `ino` from now on (no-op unless it subscribed).
  void Note(uint64_t session, uint64_t ino);
  // After a mutation by `from` (0 = the CLI) was applied; `done` runs inline
  // when no other session is interested, else later (see above).
  void Publish(uint64_t from, const std::vector<CacheEvent>& events, Done done);
  // AwaitEvents from a live session: acknowledges up to `acked` (when
  // `epoch` is its subscription's; a mount that saw another one has applied
  // nothing of this one), then answers at once with queued events or holds
  // the poll for up to wait_ms.
  void Poll(uint64_t session, uint64_t epoch, uint64_t acked, uint32_t wait_ms,
            PollReply reply);
  // Forgets every subscription; parked polls fail with `why`.
  void Forget(const Status& why);
  // Drops subscriptions of sessions `alive` says are gone.
  void Prune(const std::function<bool(uint64_t)>& alive);
  // Ends polls and waits that are due; the timer thread calls it.
  void Tick(int64_t now_ms);

  size_t subscriptions() const;
  bool trusted(uint64_t session) const;

 private:
  struct Sub {
    uint64_t epoch = 0;
    uint64_t next_seq = 1;
    uint64_t acked = 0;
    uint64_t reset_seq = 0;  // an unacknowledged Reset, or 0
    bool trusted = true;
    std::deque<std::pair<uint64_t, CacheEvent>> queue;  // seq, event
    PollReply parked;
    int64_t poll_deadline_ms = 0;
  };
  struct Waiter {
    std::vector<std::pair<uint64_t, uint64_t>> need;  // session, seq
    int64_t deadline_ms = 0;
    Done done;
  };
  using Calls = std::vector<std::function<void()>>;

  // REQUIRES(mu_) for all below.
  uint64_t Append(Sub& s, CacheEvent e);
  // Replaces the queue of `session` with one Reset (drop every cache).
  void QueueReset(uint64_t session, Sub& s, bool trusted);
  // Hands queued events above `acked` to the parked poll, if any.
  void Deliver(Sub& s, Calls& out);
  PollResult Batch(const Sub& s) const;
  bool Satisfied(const Waiter& w) const;
  void ReleaseSatisfied(Calls& out);
  void TimerLoop();

  const InvalidationOptions options_;
  Logger& log_;
  const NowFn now_;
  mutable std::mutex mu_;
  CacheInterest interest_;                   // GUARDED_BY(mu_)
  std::unordered_map<uint64_t, Sub> subs_;   // GUARDED_BY(mu_)
  std::list<Waiter> waiters_;                // GUARDED_BY(mu_)
  uint64_t next_epoch_;                      // GUARDED_BY(mu_)
  bool stopping_ = false;                    // GUARDED_BY(mu_)
  std::condition_variable cv_;
  std::thread timer_;
};

}  // namespace opendfs::metad
