// BlockMap: block id -> the replicas blockds say they hold. Soft state, learnt
// from full and incremental block reports, never written to the editlog.
//
// Happy path: a blockd's full report replaces its set of replicas (reported
// blocks are added or updated, blocks it no longer lists are dropped and
// returned as `dropped`); incremental reports add, remove or mark replicas
// corrupt between full reports. Whether a reported replica is wanted is
// decided against the namespace through a BlockCatalog (Judge): an unknown
// block or a version below the committed one is `unwanted` (the caller queues
// a delete) and is not recorded; a version above the committed one is an
// unconfirmed write and is recorded but never served (the caller's expected
// version filters it); a replica at the committed version that missed part of
// that version's write (DESIGN §5 step 3) is `stale`: recorded as corrupt, so
// that it is never served, never copied from, and deleted once good copies
// exist. Revalidate() judges a block's recorded replicas again after the
// namespace changed its mind (a commit, a settle). RemoveBlockd() forgets a dead blockd and returns the blocks
// that lost a replica; InvalidateBlock() forgets a freed block and returns
// its replicas so that each can be deleted.
// Failure modes: a chunk without BeginFullReport is Invalid; a length over
// 1 TiB is unwanted (garbage from the wire never reaches an assertion).
// A replica removed by an incremental report while a chunked full report is
// open, and listed again by a later chunk, stays until the next full report.
//
// Memory: ~90 bytes per block with up to 3 replicas (one hash node holding the
// packed replicas inline) plus 8 bytes per replica in the per-blockd index.
//
// Pure and single-threaded; the owner serialises calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "libnet/status.h"
#include "metad/registry/replica_list.h"
#include "metad/registry/types.h"

namespace opendfs::metad {

// The namespace's view of a block, asked while reports are applied.
enum class ReplicaVerdict : uint8_t {
  kGood,         // at the committed version, vouched for
  kUnconfirmed,  // at the version an open write is producing: kept, not served
  kStale,        // at the committed version, but outside its acknowledged set
  kUnwanted,     // unknown block or a version nobody wants: delete it
};

class BlockCatalog {
 public:
  virtual ~BlockCatalog() = default;
  // The committed version of `block`, or nullopt when the namespace has no
  // such block (deleted, truncated away, never allocated). While a block is
  // being overwritten the namespace answers the version the write started
  // from, so that replicas still at it are not deleted mid-write.
  virtual std::optional<uint64_t> CommittedVersion(BlockId block) const = 0;
  // How many good replicas the replication monitor keeps of `block` (the
  // file's replication goal). 0 means "leave it alone for now": the answer
  // for a block an open write still owns, whose replicas are not final.
  virtual uint8_t ReplicationGoal(BlockId /*block*/) const { return kDefaultReplicationGoal; }
  // What a replica of `block` at `version` held by `blockd` is. The default
  // judges by CommittedVersion alone: equal is good, above is unconfirmed.
  virtual ReplicaVerdict Judge(BlockId block, uint64_t version, BlockdId blockd) const;
  // The blockds whose replica of `block` at its committed version is stale
  // (see kStale), in no order. They are never copy targets for the block:
  // a copy there would be taken for the stale replica.
  virtual std::vector<BlockdId> StaleBlockds(BlockId /*block*/) const { return {}; }

  static constexpr uint8_t kDefaultReplicationGoal = 3;
};

struct Replica {
  BlockdId blockd = kNoBlockd;
  uint64_t version = 0;
  uint64_t length = 0;
  bool corrupt = false;
  bool operator==(const Replica&) const = default;
};

struct FullReportResult {
  std::vector<BlockId> dropped;             // lost a replica on this blockd
  std::vector<ReportedReplica> unwanted;    // unknown block or stale version
  size_t accepted = 0;                      // replicas recorded
};

struct IncrementalReportResult {
  std::vector<BlockId> dropped;             // removed by this report
  std::vector<ReportedReplica> unwanted;
};

struct RevalidateResult {
  std::vector<Replica> unwanted;   // removed from the map: delete them
  std::vector<BlockdId> stale;     // newly marked corrupt as stale
};

class BlockMap {
 public:
  BlockMap() = default;
  BlockMap(const BlockMap&) = delete;
  BlockMap& operator=(const BlockMap&) = delete;

