// ReplicationMonitor: keeps every block at its replication goal (DESIGN §3,
// issue 6 items 1-2). Leader metad only; pure like the rest of the registry.
//
// Happy path: events name blocks to look at (Recheck: a blockd died, a
// report dropped a replica or marked one corrupt, a block was committed or
// its goal changed) and a slow sweep over the block map finds the rest. Each
// Scan(now_ms, ...) evaluates a bounded number of them against the block map,
// the registry and the namespace (BlockCatalog: committed version and goal)
// and keeps the ones needing work in a queue ordered by urgency — fewest
// good replicas first, deletions last. For an under-replicated block it
// queues Copy commands (source: a good replica, live before decommissioning,
// least busy; target: PlacementPolicy::ChooseCopyTarget excluding every
// holder) on the source's BlockdRegistry queue; the copy lands when the
// target reports the replica. Once the good count reaches the goal, corrupt
// replicas get Delete commands; a block over its goal loses replicas from
// its most crowded rack. A replica is "good" when it is not corrupt, is at
// the committed version and its blockd is live or decommissioning;
// decommissioning replicas are sources but do not count toward the goal and
// are never trimmed.
//
// Failure modes: a copy not reported by the target within copy_timeout_ms
// (or whose source or target died) is forgotten and retried, avoiding the
// target that failed when another one exists; a delete not confirmed by a
// report within deletion_timeout_ms is sent again; a full command queue
// (Busy) leaves the block queued for the next Scan. A block with no good
// replica is "missing": counted, listed for fsck, never copied from a
// corrupt source. When placement finds no blockd at all for a copy and a
// corrupt replica occupies a live blockd, that corrupt replica is deleted
// first (when at least one good replica exists) so that its blockd can take
// a good copy. Stale replicas (left out of a write's acknowledged set, DESIGN
// §5) are recorded as corrupt and handled the same way; a blockd the catalog
// lists as stale for a block is never a copy target for it. Right after a
// metad start, while a live blockd registered
// less than report_grace_ms ago has not finished its first full report,
// Scan does nothing: the block map is still incomplete.
//
// Bounded work: per Scan at most max_examined_per_scan evaluations and
// max_commands commands; the recheck set holds at most max_tracked_blocks
// (more are counted as dropped and left to the sweep). Pending copies per
// blockd are bounded by max_copies_per_blockd, as source and as target.
//
// Single-threaded: the owner (BlockdManager) serialises every call with the
// registry and block map updates it reads.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "metad/registry/block_map.h"
#include "metad/registry/blockd_registry.h"
#include "metad/registry/placement_policy.h"
#include "metad/registry/random_source.h"
#include "metad/registry/types.h"

namespace opendfs::metad {

struct ReplicationMonitorOptions {
  uint32_t max_copies_per_blockd = 2;       // in flight, as source and as target each
  int64_t copy_timeout_ms = 300'000;        // not reported by then: retried
  int64_t deletion_timeout_ms = 300'000;    // not confirmed by then: sent again
  int64_t report_grace_ms = 60'000;         // see the file comment
  size_t sweep_blocks_per_scan = 1'000;     // block map sweep per Scan
  size_t max_examined_per_scan = 10'000;    // evaluations per Scan
  size_t max_tracked_blocks = 200'000;      // recheck set bound
};

struct ReplicationAction {
  enum class Kind : uint8_t { kCopy, kDelete };
  enum class Reason : uint8_t { kUnderReplicated, kOverReplicated, kCorrupt };
  Kind kind = Kind::kCopy;
  Reason reason = Reason::kUnderReplicated;
  BlockId block = 0;
  uint64_t version = 0;
  BlockdId blockd = kNoBlockd;  // runs the command: copy source or deleting holder
  BlockdId target = kNoBlockd;  // kCopy only
  bool operator==(const ReplicationAction&) const = default;
};

struct ReplicationCounters {
  // Current state, for status and metrics.
  size_t under_replicated = 0;   // queued blocks below their goal
  size_t missing = 0;            // blocks with no good replica
  size_t corrupt = 0;            // blocks with a corrupt replica known
  size_t pending_copies = 0;
  size_t pending_deletions = 0;
  size_t recheck_queue = 0;
  bool waiting_for_reports = false;  // the last Scan was held back
  // Totals since start.
  uint64_t copies_issued = 0;
  uint64_t copies_completed = 0;
  uint64_t copies_timed_out = 0;
  uint64_t deletions_issued = 0;
  uint64_t commands_refused = 0;  // a blockd's command queue was full
  uint64_t rechecks_dropped = 0;  // recheck set full; left to the sweep
  uint64_t sweep_rounds = 0;
};

class ReplicationMonitor {
 public:
  // Every pointer must outlive the monitor; the registry is written to
  // (QueueCommand), the others only read.
  ReplicationMonitor(BlockdRegistry* registry, const BlockMap* map,
                     const PlacementPolicy* placement, const BlockCatalog* catalog,
                     ReplicationMonitorOptions options);

