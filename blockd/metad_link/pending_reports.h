// PendingReports: replica changes not yet sent to one metad, coalesced.
//
// Several changes of one block before a send collapse to the last one (a
// write then a delete is just "removed"; three appends are one "added" with
// the final length), so a burst of writes costs one small report.
// Take() hands everything out; a failed send gives it back with PutBack(),
// where changes that happened meanwhile win over the returned ones.
//
// Not thread-safe: the owning MetadLink guards it with its mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "blockd/service/replica_events.h"

namespace opendfs::blockd {

enum class ReplicaChange { kAdded, kRemoved, kCorrupt };

struct ReportBatch {
  std::vector<ReplicaState> added;
  std::vector<ReplicaState> removed;
  std::vector<ReplicaState> corrupt;
  bool empty() const { return added.empty() && removed.empty() && corrupt.empty(); }
  size_t size() const { return added.size() + removed.size() + corrupt.size(); }
};

class PendingReports {
 public:
  void Add(ReplicaChange change, const ReplicaState& r);
  ReportBatch Take();
  void PutBack(const ReportBatch& batch);
  void Clear() { pending_.clear(); }
  bool empty() const { return pending_.empty(); }
  size_t size() const { return pending_.size(); }

 private:
  struct Item {
    ReplicaChange change;
    ReplicaState state;
  };
  std::unordered_map<uint64_t, Item> pending_;  // by block id
};

}  // namespace opendfs::blockd
