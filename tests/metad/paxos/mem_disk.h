// MemDisk: what a driver keeps on disk for one Paxos node, in memory, for the
// scenario fixture and the simulator. Persist() applies a Ready's state the
// way the real driver's WriteBatch will; Restore() is what a restarted driver
// reads back. The "state machine" is the list of applied values; a snapshot
// is that list's prefix through snapshot_index.
#pragma once

#include <map>
#include <vector>

#include "metad/paxos/ready.h"

namespace opendfs::paxos::testing {

struct MemDisk {
  HardState hard_state;
  std::map<Slot, LogEntry> log;        // slots > snapshot_index
  Slot snapshot_index = 0;
  std::vector<Value> snapshot_values;  // applied values of slots 1..snapshot_index

  void Persist(const Ready& rd) {
    for (const LogEntry& e : rd.entries)
      if (e.slot > snapshot_index) log[e.slot] = e;
    if (rd.hard_state) hard_state = *rd.hard_state;
  }

  // The driver made (or installed) a snapshot: values of slots 1..index.
  void SaveSnapshot(Slot index, std::vector<Value> values) {
    snapshot_index = index;
    snapshot_values = std::move(values);
    snapshot_values.resize(index);
    log.erase(log.begin(), log.upper_bound(index));
  }

  PersistedState Restore() const {
    PersistedState ps;
    ps.hard_state = hard_state;
    ps.snapshot_index = snapshot_index;
    ps.applied_index = snapshot_index;  // the state machine restarts from the snapshot
    for (const auto& [slot, e] : log) ps.entries.push_back(e);
    return ps;
  }
};

}  // namespace opendfs::paxos::testing
