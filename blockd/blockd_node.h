// BlockdNode: one whole blockd in a process — the block store over the
// data dirs, the disk and copy pools, the libnet Server with the block
// service, the links to every metad and the background scanner. main() runs
// one; tests and benchmarks run several in-process.
//
// Happy path: Start(settings) opens the store (scanning the dirs), loads or
// creates the uuid, binds bind_for_cli and starts serving, then starts the
// metad links and the scanner. Stop() is the clean shutdown: new requests get
// ShuttingDown, the links and the scanner stop, queued disk work finishes and
// replies, the server closes, the threads are joined.
//
// Failure modes of Start: a data dir that cannot be created or scanned, a
// malformed uuid file, a bind error ("bind 127.0.0.1:8100: Address already in
// use") — all as Status, with nothing left running.
//
// Threads: Start/Stop from one owner thread; the accessors from any thread.
#pragma once

#include <memory>

#include "blockd/blockd_metrics.h"
#include "blockd/disk/block_store.h"
#include "blockd/disk/scanner.h"
#include "blockd/metad_link/metad_link.h"
#include "blockd/service/block_service.h"
#include "blockd/service/work_pool.h"
#include "blockd/settings.h"
#include "libnet/client.h"
#include "libnet/log.h"
#include "libnet/server.h"

namespace opendfs::blockd {

struct NodeOptions {
  // Scanner pause between passes; 0 = settings.scan_interval (tests shorten
  // it below a second).
  uint64_t scan_pass_interval_ms = 0;
  // Passed to MetadLink (tests shorten the backoff).
  std::chrono::milliseconds link_backoff_min{500};
  std::chrono::milliseconds link_backoff_max{10000};
};

class BlockdNode : public LinkHost {
 public:
  // `log` must outlive the node.
  static Result<std::unique_ptr<BlockdNode>> Start(const BlockdSettings& settings,
                                                   Logger& log, NodeOptions options = {});
  ~BlockdNode() override;  // Stop()
  BlockdNode(const BlockdNode&) = delete;
  BlockdNode& operator=(const BlockdNode&) = delete;

  void Stop();

  Endpoint bound() const { return server_->bound(); }
  const std::string& uuid() const { return uuid_; }
  disk::BlockStore& store() { return *store_; }
  disk::Scanner* scanner() { return scanner_.get(); }  // null when scan_rate = 0
  MetadLinks& links() { return *links_; }
  ServerStats server_stats() const { return server_->stats(); }
  BlockdMetrics& metrics() { return metrics_; }

  // LinkHost
  NodeStats Stats() override;
  std::vector<ReplicaState> ListReplicas() override;
  void CommandDelete(uint64_t block_id, uint64_t max_version) override;
  void CommandCopy(uint64_t block_id, uint64_t version,
                   std::vector<std::string> targets) override;

 private:
  BlockdNode(const BlockdSettings& settings, Logger& log)
      : settings_(settings), log_(log) {}
  Status Init(const NodeOptions& options);

  const BlockdSettings settings_;
  Logger& log_;
  std::string uuid_;
  std::unique_ptr<disk::BlockStore> store_;
  std::unique_ptr<WorkPool> disk_pool_;
  std::unique_ptr<WorkPool> copy_pool_;
  std::unique_ptr<Client> client_;
  std::unique_ptr<MetadLinks> links_;
  std::unique_ptr<BlockService> service_;
  BlockdMetrics metrics_;  // before server_, which fills its request series
  std::unique_ptr<Server> server_;
  std::unique_ptr<disk::Scanner> scanner_;
  bool stopped_ = false;
};

}  // namespace opendfs::blockd
