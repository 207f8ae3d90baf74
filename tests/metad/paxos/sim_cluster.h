// The seeded Paxos simulator: the real core (one Node per replica) driven by
// the shipped driver order (paxos::ReadyDriver, as the Replicator runs it:
// Accepts before the leader's own write, commit-index-only writes unsynced)
// over a simulated network, disk and clock, all decided by one seed, so a
// failing run replays exactly.
//
// Faults injected during the chaos phase: message loss, duplication,
// reordering and delay (sometimes long), partitions that heal, pauses (a
// frozen process whose messages wait for it), crash and restart of any replica (a crash loses the Ready being handled if it had not
// been synced, and possibly the messages of a synced one, and a suffix of the
// writes not yet synced), log compaction with
// snapshot shipping, and clock jumps within the lease bound of config.h (half
// of them adversarial: leaders jump back, followers forward).
// Then every fault stops, every replica restarts, and the cluster must elect
// a leader and commit a probe value within a bounded simulated time.
//
// Checked after every step: agreement (no two replicas commit different
// values for a slot), applied sequences are prefixes of one canonical
// sequence, at most one replica holds a valid lease at any instant, and a
// replica that may answer reads (its lease valid: the driver's gate) has
// applied every value a client saw acknowledged (no stale read). Open
// proposals are tracked with the driver's own PendingProposals: a replica
// that stops leading hands back (fails) those it cannot answer. At the
// end: every value a client saw acknowledged is applied everywhere, and all
// applied states are identical.
//
// Scenario `isolate_leader`: once a leader holds its lease, it is cut off
// from every other replica (clients still reach it and propose there) until
// the chaos phase ends. Checked besides the above: it stops leading, with
// no proposal left open, within lease_timeout + election_timeout of the cut;
// the others elect a leader and acknowledge new values; after the cut heals
// the old leader follows (no election is needed, it never leads again).
#pragma once

#include <cstdint>
#include <string>

namespace opendfs::paxos::testing {

struct SimOptions {
  int nodes = 3;
  int64_t chaos_ms = 3000;           // faults on
  int64_t liveness_bound_ms = 6000;  // after healing: leader + probe commit + all applied
  bool crashes = true;
  bool partitions = true;
  bool lossy_network = true;
  bool clock_jumps = true;
  bool compaction = true;
  bool isolate_leader = false;  // the scenario above
  bool verbose = false;  // print every event (for replaying one seed)
};

struct SimStats {
  uint64_t messages = 0;
  uint64_t leaders_elected = 0;
  uint64_t crashes = 0;
  uint64_t unsynced_lost = 0;  // unsynced writes a crash dropped (MemDisk::LoseUnsynced)
  uint64_t snapshots_installed = 0;
  uint64_t proposals = 0;
  uint64_t acked = 0;
  uint64_t failed = 0;  // proposals handed back by a replica that stopped leading
  uint64_t final_commit = 0;
  int64_t heal_to_quiet_ms = 0;  // simulated time from healing to all applied
  int64_t stepdown_ms = 0;       // isolate_leader: worst cut -> old leader stopped leading
  int64_t new_lease_ms = 0;      // isolate_leader: worst cut -> another replica's lease

  void Add(const SimStats& o) {
    messages += o.messages;
    leaders_elected += o.leaders_elected;
    crashes += o.crashes;
    unsynced_lost += o.unsynced_lost;
    snapshots_installed += o.snapshots_installed;
    proposals += o.proposals;
    acked += o.acked;
    failed += o.failed;
    final_commit += o.final_commit;
    if (o.heal_to_quiet_ms > heal_to_quiet_ms) heal_to_quiet_ms = o.heal_to_quiet_ms;
    if (o.stepdown_ms > stepdown_ms) stepdown_ms = o.stepdown_ms;
    if (o.new_lease_ms > new_lease_ms) new_lease_ms = o.new_lease_ms;
  }
};

struct SimResult {
  bool ok = true;
  std::string error;  // what broke, at which simulated time
  SimStats stats;
};

SimResult RunSimulation(uint64_t seed, const SimOptions& options);

// For the abort handler: the seed currently running (0 when none).
uint64_t CurrentSimSeed();

}  // namespace opendfs::paxos::testing