  // Look at these blocks at the next Scan (deduplicated, bounded).
  void Recheck(BlockId block);
  void Recheck(std::span<const BlockId> blocks);

  // One round of work; returns what it queued (also for logs and tests).
  std::vector<ReplicationAction> Scan(int64_t now_ms, size_t max_commands, RandomSource& rng);

  const ReplicationCounters& counters() const { return counters_; }
  // True when every block `blockd` holds has its goal of good replicas on
  // other live blockds, so that it can be switched off (decommission). Costs
  // one evaluation per block on it: for status requests, not every tick.
  bool Drained(BlockdId blockd) const;
  // Missing blocks (no good replica) in ascending id order, at most `max`.
  std::vector<BlockId> MissingBlocks(size_t max) const;
  // Blocks with a corrupt replica known, in ascending id order, at most `max`.
  std::vector<BlockId> CorruptBlocks(size_t max) const;
  // Blocks below their goal of live good replicas (a copy may be under
  // way), in ascending id order, at most `max`.
  std::vector<BlockId> UnderReplicatedBlocks(size_t max) const;
  const ReplicationMonitorOptions& options() const { return options_; }

 private:
  struct QueueKey {
    uint32_t urgency = 0;  // lower is more urgent
    BlockId block = 0;
    auto operator<=>(const QueueKey&) const = default;
  };
  struct PendingCopy {
    BlockdId source = kNoBlockd;
    BlockdId target = kNoBlockd;
    int64_t deadline_ms = 0;
  };
  struct PendingDeletion {
    BlockdId blockd = kNoBlockd;
    int64_t deadline_ms = 0;
  };
  // One block as the map, the registry and the catalog see it (Evaluate).
  struct View;

  bool WaitingForReports(int64_t now_ms) const;
  void ExpirePending(int64_t now_ms);
  void Sweep();
  void DrainRechecks(size_t* examined);
  void ProcessQueue(int64_t now_ms, size_t max_commands, size_t* examined, RandomSource& rng,
                    std::vector<ReplicationAction>* out);

  View Evaluate(BlockId block) const;
  // Updates the queue, missing and corrupt sets from `v`; true when the block
  // needs work.
  bool Classify(const View& v);
  void Untrack(BlockId block);
  // Issues what `v` needs, at most `budget` commands; returns how many.
  size_t Act(const View& v, int64_t now_ms, size_t budget, RandomSource& rng,
             std::vector<ReplicationAction>* out);
  size_t IssueCopies(const View& v, int64_t now_ms, size_t budget, RandomSource& rng,
                     std::vector<ReplicationAction>* out);
  size_t IssueDeletions(const View& v, int64_t now_ms, size_t budget,
                        std::vector<ReplicationAction>* out);
  bool QueueDelete(BlockId block, uint64_t version, BlockdId holder,
                   ReplicationAction::Reason reason, int64_t now_ms,
                   std::vector<ReplicationAction>* out);
  std::optional<BlockdId> PickSource(const View& v) const;
  bool IsGoodAt(BlockId block, BlockdId blockd, uint64_t version) const;

  BlockdRegistry* registry_;
  const BlockMap* map_;
  const PlacementPolicy* placement_;
  const BlockCatalog* catalog_;
  ReplicationMonitorOptions options_;

  std::deque<BlockId> recheck_;
  std::unordered_set<BlockId> recheck_set_;

  std::set<QueueKey> queue_;
  std::unordered_map<BlockId, uint32_t> queued_urgency_;
  std::optional<QueueKey> cursor_;  // where the next Scan resumes; nullopt: the head
  size_t sweep_cursor_ = 0;
  BlockId missing_cursor_ = 0;

  std::set<BlockId> missing_;
  std::unordered_set<BlockId> corrupt_;
  std::unordered_set<BlockId> under_;  // live good replicas below the goal

  std::unordered_map<BlockId, std::vector<PendingCopy>> copies_;
  std::unordered_map<BlockdId, uint32_t> as_source_;
  std::unordered_map<BlockdId, uint32_t> as_target_;
  std::unordered_map<BlockId, BlockdId> failed_target_;
  std::unordered_map<BlockId, std::vector<PendingDeletion>> deletions_;

  ReplicationCounters counters_;
};

}  // namespace opendfs::metad
