// ClusterView: what one metad knows of the cluster at one instant — the
// metads of its Paxos group, the blockds it registered, the namespace and
// replication counts, recent warnings. Gathered by
// MetaServer::GatherClusterView (cluster_view.cc) and rendered three ways:
// the ClusterStatus RPC (`opendfs cluster status`), GET /status.json and the
// status page built on it (status_page.h).
//
// A follower's view is its own (its registry hears every blockd; its
// replication counts are zero because only the leader runs the monitor);
// leader_address says where the authoritative one is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "metad/registry/replication_monitor.h"

namespace opendfs::metad {

struct MetadView {
  std::string address;  // client address (bind_for_cli)
  std::string role;     // leader / follower / candidate, "down" when silent
  std::string ballot;   // "round.node", "single" without Paxos, "-" when down
  uint64_t committed_index = 0;
  uint64_t applied_index = 0;
  bool is_leader = false;  // serving leader
  bool self = false;       // the metad that gathered the view
};

struct BlockdView {
  std::string address;
  std::string rack;
  std::string state;  // live / dead / decommissioning
  uint64_t capacity_bytes = 0;
  uint64_t used_bytes = 0;
  uint64_t blocks = 0;
  int64_t last_heartbeat_age_ms = 0;
  bool drained = false;  // decommissioning, and every block it holds is safe elsewhere
};

// A block in trouble (missing, corrupt replica, under-replicated) and the
// file it belongs to.
struct BlockProblemView {
  uint64_t block = 0;
  uint64_t inode = 0;   // 0 when the namespace no longer references it
  uint32_t index = 0;   // position in the file
  std::string path;     // "" when not found within the bounded walk
};

struct ClusterView {
  std::string self_address;
  std::string leader_address;  // "" when no leader is known
  bool serving_leader = false;  // this view is the authoritative one
  std::vector<MetadView> metads;
  std::vector<BlockdView> blockds;
  uint64_t files = 0;  // inodes
  uint64_t blocks = 0;
  ReplicationCounters replication;  // zeros on a follower
  // At most kMaxListed each.
  std::vector<BlockProblemView> missing_blocks;           // no good replica
  std::vector<BlockProblemView> corrupt_blocks;           // a corrupt replica known
  std::vector<BlockProblemView> under_replicated_blocks;  // below goal
  std::vector<std::string> recent_errors;        // log lines, oldest first

  static constexpr size_t kMaxListed = 100;
};

}  // namespace opendfs::metad
