// What the core hands its driver (Ready) and what the driver hands back after
// a restart (PersistedState). Modelled on etcd-io/raft's Ready.
//
// The driver's contract for each Ready, in this order:
//   1. persist `entries` and `hard_state` durably and atomically (one
//      WriteBatch + sync). Acceptor promises and accepted values must be on
//      disk before any message that depends on them leaves the node
//      ("Paxos Made Simple" §2.3: an acceptor must remember what it promised
//      and accepted even if it fails and restarts);
//   2. send `messages` (they may be lost; the core retransmits). A leader's
//      Accepts may leave before step 1, provided the driver steps no reply
//      into the core before step 1 is done: the leader's own acceptance
//      then still precedes any commit it counts;
//   3. apply `committed` in order (each exactly once per process lifetime);
//   4. ship a snapshot to every peer in `snapshots_needed`.
#pragma once

#include <optional>
#include <vector>

#include "metad/paxos/message.h"
#include "metad/paxos/types.h"

namespace opendfs::paxos {

enum class Role : uint8_t { kFollower, kCandidate, kLeader };

const char* RoleName(Role r);

// Acceptor state that must survive a crash.
struct HardState {
  Ballot promised;        // highest ballot promised (phase 1b) or accepted
  Slot commit_index = 0;  // every slot <= commit_index is chosen and stored
  friend bool operator==(const HardState&, const HardState&) = default;
};

// Volatile state the driver may want to log or publish (cluster status).
struct SoftState {
  Role role = Role::kFollower;
  NodeId leader_hint = kNoNode;
  Ballot ballot;
  friend bool operator==(const SoftState&, const SoftState&) = default;
};

// `peer` asked for log entries this node has already trimmed: ship it the
// snapshot (fsimage) covering `snapshot_index`.
struct SnapshotNeeded {
  NodeId peer = kNoNode;
  Slot snapshot_index = 0;
  friend bool operator==(const SnapshotNeeded&, const SnapshotNeeded&) = default;
};

struct Ready {
  std::optional<HardState> hard_state;      // set when it changed
  std::vector<LogEntry> entries;            // insert-or-overwrite, ascending slot
  std::vector<Message> messages;            // send after persisting
  std::vector<LogEntry> committed;          // apply in order, ascending slot
  std::vector<SnapshotNeeded> snapshots_needed;
  std::optional<SoftState> soft_state;      // set when role/leader changed

  bool Empty() const {
    return !hard_state && entries.empty() && messages.empty() && committed.empty() &&
           snapshots_needed.empty() && !soft_state;
  }
};

// What a restarted driver read back from its disk.
struct PersistedState {
  HardState hard_state;
  Slot snapshot_index = 0;  // the log was trimmed through this slot
  Slot applied_index = 0;   // the state machine already reflects slots <= this
                            // (snapshot_index <= applied_index <= commit_index)
  std::vector<LogEntry> entries;  // every persisted entry above snapshot_index
};

enum class ProposeStatus : uint8_t {
  kOk,         // `slot` assigned; watch `committed` for it
  kNotLeader,  // redirect to `leader_hint` (kNoNode when unknown)
  kBusy,       // in-flight window full: keep batching, retry after commits
};

struct ProposeResult {
  ProposeStatus status = ProposeStatus::kNotLeader;
  Slot slot = 0;
  NodeId leader_hint = kNoNode;
};

}  // namespace opendfs::paxos
