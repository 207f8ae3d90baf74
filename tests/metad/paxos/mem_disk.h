// MemDisk: what a driver keeps on disk for one Paxos node, in memory, for the
// scenario fixture and the simulator. Write() is the driver's WriteBatch
// (hard state + entries, atomic); an unsynced write stays volatile until the
// next synced one, and a crash keeps only a prefix of the volatile writes
// (a write-ahead log's tail: LoseUnsynced). Restore() is what a restarted
// driver reads back. The "state machine" is the list of applied values; a
// snapshot is that list's prefix through snapshot_index.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "metad/paxos/ready.h"

namespace opendfs::paxos::testing {

struct MemDisk {
  // Durable.
  HardState hard_state;
  std::map<Slot, LogEntry> log;        // slots > snapshot_index
  Slot snapshot_index = 0;
  std::vector<Value> snapshot_values;  // applied values of slots 1..snapshot_index

  struct Batch {
    std::optional<HardState> hard_state;
    std::vector<LogEntry> entries;
  };
  std::vector<Batch> volatile_writes;  // written, not yet synced, oldest first

  void Write(const std::optional<HardState>& hs, const std::vector<LogEntry>& entries, bool sync) {
    volatile_writes.push_back(Batch{hs, entries});
    if (sync) Sync();
  }

  // A Ready's state, synced (the scenario fixture's driver).
  void Persist(const Ready& rd) { Write(rd.hard_state, rd.entries, true); }

  void Sync() { LoseUnsynced(volatile_writes.size()); }

  // A crash: the first `keep` volatile writes reached the disk, the rest not.
  void LoseUnsynced(size_t keep) {
    for (size_t i = 0; i < keep && i < volatile_writes.size(); ++i) {
      for (const LogEntry& e : volatile_writes[i].entries)
        if (e.slot > snapshot_index) log[e.slot] = e;
      if (volatile_writes[i].hard_state) hard_state = *volatile_writes[i].hard_state;
    }
    volatile_writes.clear();
  }

  // The driver made (or installed) a snapshot: values of slots 1..index.
  // Synced, so every earlier write is durable too.
  void SaveSnapshot(Slot index, std::vector<Value> values) {
    Sync();
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
