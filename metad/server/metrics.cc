// metad's GET /metrics: the request counters/latency filled by the client
// Server (RequestMetrics, methods labelled by their schema name) plus gauges
// read at scrape time: Paxos role, ballot, committed/applied index, records
// per batch, editlog/fsimage bytes on disk, inodes, blocks, memory,
// replication queues and blockds by state. The same HTTP server answers the
// status page (status_page.cc). Off when metrics_addr is empty; a bad or
// unbindable metrics_addr fails start-up.
#include <filesystem>
#include <system_error>

#include "meta_generated.h"
#include "libnet/metrics_server.h"
#include "metad/server/meta_server.h"
#include "metad/server/status_page.h"

namespace opendfs::metad {
namespace {

// Bytes of the regular files under `dir` (a RocksDB directory: a few dozen
// files), 0 when it cannot be read.
double DirBytes(const std::string& dir) {
  std::error_code ec;
  uint64_t total = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code fec;
    if (it->is_regular_file(fec)) {
      uint64_t n = it->file_size(fec);
      if (!fec) total += n;
    }
  }
  return static_cast<double>(total);
}

std::vector<double> BatchBuckets() {
  std::vector<double> b;
  for (double v = 1; v <= 4096; v *= 4) b.push_back(v);
  return b;
}

}  // namespace

std::string MetaServer::MetaMethodName(uint16_t type) {
  return fb::EnumNameMetaMethod(static_cast<fb::MetaMethod>(type));
}

void MetaServer::ObserveBatch(uint64_t last_index) {
  uint64_t prev = last_batch_index_.exchange(last_index);
  if (batch_records_ != nullptr && prev != 0 && last_index > prev)
    batch_records_->Observe(static_cast<double>(last_index - prev));
}

void MetaServer::AddStateMetrics() {
  metrics_.AddCallbackGauge("opendfs_metad_is_leader",
                            "1 while this metad is the serving leader",
                            [this] { return serving_leader() ? 1.0 : 0.0; });
  for (paxos::Role role : {paxos::Role::kFollower, paxos::Role::kCandidate, paxos::Role::kLeader})
    metrics_.AddCallbackGauge(
        "opendfs_metad_paxos_role", "1 for this metad's current Paxos role",
        [this, role] {
          paxos::Role now = replicated() ? replicator_->status().role : paxos::Role::kLeader;
          return now == role ? 1.0 : 0.0;
        },
        {{"role", paxos::RoleName(role)}});
  metrics_.AddCallbackGauge("opendfs_metad_ballot_round",
                            "Round of the highest ballot this metad has seen (0 without Paxos)",
                            [this] {
                              return replicated()
                                         ? static_cast<double>(replicator_->status().ballot.round)
                                         : 0.0;
                            });
  metrics_.AddCallbackGauge(
      "opendfs_metad_committed_index", "Highest Paxos slot known committed (applied without Paxos)",
      [this] {
        return static_cast<double>(replicated() ? replicator_->status().commit_index
                                                : applied_index_.load());
      });
  metrics_.AddCallbackGauge(
      "opendfs_metad_applied_index", "Last editlog index applied to the namespace",
      [this] { return static_cast<double>(applied_index_.load()); });
  batch_records_ = metrics_.AddHistogram("opendfs_metad_batch_records",
                                         "Editlog records applied per committed batch",
                                         BatchBuckets());
  metrics_.AddCallbackGauge("opendfs_metad_editlog_bytes", "Bytes of the editlog on disk",
                            [this] { return DirBytes(settings_.editlog_dir); });
  metrics_.AddCallbackGauge("opendfs_metad_fsimage_bytes", "Bytes of the fsimage store on disk",
                            [this] { return DirBytes(settings_.fsimage_dir); });
  metrics_.AddCallbackGauge("opendfs_metad_inodes", "Inodes in the namespace", [this] {
    std::shared_lock lock(ns_mu_);
    return static_cast<double>(ns_->inode_count());
  });
  metrics_.AddCallbackGauge("opendfs_metad_blocks", "Blocks the namespace references", [this] {
    std::shared_lock lock(ns_mu_);
    return static_cast<double>(block_index_.size());
  });
  metrics_.AddCallbackGauge("opendfs_metad_resident_memory_bytes",
                            "Resident set size of the metad process", ResidentMemoryBytes);
}

void MetaServer::AddRegistryMetrics() {
  auto counters = [this](size_t ReplicationCounters::*f) {
    return [this, f] {
      std::lock_guard l(reg_mu_);
      return serving_leader() ? static_cast<double>(blockds_->monitor().counters().*f) : 0.0;
    };
  };
  const std::string queues = "Replication monitor state (the serving leader; 0 elsewhere)";
  metrics_.AddCallbackGauge("opendfs_metad_under_replicated_blocks", queues,
                            counters(&ReplicationCounters::under_replicated));
  metrics_.AddCallbackGauge("opendfs_metad_missing_blocks", queues,
                            counters(&ReplicationCounters::missing));
  metrics_.AddCallbackGauge("opendfs_metad_corrupt_blocks", queues,
                            counters(&ReplicationCounters::corrupt));
  metrics_.AddCallbackGauge("opendfs_metad_pending_copies", queues,
                            counters(&ReplicationCounters::pending_copies));
  metrics_.AddCallbackGauge("opendfs_metad_pending_deletions", queues,
                            counters(&ReplicationCounters::pending_deletions));
  metrics_.AddCallbackGauge("opendfs_metad_recheck_queue", queues,
                            counters(&ReplicationCounters::recheck_queue));
  metrics_.AddCallbackCounter("opendfs_metad_copies_completed_total",
                              "Re-replication copies completed since this metad started", [this] {
                                std::lock_guard l(reg_mu_);
                                return static_cast<double>(
                                    blockds_->monitor().counters().copies_completed);
                              });
  for (BlockdState st : {BlockdState::kLive, BlockdState::kDead, BlockdState::kDecommissioning})
    metrics_.AddCallbackGauge(
        "opendfs_metad_blockds", "Registered blockds by state",
        [this, st] {
          std::lock_guard l(reg_mu_);
          double n = 0;
          for (const BlockdStatusRow& b : blockds_->registry().List(NowMs())) n += b.state == st;
          return n;
        },
        {{"state", std::string(BlockdStateName(st))}});
}

Status MetaServer::StartMetrics() {
  if (settings_.metrics_addr.empty()) return Status::Ok();
  AddStateMetrics();
  AddRegistryMetrics();
  std::map<std::string, HttpHandler> pages = {
      {"/status.json",
       [this] {
         return HttpResponse{200, "application/json; charset=utf-8",
                             StatusJson(GatherClusterView(), settings_.metrics_addr)};
       }},
      {"/", [this] { return StatusPageIndex(GatherClusterView(), settings_.metrics_addr); }}};
  for (auto& [path, response] : StatusPageAssets())
    pages[path] = [response = response] { return response; };
  ODFS_ASSIGN_OR_RETURN(http_server_,
                        StartMetricsServer(settings_.metrics_addr, metrics_, std::move(pages)));
  log_.Info("metad: metrics on http://{}/metrics, status page on http://{}/",
            settings_.metrics_addr, settings_.metrics_addr);
  return Status::Ok();
}

}  // namespace opendfs::metad
