// MetaServer's side of DESIGN §5 step 3 after the write itself: settling a
// block whose writer died, and forgetting stale replicas once they are gone.
//
// Settle, happy path: a client holding a block's write lock stops renewing
// its session; one lease later Sessions drops the lock; the next tick finds
// the namespace's open write without a lock, plans the settle from the block
// map (settle_plan.h) and commits an EditSettleBlock through the log (Paxos
// with several metads). Once applied, the block's replicas are judged again:
// the others at the open version are stale (corrupt in the map: never served,
// deleted once the monitor has copied the authority back to the goal), and
// those at older versions are deleted.
// Failover: locks are leader memory, but open writes are in the namespace, so
// a new leader finds them too. It waits one session lease after it starts
// serving (until the blockds' first full reports the map is incomplete, see
// WaitingForReports) and then settles every open write it holds no lock
// for. A writer that is alive re-asserts its lock on its new session within
// that lease (WriteBlock with reassert_version, as it re-asserts flock and
// fcntl locks), so its write stays open however late it commits.
// Failure modes: a plan of kWait (no replica can show either version) is
// retried every tick and logged once; a settle that loses the race against a
// commit fails in apply (Stale/StaleVersion) and changes nothing.
//
// Forget: a blockd listed stale for a block (block_write.h) that reports the
// replica removed, or completes a full report without it, gets an
// EditForgetStaleReplica; from then on the monitor may copy the block there.
// Not while that blockd has a full report open: a chunk listing the old
// replica could still arrive after the record and be taken as good.
#include "metad/namespace/records.h"
#include "metad/server/meta_server.h"
#include "metad/server/settle_plan.h"

