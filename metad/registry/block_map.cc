// BlockMap implementation; see block_map.h.
#include "metad/registry/block_map.h"

#include <algorithm>

#include <fmt/format.h>

namespace opendfs::metad {
namespace {

void SortUnique(std::vector<BlockId>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

Replica Unpack(const PackedReplica& p) {
  return Replica{p.blockd(), p.version(), p.length(), p.corrupt()};
}

}  // namespace

ReplicaVerdict BlockCatalog::Judge(BlockId block, uint64_t version, BlockdId /*blockd*/) const {
  std::optional<uint64_t> committed = CommittedVersion(block);
  if (!committed || version < *committed) return ReplicaVerdict::kUnwanted;
  return version == *committed ? ReplicaVerdict::kGood : ReplicaVerdict::kUnconfirmed;
}

BlockMap::PerBlockd& BlockMap::Slot(BlockdId blockd) {
  ODFS_CHECK(blockd != kNoBlockd);
  ODFS_CHECK(blockd <= kMaxBlockdId);
  if (per_blockd_.size() <= blockd) per_blockd_.resize(blockd + 1);
  return per_blockd_[blockd];
}

const BlockMap::PerBlockd* BlockMap::FindSlot(BlockdId blockd) const {
  return blockd < per_blockd_.size() ? &per_blockd_[blockd] : nullptr;
}

bool BlockMap::Accept(BlockdId blockd, const ReportedReplica& r,
                      const BlockCatalog& catalog) {
  if (r.length > PackedReplica::kMaxLength) return false;
  auto it = blocks_.find(r.block_id);
  if (const PackedReplica* existing = it == blocks_.end() ? nullptr : it->second.Find(blockd);
      existing != nullptr && existing->version() > r.version) {
    // A late report (a full report's snapshot, an incremental one queued
    // before the replica moved on): a replica never goes back to an older
    // version, so the newer one recorded stands.
    return true;
  }
  switch (catalog.Judge(r.block_id, r.version, blockd)) {
    case ReplicaVerdict::kUnwanted: return false;
    case ReplicaVerdict::kStale: return Upsert(blockd, r, /*corrupt=*/true);
    case ReplicaVerdict::kGood:
    case ReplicaVerdict::kUnconfirmed: break;
  }
  return Upsert(blockd, r, /*corrupt=*/false);
}

bool BlockMap::Upsert(BlockdId blockd, const ReportedReplica& r, bool corrupt) {
  ReplicaList& list = blocks_[r.block_id];
  if (PackedReplica* existing = list.Find(blockd)) {
    // The same version keeps its corrupt mark; a new version is new data.
    bool keep = existing->version() == r.version && existing->corrupt();
    *existing = PackedReplica(blockd, r.version, r.length, corrupt || keep);
    return true;
  }
  // More holders than any replication factor: garbage or a bug elsewhere;
  // refuse rather than grow without bound.
  if (list.full()) return false;
  list.Add(PackedReplica(blockd, r.version, r.length, corrupt));
  PerBlockd& slot = Slot(blockd);
  slot.ids.push_back(r.block_id);
  ++slot.held;
  ++replica_count_;
  return true;
}

bool BlockMap::Remove(BlockId block, BlockdId blockd) {
  auto it = blocks_.find(block);
  if (it == blocks_.end() || !it->second.Remove(blockd)) return false;
  if (it->second.empty()) blocks_.erase(it);
  PerBlockd& slot = Slot(blockd);
  ODFS_CHECK(slot.held > 0);
  --slot.held;
  --replica_count_;
  return true;
}

void BlockMap::MaybeCompact(BlockdId blockd, PerBlockd& slot) {
  if (slot.ids.size() <= 2 * slot.held + 64) return;
  std::erase_if(slot.ids, [&](BlockId id) {
    auto it = blocks_.find(id);
    return it == blocks_.end() || it->second.Find(blockd) == nullptr;
  });
  SortUnique(slot.ids);
  ODFS_CHECK(slot.ids.size() == slot.held);
  slot.ids.shrink_to_fit();
}

FullReportResult BlockMap::ProcessFullReport(BlockdId blockd,
                                             std::span<const ReportedReplica> blocks,
                                             const BlockCatalog& catalog) {
  FullReportResult out;
  BeginFullReport(blockd);
  Status s = AddFullReportChunk(blockd, blocks, catalog, &out);
  ODFS_CHECK(s.ok());
  s = EndFullReport(blockd, &out);
  ODFS_CHECK(s.ok());
  return out;
}

void BlockMap::BeginFullReport(BlockdId blockd) {
  PerBlockd& slot = Slot(blockd);
  slot.reporting = true;
  slot.reported.clear();
}

bool BlockMap::full_report_open(BlockdId blockd) const {
  const PerBlockd* slot = FindSlot(blockd);
  return slot != nullptr && slot->reporting;
}

Status BlockMap::AddFullReportChunk(BlockdId blockd,
                                    std::span<const ReportedReplica> blocks,
                                    const BlockCatalog& catalog, FullReportResult* out) {
  PerBlockd& slot = Slot(blockd);
  if (!slot.reporting)
    return Status(StatusCode::Invalid,
                  fmt::format("blockd {}: full report chunk without a report start", blockd));
  slot.reported.reserve(slot.reported.size() + blocks.size());
  for (const ReportedReplica& r : blocks) {
    if (Accept(blockd, r, catalog)) {
      slot.reported.push_back(r.block_id);
      ++out->accepted;
    } else {
      // Not recorded; if an older replica was, EndFullReport drops it.
      out->unwanted.push_back(r);
    }
  }
  return Status::Ok();
}

Status BlockMap::EndFullReport(BlockdId blockd, FullReportResult* out) {
  PerBlockd& slot = Slot(blockd);
  if (!slot.reporting)
    return Status(StatusCode::Invalid,
                  fmt::format("blockd {}: full report end without a report start", blockd));
  slot.reporting = false;
  std::vector<BlockId> reported = std::move(slot.reported);
  slot.reported = {};
  SortUnique(reported);
  std::vector<BlockId> old = std::move(slot.ids);
  slot.ids = {};
  SortUnique(old);
  for (BlockId id : old) {
    if (!std::binary_search(reported.begin(), reported.end(), id) && Remove(id, blockd))
      out->dropped.push_back(id);
  }
  slot.ids = std::move(reported);
  ODFS_CHECK(slot.held <= slot.ids.size());
  return Status::Ok();
}

IncrementalReportResult BlockMap::ProcessIncrementalReport(
    BlockdId blockd, std::span<const ReportedReplica> added,
    std::span<const ReportedReplica> removed, std::span<const ReportedReplica> corrupt,
    const BlockCatalog& catalog) {
  IncrementalReportResult out;
  PerBlockd& slot = Slot(blockd);
  for (const ReportedReplica& r : added) {
    if (Accept(blockd, r, catalog)) {
      // A write that finished after the open full report's snapshot.
      if (slot.reporting) slot.reported.push_back(r.block_id);
    } else {
      out.unwanted.push_back(r);
      if (Remove(r.block_id, blockd)) out.dropped.push_back(r.block_id);
    }
  }
  for (const ReportedReplica& r : removed) {
    if (Remove(r.block_id, blockd)) out.dropped.push_back(r.block_id);
  }
  for (const ReportedReplica& r : corrupt) {
    auto it = blocks_.find(r.block_id);
    PackedReplica* existing = it == blocks_.end() ? nullptr : it->second.Find(blockd);
    if (existing != nullptr) {
      // Only the version that was found bad: a reader asking an old
      // version (StaleVersion) or a late report must not condemn the
      // replica at the version recorded now. 0: whatever it holds.
      if (r.version == 0 || existing->version() == r.version) existing->set_corrupt(true);
      continue;
    }
    std::optional<uint64_t> committed = catalog.CommittedVersion(r.block_id);
    if (!committed || r.length > PackedReplica::kMaxLength) {
      out.unwanted.push_back(r);
      continue;
    }
    if (!Upsert(blockd, r, /*corrupt=*/true)) {
      out.unwanted.push_back(r);
      continue;
    }
    if (slot.reporting) slot.reported.push_back(r.block_id);
  }
  MaybeCompact(blockd, slot);
  return out;
}

std::vector<BlockId> BlockMap::RemoveBlockd(BlockdId blockd) {
  std::vector<BlockId> affected;
  if (blockd >= per_blockd_.size()) return affected;
  PerBlockd& slot = per_blockd_[blockd];
  std::vector<BlockId> ids = std::move(slot.ids);
  slot.ids = {};
  SortUnique(ids);
  for (BlockId id : ids) {
    if (Remove(id, blockd)) affected.push_back(id);
  }
  ODFS_CHECK(slot.held == 0);
  slot.reporting = false;
  slot.reported = {};
  return affected;
}

std::vector<Replica> BlockMap::InvalidateBlock(BlockId block) {
  std::vector<Replica> out;
  auto it = blocks_.find(block);
  if (it == blocks_.end()) return out;
  for (const PackedReplica& p : it->second) out.push_back(Unpack(p));
  blocks_.erase(it);
  for (const Replica& r : out) {
    PerBlockd& slot = Slot(r.blockd);
    ODFS_CHECK(slot.held > 0);
    --slot.held;
    --replica_count_;
    MaybeCompact(r.blockd, slot);
  }
  return out;
}

RevalidateResult BlockMap::Revalidate(BlockId block, const BlockCatalog& catalog) {
  RevalidateResult out;
  auto it = blocks_.find(block);
  if (it == blocks_.end()) return out;
  for (PackedReplica& p : it->second) {
    switch (catalog.Judge(block, p.version(), p.blockd())) {
      case ReplicaVerdict::kUnwanted:
        out.unwanted.push_back(Unpack(p));
        break;
      case ReplicaVerdict::kStale:
        if (!p.corrupt()) {
          p.set_corrupt(true);
          out.stale.push_back(p.blockd());
        }
        break;
      case ReplicaVerdict::kGood:
      case ReplicaVerdict::kUnconfirmed:
        break;
    }
  }
  // Removed after the walk: Remove reorders the list.
  for (const Replica& r : out.unwanted) RemoveReplica(block, r.blockd);
  return out;
}

bool BlockMap::RemoveReplica(BlockId block, BlockdId blockd) {
  if (!Remove(block, blockd)) return false;
  MaybeCompact(blockd, Slot(blockd));
  return true;
}

std::vector<BlockId> BlockMap::BlocksOn(BlockdId blockd) const {
  std::vector<BlockId> out;
  const PerBlockd* slot = FindSlot(blockd);
  if (slot == nullptr) return out;
  for (BlockId id : slot->ids)
    if (FindReplica(id, blockd).has_value()) out.push_back(id);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

size_t BlockMap::SweepBlocks(size_t cursor, size_t max_blocks, std::vector<BlockId>* out) const {
  const size_t buckets = blocks_.bucket_count();
  size_t visits = 4 * max_blocks + 16;
  size_t appended = 0;
  while (cursor < buckets && appended < max_blocks && visits > 0) {
    for (auto it = blocks_.begin(cursor); it != blocks_.end(cursor); ++it) {
      out->push_back(it->first);
      ++appended;
    }
    ++cursor;
    --visits;
  }
  return cursor >= buckets ? 0 : cursor;
}

std::vector<Replica> BlockMap::Replicas(BlockId block) const {
  std::vector<Replica> out;
  auto it = blocks_.find(block);
  if (it == blocks_.end()) return out;
  out.reserve(it->second.size());
  for (const PackedReplica& p : it->second) out.push_back(Unpack(p));
  return out;
}

std::optional<Replica> BlockMap::FindReplica(BlockId block, BlockdId blockd) const {
  auto it = blocks_.find(block);
  if (it == blocks_.end()) return std::nullopt;
  const PackedReplica* p = it->second.Find(blockd);
  if (p == nullptr) return std::nullopt;
  return Unpack(*p);
}

size_t BlockMap::replicas_on(BlockdId blockd) const {
  const PerBlockd* slot = FindSlot(blockd);
  return slot == nullptr ? 0 : slot->held;
}

size_t BlockMap::index_entries(BlockdId blockd) const {
  const PerBlockd* slot = FindSlot(blockd);
  return slot == nullptr ? 0 : slot->ids.size();
}

}  // namespace opendfs::metad
