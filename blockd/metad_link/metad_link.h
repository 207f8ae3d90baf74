// MetadLink: this blockd's session with ONE metad (DESIGN §4: blockds report
// to every metad; MetadLinks below runs one link per ns_srv entry).
//
// Happy path, on the link's own thread: BlockdRegister (uuid, data address,
// rack hint, capacity) -> blockd_id; a FullBlockReport when the metad asks for
// one, then every block_report_interval; a BlockdHeartbeat every
// heartbeat_interval (capacity, used, connections, block count, bad blocks,
// copies in flight) whose reply may carry Delete / Copy commands, handed to
// the LinkHost; replica changes queued by ReplicaEvents are coalesced for
// ~100 ms and sent as one IncrementalBlockReport.
//
// Failure modes: a metad that does not answer (refused, timed out, reset, an
// error reply) is retried quietly with exponential backoff (0.5 s .. 10 s):
// one Warn line when it goes away, one Info line when it is back. Unsent
// incremental changes are kept and merged with newer ones. A reply with
// `reregister` (the metad restarted or declared us dead) makes the link
// register again and send a full report.
//
// Threads: one thread per link. Added/Removed/Corrupt (ReplicaEvents) from
// any thread; Start/RequestStop/Join from the owner. The Client and LinkHost
// must outlive the link.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "blockd/metad_link/pending_reports.h"
#include "blockd/service/replica_events.h"
#include "libnet/client.h"
#include "libnet/endpoint.h"
#include "libnet/log.h"
#include "registry_generated.h"

namespace opendfs::blockd {

struct DirStats {
  std::string path;
  uint64_t capacity_bytes = 0;
  uint64_t used_bytes = 0;
  uint64_t block_count = 0;
};

struct NodeStats {
  uint64_t capacity_bytes = 0;
  uint64_t used_bytes = 0;
  uint32_t active_connections = 0;
  uint64_t block_count = 0;
  uint32_t bad_blocks = 0;
  uint32_t inflight_copies = 0;
  std::vector<DirStats> dirs;
};

// What a link needs from the rest of the blockd. Called on link threads.
class LinkHost {
 public:
  virtual ~LinkHost() = default;
  virtual NodeStats Stats() = 0;
  // Every good (not corrupt) replica, for a full report.
  virtual std::vector<ReplicaState> ListReplicas() = 0;
  // Heartbeat commands; must only queue work, never block.
  virtual void CommandDelete(uint64_t block_id, uint64_t max_version) = 0;
  virtual void CommandCopy(uint64_t block_id, uint64_t version,
                           std::vector<std::string> targets) = 0;
};

struct LinkOptions {
  std::string uuid;
  std::string rack_hint;
  std::string software_version;
  std::chrono::milliseconds heartbeat_interval{3000};
  std::chrono::milliseconds block_report_interval{3600 * 1000};
  std::chrono::milliseconds report_coalesce{100};
  std::chrono::milliseconds call_timeout{5000};
  std::chrono::milliseconds backoff_min{500};
  std::chrono::milliseconds backoff_max{10000};
  size_t max_replicas_per_report_chunk = 65536;  // 24 B each: ~1.5 MiB frames
};

class MetadLink : public ReplicaEvents {
 public:
  MetadLink(Endpoint metad, LinkOptions options, Client& client, LinkHost& host,
            Logger& log);
  ~MetadLink() override;  // RequestStop + Join

  // `data_address` is the "host:port" clients use (the server's bound
  // address, known only once it listens).
  void Start(const std::string& data_address);
  void RequestStop();
  void Join();

  void Added(const ReplicaState& r) override { Push(ReplicaChange::kAdded, r); }
  void Removed(const ReplicaState& r) override { Push(ReplicaChange::kRemoved, r); }
  void Corrupt(const ReplicaState& r) override { Push(ReplicaChange::kCorrupt, r); }

  const Endpoint& metad() const { return metad_; }
  bool registered() const;
  uint32_t blockd_id() const;

 private:
  using Clock = std::chrono::steady_clock;

  void Push(ReplicaChange change, const ReplicaState& r);
  void Run();
  void Register();
  void Heartbeat();
  void SendFullReport();
  void SendIncremental();
  void OnFailure(const char* what, const Status& st);
  void OnSuccess();
  // Runs the commands of a heartbeat reply.
  void Execute(const fb::BlockdHeartbeatReply& reply);

  const Endpoint metad_;
  LinkOptions options_;
  std::string data_address_;  // set by Start
  Client& client_;
  LinkHost& host_;
  Logger& log_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;                 // GUARDED_BY(mu_)
  PendingReports pending_;            // GUARDED_BY(mu_)
  Clock::time_point pending_since_;   // GUARDED_BY(mu_)
  bool registered_ = false;           // GUARDED_BY(mu_)
  uint64_t wakeups_ = 0;              // GUARDED_BY(mu_); bumped by Push
  uint32_t blockd_id_ = 0;            // GUARDED_BY(mu_)

  // Link thread only.
  bool reachable_ = true;   // false after the first failure was logged
  bool ever_registered_ = false;
  bool full_report_due_ = false;
  std::chrono::milliseconds backoff_{0};
  Clock::time_point next_attempt_{};
  Clock::time_point next_heartbeat_{};
  Clock::time_point next_full_report_{};
  uint64_t report_id_ = 0;
  std::thread thread_;
};

// One MetadLink per metad; fans replica events out to all of them.
class MetadLinks : public ReplicaEvents {
 public:
  MetadLinks(const std::vector<Endpoint>& metads, const LinkOptions& options,
             Client& client, LinkHost& host, Logger& log);
  void Start(const std::string& data_address);
  void RequestStop();
  void Join();

  void Added(const ReplicaState& r) override;
  void Removed(const ReplicaState& r) override;
  void Corrupt(const ReplicaState& r) override;

  const std::vector<std::unique_ptr<MetadLink>>& links() const { return links_; }

 private:
  std::vector<std::unique_ptr<MetadLink>> links_;
};

}  // namespace opendfs::blockd
