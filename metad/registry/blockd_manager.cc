// BlockdManager implementation; see blockd_manager.h.
#include "metad/registry/blockd_manager.h"

#include <algorithm>

#include <fmt/format.h>

namespace opendfs::metad {
namespace {

BlockdCommand DeleteCommand(BlockId block, uint64_t version) {
  BlockdCommand c;
  c.kind = BlockdCommand::Kind::kDelete;
  c.block_id = block;
  c.version = version;
  return c;
}

Status NotRegistered(std::string_view uuid) {
  return Status(StatusCode::NotFound,
                fmt::format("blockd {} is not registered (or was declared dead)", uuid));
}

}  // namespace

BlockdManager::BlockdManager(const Topology* topology, const BlockCatalog* catalog,
                             BlockdManagerOptions options)
    : catalog_(catalog),
      registry_(topology, options.registry),
      placement_(&registry_, options.placement),
      monitor_(&registry_, &map_, &placement_, catalog, options.monitor) {
  ODFS_CHECK(catalog_ != nullptr);
}

void BlockdManager::Forget(BlockdId blockd, std::vector<BlockId>* lost) {
  std::vector<BlockId> blocks = map_.RemoveBlockd(blockd);
  monitor_.Recheck(blocks);
  if (lost != nullptr) lost->insert(lost->end(), blocks.begin(), blocks.end());
  if (blockd < reports_.size()) reports_[blockd] = {};
}

Result<RegisterResult> BlockdManager::Register(const RegisterRequest& req, int64_t now_ms,
                                               std::vector<BlockId>* lost_replica) {
  ODFS_ASSIGN_OR_RETURN(RegisterResult r, registry_.Register(req, now_ms));
  for (BlockdId old : r.replaced) Forget(old, lost_replica);
  // Any report in progress belonged to the previous incarnation.
  if (r.id < reports_.size()) reports_[r.id] = {};
  return r;
}

HeartbeatResult BlockdManager::Heartbeat(BlockdId id, std::string_view uuid,
                                         const BlockdStats& stats, int64_t now_ms) {
  return registry_.Heartbeat(id, uuid, stats, now_ms);
}

void BlockdManager::QueueDeletes(BlockdId blockd, std::span<const ReportedReplica> unwanted,
                                 ReportOutcome* out) {
  for (const ReportedReplica& r : unwanted) {
    if (registry_.QueueCommand(blockd, DeleteCommand(r.block_id, r.version)).ok()) {
      ++out->deletes_queued;
    } else {
      ++out->deletes_dropped;
    }
  }
}

Result<ReportOutcome> BlockdManager::FullReport(std::string_view uuid, uint64_t report_id,
                                                uint32_t chunk_index, uint32_t chunk_count,
                                                std::span<const ReportedReplica> blocks,
                                                int64_t now_ms) {
  BlockdId id = registry_.LiveIdOf(uuid);
  if (id == kNoBlockd) return NotRegistered(uuid);
  if (chunk_count == 0 || chunk_index >= chunk_count)
    return Status(StatusCode::Invalid,
                  fmt::format("blockd {}: report chunk {} of {}", uuid, chunk_index, chunk_count));
  if (reports_.size() <= id) reports_.resize(id + 1);
  ReportProgress& p = reports_[id];
  if (chunk_index == 0) {
    map_.BeginFullReport(id);
    p = ReportProgress{true, report_id, 0, chunk_count};
  } else if (!p.open || p.report_id != report_id || p.next_chunk != chunk_index ||
             p.chunk_count != chunk_count) {
    p = {};
    return Status(StatusCode::Invalid,
                  fmt::format("blockd {}: report {} chunk {} out of order; start again at 0",
                              uuid, report_id, chunk_index));
  }
  ReportOutcome out;
  out.blockd = id;
  FullReportResult res;
  ODFS_RETURN_IF_ERROR(map_.AddFullReportChunk(id, blocks, *catalog_, &res));
  ++p.next_chunk;
  if (p.next_chunk == p.chunk_count) {
    ODFS_RETURN_IF_ERROR(map_.EndFullReport(id, &res));
    registry_.MarkFullReport(id, now_ms);
    p = {};
    out.report_complete = true;
  }
  monitor_.Recheck(res.dropped);
  out.dropped = std::move(res.dropped);
  QueueDeletes(id, res.unwanted, &out);
  return out;
}

Result<ReportOutcome> BlockdManager::IncrementalReport(std::string_view uuid,
                                                       std::span<const ReportedReplica> added,
                                                       std::span<const ReportedReplica> removed,
                                                       std::span<const ReportedReplica> corrupt) {
  BlockdId id = registry_.LiveIdOf(uuid);
  if (id == kNoBlockd) return NotRegistered(uuid);
  IncrementalReportResult res =
      map_.ProcessIncrementalReport(id, added, removed, corrupt, *catalog_);
  monitor_.Recheck(res.dropped);
  for (const ReportedReplica& r : corrupt) monitor_.Recheck(r.block_id);
  ReportOutcome out;
  out.blockd = id;
  out.dropped = std::move(res.dropped);
  QueueDeletes(id, res.unwanted, &out);
  return out;
}

TickOutcome BlockdManager::Tick(int64_t now_ms) {
  TickOutcome out;
  out.died = registry_.Tick(now_ms);
  for (BlockdId id : out.died) Forget(id, &out.lost_replica);
  std::sort(out.lost_replica.begin(), out.lost_replica.end());
  out.lost_replica.erase(std::unique(out.lost_replica.begin(), out.lost_replica.end()),
                         out.lost_replica.end());
  return out;
}

Status BlockdManager::SetDecommissioning(BlockdId id, bool on) {
  ODFS_RETURN_IF_ERROR(registry_.SetDecommissioning(id, on));
  monitor_.Recheck(map_.BlocksOn(id));
  return Status::Ok();
}

size_t BlockdManager::InvalidateBlock(BlockId block) {
  size_t queued = 0;
  for (const Replica& r : map_.InvalidateBlock(block)) {
    if (registry_.QueueCommand(r.blockd, DeleteCommand(block, r.version)).ok()) ++queued;
  }
  return queued;
}

BlockdManager::RevalidateOutcome BlockdManager::Revalidate(BlockId block) {
  RevalidateResult r = map_.Revalidate(block, *catalog_);
  RevalidateOutcome out;
  for (const Replica& rep : r.unwanted)
    if (registry_.QueueCommand(rep.blockd, DeleteCommand(block, rep.version)).ok())
      ++out.deletes_queued;
  out.stale = std::move(r.stale);
  monitor_.Recheck(block);
  return out;
}

}  // namespace opendfs::metad
