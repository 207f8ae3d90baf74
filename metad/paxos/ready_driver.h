// ReadyDriver: the order in which a driver carries out one Ready — the one
// piece of driver logic that both the shipped Replicator
// (metad/replication/) and the seeded simulator (tests/metad/paxos/) run, so
// the simulator proves the order that ships. I/O stays in the host; this is
// pure sequencing.
//
// For each Ready, in this order (ready.h states the contract):
//   1. the leader's Accepts leave at once: the followers' fsyncs then overlap
//      the leader's own (one fsync on the commit path instead of two in a
//      row). Safe because the host steps no reply into the core before step 2
//      returned (it runs the core and this driver on one thread);
//   2. hard state and entries are persisted: synced when there are entries or
//      the promise moved; a commit_index-only change is written unsynced (a
//      crash may lose it; the core re-learns commits from the leader);
//   3. every other message (promises, Accepteds, commits, heartbeats) leaves;
//   4. `committed` is applied in order;
//   5. proposals the core can no longer answer are handed back (AfterApply);
//   6. snapshots are shipped; a role change is reported.
// A host's Persist may return false: the process died there (the simulator's
// crash points); the driver then touches nothing more of that Ready.
#pragma once

#include <optional>
#include <vector>

#include "metad/paxos/ready.h"

namespace opendfs::paxos {

class ReadyHost {
 public:
  virtual ~ReadyHost() = default;
  // Writes hard state and entries atomically; `sync`: durable before it
  // returns. False: the process stopped (simulated crash), drop the rest.
  virtual bool Persist(const std::optional<HardState>& hard_state,
                       const std::vector<LogEntry>& entries, bool sync) = 0;
  virtual void Send(const Message& m) = 0;
  virtual void Apply(const std::vector<LogEntry>& committed) = 0;
  virtual void AfterApply() = 0;
  virtual void ShipSnapshot(const SnapshotNeeded& s) = 0;
  virtual void RoleChanged(const SoftState& s) = 0;
};

class ReadyDriver {
 public:
  // The promise as read back from disk at start (PersistedState).
  explicit ReadyDriver(Ballot persisted_promise = {}) : persisted_promise_(persisted_promise) {}

  // Carries out `rd` on `host`. False when the host's Persist stopped it.
  bool Drive(const Ready& rd, ReadyHost& host);

  // Messages the driver sends before persisting (step 1).
  static bool SentBeforePersist(const Message& m);

  Ballot persisted_promise() const { return persisted_promise_; }

 private:
  Ballot persisted_promise_;
};

}  // namespace opendfs::paxos
