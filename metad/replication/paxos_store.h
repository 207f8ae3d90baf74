// PaxosStore: the acceptor's durable state in its own RocksDB (beside the
// editlog, at <editlog_dir>.paxos): the hard state (promised ballot, commit
// index), every accepted entry above the compaction point, and the "applied
// mark" (the newest slot whose records the EditLog holds, and that log index).
//
// Happy path: the driver calls Save once per Ready — entries + hard state +
// the current applied mark in ONE synced WriteBatch, before any message of
// that Ready leaves the node — and Load once at start.
//
// The applied mark rides along unsynced-in-spirit: committed records reach
// the EditLog in their own synced Append after the Save, so on restart the
// mark may lag; the driver re-derives the applied slot by walking committed
// slots forward from the mark while their record counts still fit below the
// EditLog's last index (an Append is atomic, so a slot is all in or all out).
//
// Key layout: 'E' + BE slot -> entry, 'H' -> hard state, 'A' -> applied mark,
// 'C' -> compacted-through slot. Failure modes: RocksDB errors as Status (the
// driver treats a failed Save as fatal: Paxos must not speak after a lost
// write); a malformed value is Corrupt naming the directory.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <rocksdb/db.h>

#include "libnet/status.h"
#include "metad/paxos/ready.h"

namespace opendfs::replication {

struct AppliedMark {
  paxos::Slot slot = 0;     // every slot <= slot is in the EditLog
  uint64_t log_index = 0;   // the EditLog's last index right after `slot`
  friend bool operator==(const AppliedMark&, const AppliedMark&) = default;
};

struct PaxosDisk {
  paxos::HardState hard_state;
  paxos::Slot compacted = 0;           // entries <= compacted were deleted
  std::vector<paxos::LogEntry> entries;  // ascending, every slot > compacted
  std::optional<AppliedMark> mark;     // nullopt for a fresh store
};

class PaxosStore {
 public:
  static Result<std::unique_ptr<PaxosStore>> Open(const std::string& dir);
  ~PaxosStore();

  Result<PaxosDisk> Load();
  // One batch, synced when `sync` (the promised ballot or accepted entries
  // changed); a commit-index-only change may lag on disk: restart re-derives it
  // from the applied mark.
  Status Save(const std::optional<paxos::HardState>& hard,
              const std::vector<paxos::LogEntry>& entries, const AppliedMark& mark, bool sync);
  // Deletes entries <= through and records `mark` (synced).
  Status Compact(paxos::Slot through, const AppliedMark& mark);

 private:
  PaxosStore(std::string dir, rocksdb::DB* db) : dir_(std::move(dir)), db_(db) {}
  const std::string dir_;
  rocksdb::DB* const db_;
};

}  // namespace opendfs::replication
