#include "blockd/metad_link/pending_reports.h"

namespace opendfs::blockd {

void PendingReports::Add(ReplicaChange change, const ReplicaState& r) {
  pending_[r.block_id] = Item{change, r};
}

ReportBatch PendingReports::Take() {
  ReportBatch b;
  for (const auto& [id, item] : pending_) {
    switch (item.change) {
      case ReplicaChange::kAdded: b.added.push_back(item.state); break;
      case ReplicaChange::kRemoved: b.removed.push_back(item.state); break;
      case ReplicaChange::kCorrupt: b.corrupt.push_back(item.state); break;
    }
  }
  pending_.clear();
  return b;
}

void PendingReports::PutBack(const ReportBatch& batch) {
  auto put = [this](ReplicaChange c, const std::vector<ReplicaState>& v) {
    for (const ReplicaState& r : v) pending_.try_emplace(r.block_id, Item{c, r});
  };
  put(ReplicaChange::kAdded, batch.added);
  put(ReplicaChange::kRemoved, batch.removed);
  put(ReplicaChange::kCorrupt, batch.corrupt);
}

}  // namespace opendfs::blockd
