// MetaServer::GatherClusterView: one consistent-enough snapshot for status
// (cluster_view.h). Takes reg_mu_, then ns_mu_ (the documented order, never
// both at once here), and asks the Paxos group for its members' state with
// a short timeout (a member that does not answer is shown "down").
#include <sys/stat.h>

#include <deque>
#include <map>
#include <set>

#include <fmt/format.h>

#include "metad/server/meta_server.h"

namespace opendfs::metad {
namespace {

// Directory entries a status request may walk to name the files of missing
// blocks (the namespace keeps no parent pointers): bounded, so a huge
// namespace costs one bounded walk under the shared lock, not a stall.
constexpr size_t kMaxPathWalkEntries = 200'000;

// The path of each inode in `wanted` found by a breadth-first walk from the
// root within kMaxPathWalkEntries entries (hard links: the first path met).
std::map<InodeId, std::string> PathsOf(const Namespace& ns, std::set<InodeId> wanted) {
  std::map<InodeId, std::string> out;
  std::deque<std::pair<InodeId, std::string>> dirs{{kRootInode, ""}};
  size_t visited = 0;
  while (!dirs.empty() && !wanted.empty() && visited < kMaxPathWalkEntries) {
    auto [dir, path] = std::move(dirs.front());
    dirs.pop_front();
    uint64_t cookie = 0;
    for (bool end = false; !end && visited < kMaxPathWalkEntries;) {
      Result<DirPage> page = ns.ReadDir(dir, cookie, 1024);
      if (!page.ok()) break;
      end = page->end || page->entries.empty();
      for (const DirListEntry& e : page->entries) {
        ++visited;
        cookie = e.cookie;
        std::string child = path + "/" + e.name;
        if (wanted.erase(e.attr.ino) > 0) out[e.attr.ino] = child;
        if (S_ISDIR(e.attr.mode)) dirs.emplace_back(e.attr.ino, std::move(child));
      }
    }
  }
  return out;
}

}  // namespace

std::vector<MetadView> MetaServer::GatherMetads() {
  std::vector<MetadView> out;
  if (!replicated()) {
    uint64_t applied = applied_index_.load();
    out.push_back({settings_.bind_for_cli, "leader", "single", applied, applied, true, true});
    return out;
  }
  std::vector<std::optional<replication::ReplicaStatus>> group =
      replicator_->GroupStatus(std::chrono::milliseconds(300));
  for (size_t i = 0; i < group.size(); ++i) {
    const auto id = static_cast<paxos::NodeId>(i + 1);
    MetadView m;
    m.address = CliAddressOf(id);
    m.self = id == replicator_->self_id();
    if (const auto& g = group[i]) {
      m.role = paxos::RoleName(g->role);
      m.ballot = fmt::format("{}.{}", g->ballot.round, g->ballot.node_id);
      m.committed_index = g->commit_index;
      m.applied_index = g->applied_index;
      m.is_leader = g->serving;
    } else {
      m.role = "down";
      m.ballot = "-";
    }
    out.push_back(std::move(m));
  }
  return out;
}

ClusterView MetaServer::GatherClusterView() {
  ClusterView v;
  v.self_address = settings_.bind_for_cli;
  v.serving_leader = serving_leader();
  v.leader_address = v.serving_leader ? settings_.bind_for_cli : LeaderCliAddress();
  std::vector<BlockId> missing, corrupt, under;
  {
    std::lock_guard l(reg_mu_);
    for (const BlockdStatusRow& b : blockds_->registry().List(NowMs())) {
      bool drained =
          b.state == BlockdState::kDecommissioning && blockds_->monitor().Drained(b.id);
      v.blockds.push_back({b.address, b.rack, std::string(BlockdStateName(b.state)),
                           b.capacity_bytes, b.used_bytes, b.block_count,
                           b.last_heartbeat_age_ms, drained});
    }
    v.blocks = blockds_->block_map().block_count();
    if (v.serving_leader) {
      v.replication = blockds_->monitor().counters();
      missing = blockds_->monitor().MissingBlocks(ClusterView::kMaxListed);
      corrupt = blockds_->monitor().CorruptBlocks(ClusterView::kMaxListed);
      under = blockds_->monitor().UnderReplicatedBlocks(ClusterView::kMaxListed);
    }
  }
  {
    std::shared_lock l(ns_mu_);
    v.files = ns_->inode_count();
    std::set<InodeId> inodes;
    auto list = [&](const std::vector<BlockId>& blocks, std::vector<BlockProblemView>& out) {
      for (BlockId b : blocks) {
        std::optional<BlockRef> ref = block_index_.Find(b);
        out.push_back({b, ref ? ref->inode : 0, ref ? ref->index : 0, ""});
        if (ref) inodes.insert(ref->inode);
      }
    };
    list(missing, v.missing_blocks);
    list(corrupt, v.corrupt_blocks);
    list(under, v.under_replicated_blocks);
    if (!inodes.empty()) {
      // One bounded walk names the files of all three lists.
      std::map<InodeId, std::string> paths = PathsOf(*ns_, std::move(inodes));
      for (auto* problems : {&v.missing_blocks, &v.corrupt_blocks, &v.under_replicated_blocks})
        for (BlockProblemView& m : *problems)
          if (auto it = paths.find(m.inode); it != paths.end()) m.path = it->second;
    }
  }
  v.metads = GatherMetads();
  v.recent_errors = log_.Recent();
  return v;
}

}  // namespace opendfs::metad