namespace opendfs::metad {
namespace {

struct OpenWrite {
  BlockId block = 0;
  BlockRef ref;
  uint32_t version = 0;
  uint32_t block_size = 0;
  BlockWrite write;
};

const char* KindName(SettlePlan::Kind k) {
  switch (k) {
    case SettlePlan::Kind::kForward: return "forward";
    case SettlePlan::Kind::kBack: return "back";
    case SettlePlan::Kind::kWait: return "wait";
  }
  return "?";
}

}  // namespace

ReplicaVerdict MetaServer::Judge(BlockId block, uint64_t version, BlockdId blockd) const {
  std::shared_lock l(ns_mu_);
  std::optional<BlockRef> ref = block_index_.Find(block);
  const BlockInfo* b = ref ? ns_->BlockAt(ref->inode, ref->index) : nullptr;
  if (b == nullptr || b->id != block) return ReplicaVerdict::kUnwanted;
  const BlockWrite* w = ns_->WriteOf(block);
  uint64_t committed = b->version;
  if (w != nullptr && w->open) {
    if (version == b->version) return ReplicaVerdict::kUnconfirmed;
    committed = w->from_version;
  }
  // Older: a missed overwrite. Newer and no write open: a version a
  // settled-back write burned.
  if (version != committed) return ReplicaVerdict::kUnwanted;
  if (w != nullptr && !w->stale.empty()) {
    const BlockdInfo* info = blockds_->registry().Find(blockd);
    if (info != nullptr && w->IsStale(info->address)) return ReplicaVerdict::kStale;
  }
  return ReplicaVerdict::kGood;
}

std::vector<BlockdId> MetaServer::StaleBlockds(BlockId block) const {
  std::vector<std::string> stale;
  {
    std::shared_lock l(ns_mu_);
    const BlockWrite* w = ns_->WriteOf(block);
    if (w == nullptr || w->stale.empty()) return {};
    stale = w->stale;
  }
  std::vector<BlockdId> out;
  for (const std::string& address : stale)
    if (BlockdId id = BlockdAt(address); id != kNoBlockd) out.push_back(id);
  return out;
}

void MetaServer::RevalidateReplicas(BlockId block) {
  std::lock_guard l(reg_mu_);
  BlockdManager::RevalidateOutcome o = blockds_->Revalidate(block);
  for (BlockdId id : o.stale) {
    const BlockdInfo* b = blockds_->registry().Find(id);
    log_.Warn("metad: stale replica block={} on {}: left out of the acknowledged set", block,
              b ? b->address : "?");
  }
  if (o.deletes_queued != 0)
    log_.Info("metad: block={}: {} replicas at an old version sent for deletion", block,
              o.deletes_queued);
}

void MetaServer::SettleOrphanedWrites(int64_t now_ms) {
  if (!serving_leader() || now_ms - serving_since_ms_.load() < sessions_.lease_ms()) return;
  std::vector<OpenWrite> open;
  {
    std::shared_lock l(ns_mu_);
    for (const auto& [block, w] : ns_->block_writes()) {
      if (!w.open) continue;
      std::optional<BlockRef> ref = block_index_.Find(block);
      const BlockInfo* b = ref ? ns_->BlockAt(ref->inode, ref->index) : nullptr;
      Result<Attr> attr = ref ? ns_->GetAttr(ref->inode) : Result<Attr>(Status(StatusCode::NotFound, ""));
      if (b == nullptr || !attr.ok()) continue;
      open.push_back(OpenWrite{block, *ref, b->version, attr->block_size, w});
    }
  }
  for (OpenWrite& o : open) {
    if (sessions_.FindLock(o.block, nullptr, now_ms)) continue;  // its writer is alive
    SettlePlan plan;
    {
      std::lock_guard l(reg_mu_);
      // The map misses replicas until every blockd's first full report.
      if (blockds_->monitor().counters().waiting_for_reports) return;
      if (settling_.contains(o.block)) continue;
      // Again under reg_mu_: its writer may have just re-asserted the lock
      // on a new session (block_handlers.cc ReassertWrite).
      if (sessions_.FindLock(o.block, nullptr, now_ms)) continue;
      std::vector<SettleReplica> replicas;
      for (const Replica& r : blockds_->block_map().Replicas(o.block)) {
        const BlockdInfo* b = blockds_->registry().Find(r.blockd);
        if (b == nullptr || !b->serves_reads()) continue;
        replicas.push_back(SettleReplica{b->address, r.version, r.length, r.corrupt});
      }
      plan = PlanSettle(o.write, o.version, replicas);
      if (plan.kind == SettlePlan::Kind::kWait) {
        if (settle_waiting_logged_.insert(o.block).second)
          log_.Warn("metad: block={} of inode={}: its writer is gone but no live replica holds "
                    "version {} or {}; waiting for one to report",
                    o.block, o.ref.inode, o.version, o.write.from_version);
        continue;
      }
      settle_waiting_logged_.erase(o.block);
      settling_.insert(o.block);
    }
    records::SettleArgs a;
    a.inode = o.ref.inode;
    a.index = o.ref.index;
    a.block_id = o.block;
    a.version = o.version;
    a.authority = plan.authority;
    a.length = static_cast<uint32_t>(plan.length);
    if (plan.kind == SettlePlan::Kind::kForward)
      a.file_size = uint64_t{o.ref.index} * o.block_size + plan.length;
    log_.Warn("metad: settling block={} of inode={} at version {} (writer gone): {} {} length={}",
              o.block, o.ref.inode, o.version, KindName(plan.kind),
              plan.authority.empty() ? "-" : plan.authority, plan.length);
    Status s = SubmitRecord(records::SettleBlock(a, NowNs()), [this, block = o.block](
                                                                  const store::Committed& c) {
      bool applied = c.index != 0 && last_apply_.status.ok();
      if (applied) AfterApply(last_apply_);
      if (!applied)
        log_.Warn("metad: settle of block={} not applied: {}", block,
                  c.index == 0 ? c.status.ToString() : last_apply_.status.ToString());
      if (applied) RevalidateReplicas(block);
      std::lock_guard l(reg_mu_);
      settling_.erase(block);
    });
    if (!s.ok()) {
      log_.Warn("metad: settle of block={} not queued: {}", o.block, s.ToString());
      std::lock_guard l(reg_mu_);
      settling_.erase(o.block);
    }
  }
}

void MetaServer::ForgetGoneStaleReplicas(BlockdId blockd, std::span<const BlockId> removed,
                                         bool full_report) {
  if (!serving_leader()) return;
  std::vector<std::pair<BlockId, std::string>> gone;
  {
    std::lock_guard l(reg_mu_);
    const BlockdInfo* b = blockds_->registry().Find(blockd);
    if (b == nullptr || blockds_->block_map().full_report_open(blockd)) return;
    std::shared_lock ns(ns_mu_);
    auto consider = [&](BlockId block, const BlockWrite& w) {
      if (!w.IsStale(b->address) || blockds_->block_map().FindReplica(block, blockd)) return;
      if (forgetting_.emplace(block, b->address).second) gone.emplace_back(block, b->address);
    };
    if (full_report) {
      for (const auto& [block, w] : ns_->block_writes()) consider(block, w);
    } else {
      for (BlockId block : removed)
        if (const BlockWrite* w = ns_->WriteOf(block)) consider(block, *w);
    }
  }
  for (auto& entry : gone) {
    // Named copies, not structured bindings: clang 14 cannot capture a binding in a lambda.
    const BlockId block = entry.first;
    const std::string address = entry.second;
    Status s = SubmitRecord(records::ForgetStaleReplica(block, address),
                            [this, block, address](const store::Committed& c) {
                              bool applied = c.index != 0 && last_apply_.status.ok();
                              std::lock_guard l(reg_mu_);
                              forgetting_.erase({block, address});
                              if (!applied) return;
                              log_.Info("metad: stale replica block={} on {} is gone", block, address);
                              blockds_->RecheckReplication({&block, 1});
                            });
    if (!s.ok()) {
      std::lock_guard l(reg_mu_);
      forgetting_.erase({block, address});
    }
  }
}

}  // namespace opendfs::metad