  // Whole report in one call: Begin + one chunk + End.
  FullReportResult ProcessFullReport(BlockdId blockd,
                                     std::span<const ReportedReplica> blocks,
                                     const BlockCatalog& catalog);

  // Chunked full report. Begin starts (or restarts) a report; chunks apply
  // their replicas at once; End drops what no chunk listed.
  void BeginFullReport(BlockdId blockd);
  Status AddFullReportChunk(BlockdId blockd, std::span<const ReportedReplica> blocks,
                            const BlockCatalog& catalog, FullReportResult* out);
  Status EndFullReport(BlockdId blockd, FullReportResult* out);
  bool full_report_open(BlockdId blockd) const;

  // `removed` uses only block_id. A corrupt report marks the recorded
  // replica only when it names the version recorded for it (or version 0);
  // a corrupt replica the map did not know is recorded as corrupt so that
  // it is replaced and then deleted. In `added` (and in full reports) a
  // replica at a version older than the one recorded for that blockd is a
  // late report and is ignored.
  IncrementalReportResult ProcessIncrementalReport(
      BlockdId blockd, std::span<const ReportedReplica> added,
      std::span<const ReportedReplica> removed,
      std::span<const ReportedReplica> corrupt, const BlockCatalog& catalog);

  // Forgets every replica on `blockd` (dead); returns the affected blocks in
  // ascending order (candidates for re-replication).
  std::vector<BlockId> RemoveBlockd(BlockdId blockd);

  // Forgets `block` (freed by the namespace); returns its replicas so that a
  // delete can be sent to each holder.
  std::vector<Replica> InvalidateBlock(BlockId block);

  // Judges every recorded replica of `block` again (the namespace committed
  // or settled it): unwanted ones are removed and returned, stale ones are
  // marked corrupt. Others are left as they are (a corrupt mark stays).
  RevalidateResult Revalidate(BlockId block, const BlockCatalog& catalog);

  // Removes one replica (e.g. a delete was sent). False when absent.
  bool RemoveReplica(BlockId block, BlockdId blockd);

  // All recorded replicas of `block`, including corrupt and other versions.
  std::vector<Replica> Replicas(BlockId block) const;
  std::optional<Replica> FindReplica(BlockId block, BlockdId blockd) const;

  // Slow full sweep (the replication monitor's): appends the blocks of hash
  // buckets from `cursor` on to *out until `max_blocks` were appended or
  // 4 * max_blocks + 16 buckets were visited; returns the cursor to pass
  // next, 0 when the last bucket was visited (a round ended). Blocks added or
  // a rehash between calls may be skipped or repeated in one round; the next
  // round covers them.
  size_t SweepBlocks(size_t cursor, size_t max_blocks, std::vector<BlockId>* out) const;

  size_t block_count() const { return blocks_.size(); }
  size_t replica_count() const { return replica_count_; }
  size_t replicas_on(BlockdId blockd) const;
  // The blocks `blockd` holds a replica of, ascending (decommission, fsck).
  std::vector<BlockId> BlocksOn(BlockdId blockd) const;
  // Entries in the per-blockd index (>= replicas_on; bounded by compaction).
  size_t index_entries(BlockdId blockd) const;

 private:
  struct PerBlockd {
    // Superset of the blocks this blockd holds: ids are appended when a
    // replica is added and left behind when it is removed, then compacted.
    std::vector<BlockId> ids;
    size_t held = 0;
    bool reporting = false;
    std::vector<BlockId> reported;  // accepted by the open full report
  };

  PerBlockd& Slot(BlockdId blockd);
  const PerBlockd* FindSlot(BlockdId blockd) const;
  // Records a wanted replica, or returns false when it is unwanted.
  bool Accept(BlockdId blockd, const ReportedReplica& r, const BlockCatalog& catalog);
  // False when the block already has ReplicaList::kMaxSize other holders.
  // `corrupt` marks it corrupt; otherwise a replica already recorded at the
  // same version keeps its mark.
  bool Upsert(BlockdId blockd, const ReportedReplica& r, bool corrupt);
  bool Remove(BlockId block, BlockdId blockd);
  void MaybeCompact(BlockdId blockd, PerBlockd& slot);

  std::unordered_map<BlockId, ReplicaList> blocks_;
  std::vector<PerBlockd> per_blockd_;  // index = blockd id
  size_t replica_count_ = 0;
};

}  // namespace opendfs::metad
