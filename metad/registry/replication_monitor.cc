// ReplicationMonitor implementation; see replication_monitor.h.
#include "metad/registry/replication_monitor.h"

#include <algorithm>
#include <tuple>

namespace opendfs::metad {
namespace {

// Queue urgency of a block that only needs deletions: after every copy.
constexpr uint32_t kDeletionUrgency = 1u << 30;

bool Contains(std::span<const BlockdId> ids, BlockdId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

struct ReplicationMonitor::View {
  BlockId block = 0;
  bool managed = false;  // the catalog knows it and its goal is > 0
  uint8_t goal = 0;
  uint64_t version = 0;
  std::vector<Replica> good;       // not corrupt, at `version`, blockd not dead
  size_t live_good = 0;            // ... of which on live (not decommissioning) blockds
  std::vector<Replica> corrupt;    // corrupt, blockd not dead, no delete pending
  // Every recorded replica, pending copy target and blockd whose replica is
  // listed stale (BlockCatalog::StaleBlockds): none of them may get a copy.
  std::vector<BlockdId> holders;
  std::vector<BlockdId> pending_targets;

  size_t need() const {
    size_t have = live_good + pending_targets.size();
    return have < goal ? goal - have : 0;
  }
  size_t excess() const { return live_good > goal ? live_good - goal : 0; }
  bool corrupt_deletable() const { return !corrupt.empty() && live_good >= goal; }
};

ReplicationMonitor::ReplicationMonitor(BlockdRegistry* registry, const BlockMap* map,
                                       const PlacementPolicy* placement,
                                       const BlockCatalog* catalog,
                                       ReplicationMonitorOptions options)
    : registry_(registry),
      map_(map),
      placement_(placement),
      catalog_(catalog),
      options_(options) {
  ODFS_CHECK(registry_ != nullptr);
  ODFS_CHECK(map_ != nullptr);
  ODFS_CHECK(placement_ != nullptr);
  ODFS_CHECK(catalog_ != nullptr);
  ODFS_CHECK(options_.max_copies_per_blockd > 0);
}

void ReplicationMonitor::Recheck(BlockId block) {
  if (recheck_set_.contains(block)) return;
  if (recheck_set_.size() >= options_.max_tracked_blocks) {
    ++counters_.rechecks_dropped;
    return;
  }
  recheck_set_.insert(block);
  recheck_.push_back(block);
}

void ReplicationMonitor::Recheck(std::span<const BlockId> blocks) {
  for (BlockId b : blocks) Recheck(b);
}

std::vector<BlockId> ReplicationMonitor::MissingBlocks(size_t max) const {
  std::vector<BlockId> out;
  for (auto it = missing_.begin(); it != missing_.end() && out.size() < max; ++it)
    out.push_back(*it);
  return out;
}

namespace {

std::vector<BlockId> Lowest(const std::unordered_set<BlockId>& set, size_t max) {
  std::vector<BlockId> out(set.begin(), set.end());
  std::sort(out.begin(), out.end());
  if (out.size() > max) out.resize(max);
  return out;
}

}  // namespace

std::vector<BlockId> ReplicationMonitor::CorruptBlocks(size_t max) const {
  return Lowest(corrupt_, max);
}

std::vector<BlockId> ReplicationMonitor::UnderReplicatedBlocks(size_t max) const {
  return Lowest(under_, max);
}

bool ReplicationMonitor::Drained(BlockdId blockd) const {
  for (BlockId block : map_->BlocksOn(blockd)) {
    View v = Evaluate(block);
    if (!v.managed) continue;
    size_t elsewhere = 0;
    for (const Replica& r : v.good)
      if (r.blockd != blockd && registry_->Find(r.blockd)->state == BlockdState::kLive)
        ++elsewhere;
    if (elsewhere < v.goal) return false;
  }
  return true;
}

std::vector<ReplicationAction> ReplicationMonitor::Scan(int64_t now_ms, size_t max_commands,
                                                        RandomSource& rng) {
  std::vector<ReplicationAction> out;
  counters_.waiting_for_reports = WaitingForReports(now_ms);
  if (!counters_.waiting_for_reports) {
    ExpirePending(now_ms);
    Sweep();
    size_t examined = 0;
    DrainRechecks(&examined);
    ProcessQueue(now_ms, max_commands, &examined, rng, &out);
  }
  counters_.under_replicated = under_.size();
  counters_.missing = missing_.size();
  counters_.corrupt = corrupt_.size();
  counters_.pending_copies = 0;
  for (const auto& [block, list] : copies_) counters_.pending_copies += list.size();
  counters_.pending_deletions = 0;
  for (const auto& [block, list] : deletions_) counters_.pending_deletions += list.size();
  counters_.recheck_queue = recheck_.size();
  return out;
}

bool ReplicationMonitor::WaitingForReports(int64_t now_ms) const {
  for (const BlockdInfo& b : registry_->all()) {
    if (b.state != BlockdState::kDead && b.last_full_report_ms < 0 &&
        now_ms - b.registered_ms < options_.report_grace_ms)
      return true;
  }
  return false;
}

bool ReplicationMonitor::IsGoodAt(BlockId block, BlockdId blockd, uint64_t version) const {
  std::optional<Replica> r = map_->FindReplica(block, blockd);
  return r.has_value() && !r->corrupt && r->version == version;
}

void ReplicationMonitor::ExpirePending(int64_t now_ms) {
  auto serves = [&](BlockdId id) {
    const BlockdInfo* b = registry_->Find(id);
    return b != nullptr && b->serves_reads();
  };
  for (auto it = copies_.begin(); it != copies_.end();) {
    const BlockId block = it->first;
    std::vector<PendingCopy>& list = it->second;
    std::optional<uint64_t> version = catalog_->CommittedVersion(block);
    for (size_t i = 0; i < list.size();) {
      const PendingCopy p = list[i];
      bool landed = version.has_value() && IsGoodAt(block, p.target, *version);
      bool gone = !version.has_value() || !serves(p.source) || !serves(p.target);
      bool late = now_ms >= p.deadline_ms;
      if (!landed && !gone && !late) {
        ++i;
        continue;
      }
      if (landed) {
        ++counters_.copies_completed;
      } else if (late) {
        ++counters_.copies_timed_out;
        failed_target_[block] = p.target;
      }
      if (--as_source_[p.source] == 0) as_source_.erase(p.source);
      if (--as_target_[p.target] == 0) as_target_.erase(p.target);
      list[i] = list.back();
      list.pop_back();
      Recheck(block);
    }
    it = list.empty() ? copies_.erase(it) : std::next(it);
  }
  for (auto it = deletions_.begin(); it != deletions_.end();) {
    const BlockId block = it->first;
    std::vector<PendingDeletion>& list = it->second;
    for (size_t i = 0; i < list.size();) {
      bool done = !map_->FindReplica(block, list[i].blockd).has_value();
      if (!done && now_ms < list[i].deadline_ms) {
        ++i;
        continue;
      }
      list[i] = list.back();
      list.pop_back();
      Recheck(block);
    }
    it = list.empty() ? deletions_.erase(it) : std::next(it);
  }
}

void ReplicationMonitor::Sweep() {
  const size_t n = options_.sweep_blocks_per_scan;
  if (n == 0) return;
  std::vector<BlockId> found;
  sweep_cursor_ = map_->SweepBlocks(sweep_cursor_, n, &found);
  if (sweep_cursor_ == 0) ++counters_.sweep_rounds;
  Recheck(found);
  // Missing blocks are not in the map (or only as corrupt replicas): look at
  // a slice of them too, so that one that reappears in a report is noticed.
  auto it = missing_.upper_bound(missing_cursor_);
  for (size_t k = 0; k < n / 4 + 1 && it != missing_.end(); ++k, ++it) {
    Recheck(*it);
    missing_cursor_ = *it;
  }
  if (it == missing_.end()) missing_cursor_ = 0;
}

void ReplicationMonitor::DrainRechecks(size_t* examined) {
  // Leave at least half of the budget to the queue when it has work, so that
  // a flood of rechecks (a big blockd died) does not stall urgent copies.
  const size_t limit =
      options_.max_examined_per_scan - std::min(queue_.size(), options_.max_examined_per_scan / 2);
  while (!recheck_.empty() && *examined < limit) {
    BlockId block = recheck_.front();
    recheck_.pop_front();
    recheck_set_.erase(block);
    ++*examined;
    Classify(Evaluate(block));
  }
}

void ReplicationMonitor::ProcessQueue(int64_t now_ms, size_t max_commands, size_t* examined,
                                      RandomSource& rng, std::vector<ReplicationAction>* out) {
  size_t issued = 0;
  auto it = cursor_.has_value() ? queue_.lower_bound(*cursor_) : queue_.begin();
  cursor_.reset();
  while (it != queue_.end() && *examined < options_.max_examined_per_scan &&
         issued < max_commands) {
    const QueueKey key = *it;
    ++*examined;
    View v = Evaluate(key.block);
    if (Classify(v)) {
      issued += Act(v, now_ms, max_commands - issued, rng, out);
      Classify(Evaluate(key.block));  // pending work changed what it needs
    }
    // Classify may have moved or removed the entry; continue after `key`.
    it = queue_.upper_bound(key);
  }
  // Out of commands: the next Scan starts again at the most urgent block.
  // Out of examinations (the blocks looked at were throttled): it resumes
  // here, so that the blocks behind them are not starved; a more urgent
  // block queued meanwhile resets the cursor (Classify).
  if (it != queue_.end() && issued < max_commands) cursor_ = *it;
}

ReplicationMonitor::View ReplicationMonitor::Evaluate(BlockId block) const {
  View v;
  v.block = block;
  std::optional<uint64_t> version = catalog_->CommittedVersion(block);
  if (!version.has_value()) return v;
  v.goal = catalog_->ReplicationGoal(block);
  if (v.goal == 0) return v;
  v.managed = true;
  v.version = *version;
  auto del = deletions_.find(block);
  auto deleting = [&](BlockdId id) {
    if (del == deletions_.end()) return false;
    return std::any_of(del->second.begin(), del->second.end(),
                       [&](const PendingDeletion& p) { return p.blockd == id; });
  };
  for (const Replica& r : map_->Replicas(block)) {
    v.holders.push_back(r.blockd);
    const BlockdInfo* b = registry_->Find(r.blockd);
    if (b == nullptr || !b->serves_reads() || deleting(r.blockd)) continue;
    if (r.corrupt) {
      v.corrupt.push_back(r);
    } else if (r.version == v.version) {
      v.good.push_back(r);
      if (b->state == BlockdState::kLive) ++v.live_good;
    }
  }
  if (auto c = copies_.find(block); c != copies_.end()) {
    for (const PendingCopy& p : c->second) {
      v.pending_targets.push_back(p.target);
      if (!Contains(v.holders, p.target)) v.holders.push_back(p.target);
    }
  }
  // A copy onto a blockd listed stale would be judged stale in turn; it
  // becomes a target again once its stale replica is gone and forgotten.
  for (BlockdId id : catalog_->StaleBlockds(block))
    if (!Contains(v.holders, id)) v.holders.push_back(id);
  return v;
}

void ReplicationMonitor::Untrack(BlockId block) {
  if (auto q = queued_urgency_.find(block); q != queued_urgency_.end()) {
    queue_.erase(QueueKey{q->second, block});
    queued_urgency_.erase(q);
  }
  missing_.erase(block);
  corrupt_.erase(block);
  under_.erase(block);
  failed_target_.erase(block);
}

bool ReplicationMonitor::Classify(const View& v) {
  if (!v.managed || v.good.empty()) {
    Untrack(v.block);
    if (v.managed) {  // no good replica: missing, whatever corrupt ones exist
      missing_.insert(v.block);
      if (!v.corrupt.empty()) corrupt_.insert(v.block);
    }
    return false;
  }
  missing_.erase(v.block);
  if (v.corrupt.empty()) {
    corrupt_.erase(v.block);
  } else {
    corrupt_.insert(v.block);
  }
  if (v.live_good < v.goal) {
    under_.insert(v.block);
  } else {
    under_.erase(v.block);
    failed_target_.erase(v.block);
  }
  bool work = v.need() > 0 || (v.excess() > 0 && v.pending_targets.empty()) ||
              v.corrupt_deletable();
  uint32_t urgency = kDeletionUrgency;
  if (v.need() > 0)
    urgency = static_cast<uint32_t>(v.good.size() * 1024 + std::min<size_t>(v.live_good, 1023));
  auto q = queued_urgency_.find(v.block);
  if (q != queued_urgency_.end() && (!work || q->second != urgency)) {
    queue_.erase(QueueKey{q->second, v.block});
    queued_urgency_.erase(q);
    q = queued_urgency_.end();
  }
  if (work && q == queued_urgency_.end()) {
    QueueKey key{urgency, v.block};
    queue_.insert(key);
    queued_urgency_[v.block] = urgency;
    if (cursor_.has_value() && key < *cursor_) cursor_.reset();
  }
  return work;
}

size_t ReplicationMonitor::Act(const View& v, int64_t now_ms, size_t budget, RandomSource& rng,
                               std::vector<ReplicationAction>* out) {
  if (budget == 0) return 0;
  if (v.need() > 0) return IssueCopies(v, now_ms, budget, rng, out);
  return IssueDeletions(v, now_ms, budget, out);
}

std::optional<BlockdId> ReplicationMonitor::PickSource(const View& v) const {
  std::optional<BlockdId> best;
  std::tuple<bool, uint32_t, size_t, uint32_t, BlockdId> best_key{};
  for (const Replica& r : v.good) {
    auto busy = as_source_.find(r.blockd);
    uint32_t inflight = busy == as_source_.end() ? 0 : busy->second;
    if (inflight >= options_.max_copies_per_blockd) continue;
    const BlockdInfo* b = registry_->Find(r.blockd);
    auto key = std::make_tuple(b->state != BlockdState::kLive, inflight,
                               registry_->queued_commands(r.blockd),
                               b->stats.active_connections, r.blockd);
    if (!best.has_value() || key < best_key) {
      best = r.blockd;
      best_key = key;
    }
  }
  return best;
}

size_t ReplicationMonitor::IssueCopies(const View& v, int64_t now_ms, size_t budget,
                                       RandomSource& rng, std::vector<ReplicationAction>* out) {
  // `existing` constrains the rack spread of the new copy: good replicas
  // that count toward the goal and copies already on their way.
  std::vector<BlockdId> existing;
  for (const Replica& r : v.good)
    if (registry_->Find(r.blockd)->state == BlockdState::kLive) existing.push_back(r.blockd);
  existing.insert(existing.end(), v.pending_targets.begin(), v.pending_targets.end());
  std::vector<BlockdId> holders = v.holders;

  size_t issued = 0;
  for (size_t need = v.need(); need > 0 && issued < budget; --need) {
    std::optional<BlockdId> source = PickSource(v);
    if (!source.has_value()) break;  // every good holder is busy: next Scan
    std::vector<BlockdId> excluded = holders;
    for (const auto& [id, n] : as_target_)
      if (n >= options_.max_copies_per_blockd) excluded.push_back(id);
    auto failed = failed_target_.find(v.block);
    Result<BlockdId> target = Status(StatusCode::NoBlockd, "");
    if (failed != failed_target_.end()) {
      std::vector<BlockdId> avoid = excluded;
      avoid.push_back(failed->second);
      target = placement_->ChooseCopyTarget(existing, avoid, rng);
    }
    // Only the target that failed last time is left (or none failed): try it.
    if (!target.ok()) target = placement_->ChooseCopyTarget(existing, excluded, rng);
    if (!target.ok()) {
      bool no_room = !placement_->ChooseCopyTarget(existing, holders, rng).ok();
      if (no_room && issued == 0 && v.pending_targets.empty()) {
        // A corrupt replica may be what blocks the only blockd left: delete
        // it so that a good copy can go there (a good replica remains).
        for (const Replica& r : v.corrupt) {
          if (registry_->Find(r.blockd)->state != BlockdState::kLive) continue;
          if (QueueDelete(v.block, r.version, r.blockd, ReplicationAction::Reason::kCorrupt,
                          now_ms, out))
            ++issued;
          break;
        }
      }
      break;
    }
    const BlockdInfo* to = registry_->Find(*target);
    uint64_t length = 0;
    for (const Replica& r : v.good)
      if (r.blockd == *source) length = r.length;
    BlockdCommand c;
    c.kind = BlockdCommand::Kind::kCopy;
    c.block_id = v.block;
    c.version = v.version;
    c.length = length;
    c.targets = {to->address};
    if (!registry_->QueueCommand(*source, std::move(c)).ok()) {
      ++counters_.commands_refused;
      break;
    }
    copies_[v.block].push_back(
        PendingCopy{*source, *target, now_ms + options_.copy_timeout_ms});
    ++as_source_[*source];
    ++as_target_[*target];
    holders.push_back(*target);
    existing.push_back(*target);
    ++counters_.copies_issued;
    ++issued;
    out->push_back(ReplicationAction{ReplicationAction::Kind::kCopy,
                                     ReplicationAction::Reason::kUnderReplicated, v.block,
                                     v.version, *source, *target});
  }
  return issued;
}

bool ReplicationMonitor::QueueDelete(BlockId block, uint64_t version, BlockdId holder,
                                     ReplicationAction::Reason reason, int64_t now_ms,
                                     std::vector<ReplicationAction>* out) {
  BlockdCommand c;
  c.kind = BlockdCommand::Kind::kDelete;
  c.block_id = block;
  c.version = version;
  if (!registry_->QueueCommand(holder, std::move(c)).ok()) {
    ++counters_.commands_refused;
    return false;
  }
  // The replica stays in the map until the blockd reports it removed; until
  // then it counts neither as good nor as corrupt (see Evaluate).
  deletions_[block].push_back(PendingDeletion{holder, now_ms + options_.deletion_timeout_ms});
  ++counters_.deletions_issued;
  out->push_back(ReplicationAction{ReplicationAction::Kind::kDelete, reason, block, version,
                                   holder, kNoBlockd});
  return true;
}

size_t ReplicationMonitor::IssueDeletions(const View& v, int64_t now_ms, size_t budget,
                                          std::vector<ReplicationAction>* out) {
  size_t issued = 0;
  if (v.corrupt_deletable()) {
    for (const Replica& r : v.corrupt) {
      if (issued == budget) return issued;
      if (QueueDelete(v.block, r.version, r.blockd, ReplicationAction::Reason::kCorrupt, now_ms,
                      out))
        ++issued;
    }
  }
  if (v.excess() == 0 || !v.pending_targets.empty()) return issued;
  // Trim live good replicas, each time from the rack holding most of the
  // remaining ones, so the spread across racks is kept; among those the
  // fullest blockd (then the highest id) goes. live_good - excess == goal >= 1,
  // so the last good replica is never deleted.
  std::vector<const BlockdInfo*> keep;
  for (const Replica& r : v.good) {
    const BlockdInfo* b = registry_->Find(r.blockd);
    if (b->state == BlockdState::kLive) keep.push_back(b);
  }
  for (size_t n = v.excess(); n > 0 && issued < budget; --n) {
    auto on_rack = [&](uint32_t rack) {
      return std::count_if(keep.begin(), keep.end(),
                           [&](const BlockdInfo* b) { return b->rack_id == rack; });
    };
    auto victim = std::max_element(keep.begin(), keep.end(),
                                   [&](const BlockdInfo* a, const BlockdInfo* b) {
      return std::make_tuple(on_rack(a->rack_id), b->stats.free_bytes(), a->id) <
             std::make_tuple(on_rack(b->rack_id), a->stats.free_bytes(), b->id);
    });
    if (!QueueDelete(v.block, v.version, (*victim)->id, ReplicationAction::Reason::kOverReplicated,
                     now_ms, out))
      break;
    keep.erase(victim);
    ++issued;
  }
  return issued;
}

}  // namespace opendfs::metad
