// BlockdManager: the one object the metad's blockd-facing service and the
// namespace talk to. It ties the registry, the block map and placement
// together and turns what they find into commands for blockds.
//
// Happy path: Register -> FullReport (one or more chunks) -> Heartbeat every
// few seconds (drains queued commands) and IncrementalReport after writes.
// Replicas a report shows to be unwanted (unknown block, stale version) and
// replicas of blocks the namespace frees (InvalidateBlock) become Delete
// commands queued for their blockd and delivered by its next heartbeats.
// Tick(now_ms) declares silent blockds dead and forgets their replicas,
// returning the blocks that lost one. Every block that lost a replica or got
// one marked corrupt is also handed to the ReplicationMonitor it owns;
// MonitorReplication(now_ms, ...) then queues the copies and deletes that
// bring blocks back to their goal (leader only).
// Failure modes: a report from a uuid that is not registered or is dead is
// NotFound (the service answers `reregister`); a chunk out of order or for
// another report id is Invalid and abandons that report (the blockd starts
// again at chunk 0); a full command queue drops the delete (Busy) and counts
// it — the next full report finds the replica again.
//
// Pure and single-threaded like its parts: the owner serialises every call
// (one mutex or one loop thread) and passes time in.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "libnet/status.h"
#include "metad/registry/block_map.h"
#include "metad/registry/blockd_registry.h"
#include "metad/registry/placement_policy.h"
#include "metad/registry/replica_locator.h"
#include "metad/registry/replication_monitor.h"
#include "metad/registry/topology.h"

namespace opendfs::metad {

struct BlockdManagerOptions {
  RegistryOptions registry;
  PlacementOptions placement;
  ReplicationMonitorOptions monitor;
};

struct ReportOutcome {
  BlockdId blockd = kNoBlockd;
  bool report_complete = false;      // full reports: the last chunk arrived
  std::vector<BlockId> dropped;      // blocks that lost a replica
  size_t deletes_queued = 0;         // unwanted replicas sent for deletion
  size_t deletes_dropped = 0;        // ... that did not fit the queue
};

struct TickOutcome {
  std::vector<BlockdId> died;
  std::vector<BlockId> lost_replica;  // ascending, no duplicates
};

class BlockdManager {
 public:
  // `topology` and `catalog` must outlive the manager.
  BlockdManager(const Topology* topology, const BlockCatalog* catalog,
                BlockdManagerOptions options);

  // Registers. When the registration replaces another uuid at the same
  // address, that blockd's replicas are forgotten and the blocks that lost a
  // replica are appended to *lost_replica (when given).
  Result<RegisterResult> Register(const RegisterRequest& req, int64_t now_ms,
                                  std::vector<BlockId>* lost_replica = nullptr);

  HeartbeatResult Heartbeat(BlockdId id, std::string_view uuid, const BlockdStats& stats,
                            int64_t now_ms);

  // One chunk of a full report; chunk_count >= 1, chunks in order from 0.
  Result<ReportOutcome> FullReport(std::string_view uuid, uint64_t report_id,
                                   uint32_t chunk_index, uint32_t chunk_count,
                                   std::span<const ReportedReplica> blocks, int64_t now_ms);

  Result<ReportOutcome> IncrementalReport(std::string_view uuid,
                                          std::span<const ReportedReplica> added,
                                          std::span<const ReportedReplica> removed,
                                          std::span<const ReportedReplica> corrupt);

  TickOutcome Tick(int64_t now_ms);

  // The namespace freed `block` (file deleted, truncated, block replaced):
  // every holder gets a delete. Returns the number of deletes queued.
  size_t InvalidateBlock(BlockId block);

  // The namespace committed or settled `block`: its recorded replicas are
  // judged again (BlockMap::Revalidate); unwanted ones get a delete, stale
  // ones are marked corrupt, and the monitor looks at the block.
  struct RevalidateOutcome {
    size_t deletes_queued = 0;
    std::vector<BlockdId> stale;  // newly found stale
  };
  RevalidateOutcome Revalidate(BlockId block);

  Result<std::vector<BlockdId>> ChooseTargets(int replicas, std::string_view writer_host,
                                              std::span<const BlockdId> excluded,
                                              RandomSource& rng) const {
    return placement_.ChooseTargets(replicas, writer_host, excluded, rng);
  }
  std::vector<LocatedReplica> Locate(BlockId block, uint64_t expected_version,
                                     std::string_view client_host) const {
    return LocateReplicas(map_, registry_, block, expected_version, client_host);
  }

  // Leader only, about once a second after Tick: one bounded round of the
  // replication monitor (copies and deletes queued for heartbeat replies).
  std::vector<ReplicationAction> MonitorReplication(int64_t now_ms, size_t max_commands,
                                                    RandomSource& rng) {
    return monitor_.Scan(now_ms, max_commands, rng);
  }
  // The namespace committed these blocks or changed their goal (setrep):
  // the monitor looks at them at its next round.
  void RecheckReplication(std::span<const BlockId> blocks) { monitor_.Recheck(blocks); }
  // Admin: start or stop draining a live blockd (no new replicas; its
  // replicas are copied elsewhere and stop counting toward goals). Its
  // blocks are handed to the monitor. NotFound when it is not live.
  Status SetDecommissioning(BlockdId id, bool on);
  const ReplicationMonitor& monitor() const { return monitor_; }

  const BlockdRegistry& registry() const { return registry_; }
  BlockdRegistry& registry() { return registry_; }
  const BlockMap& block_map() const { return map_; }
  const PlacementPolicy& placement() const { return placement_; }

 private:
  struct ReportProgress {
    bool open = false;
    uint64_t report_id = 0;
    uint32_t next_chunk = 0;
    uint32_t chunk_count = 0;
  };

  void QueueDeletes(BlockdId blockd, std::span<const ReportedReplica> unwanted,
                    ReportOutcome* out);
  void Forget(BlockdId blockd, std::vector<BlockId>* lost);

  const BlockCatalog* catalog_;
  BlockdRegistry registry_;
  BlockMap map_;
  PlacementPolicy placement_;
  ReplicationMonitor monitor_;  // reads registry_, map_, placement_: declared after them
  std::vector<ReportProgress> reports_;  // index = blockd id
};

}  // namespace opendfs::metad
