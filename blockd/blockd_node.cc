#include "blockd/blockd_node.h"

#include "blockd/metad_link/identity.h"
#include "libnet/cluster_key.h"

#include <fmt/ranges.h>

namespace opendfs::blockd {
namespace {

constexpr const char* kSoftwareVersion = "opendfs-blockd 0.1.0";
// Copies wait on the network; two at a time are plenty for re-replication.
constexpr int kCopyThreads = 2;
constexpr size_t kCopyQueueLen = 1024;

}  // namespace

Result<std::unique_ptr<BlockdNode>> BlockdNode::Start(const BlockdSettings& settings,
                                                      Logger& log, NodeOptions options) {
  std::unique_ptr<BlockdNode> node(new BlockdNode(settings, log));
  Status st = node->Init(options);
  if (!st.ok()) {
    node->Stop();
    return st;
  }
  return node;
}

Status BlockdNode::Init(const NodeOptions& options) {
  if (settings_.data_dirs.empty())
    return Status(StatusCode::Invalid, "blockd: no data_dir configured");
  // The key first: a blockd that cannot prove it must not touch its disks.
  std::shared_ptr<const ClusterKey> key;
  if (!settings_.cluster_key_file.empty()) {
    ODFS_ASSIGN_OR_RETURN(key, LoadClusterKey(settings_.cluster_key_file));
  }
  disk::StoreOptions so;
  so.data_dirs = settings_.data_dirs;
  ODFS_ASSIGN_OR_RETURN(store_, disk::BlockStore::Open(so, log_));
  ODFS_ASSIGN_OR_RETURN(uuid_, LoadOrCreateUuid(settings_.data_dirs.front()));

  // The disk queue never needs to be longer than the server's own limit on
  // unanswered requests, plus room for metad commands.
  disk_pool_ = std::make_unique<WorkPool>("disk", settings_.disk_threads,
                                          settings_.max_tqueue_len + 1024);
  copy_pool_ = std::make_unique<WorkPool>("copy", kCopyThreads, kCopyQueueLen);

  ClientOptions co;
  co.name = "blockd-client";
  co.recv_buff_len = settings_.recv_buff_len;
  co.send_buff_len = settings_.send_buff_len;
  // Every connection this client opens goes to a metad or another blockd.
  co.peer_auth.key = key;
  co.peer_auth.role = fb::PeerRole::Blockd;
  client_ = std::make_unique<Client>(co, log_);

  ServerOptions opts;
  opts.bind = settings_.bind_for_cli;
  opts.workers = settings_.workers;
  opts.max_connections = settings_.connections;
  opts.max_queue_len = settings_.max_tqueue_len;
  opts.recv_buff_len = settings_.recv_buff_len;
  opts.send_buff_len = settings_.send_buff_len;
  opts.name = "blockd";
  opts.request_metrics = metrics_.requests();
  // Mounts and other blockds share this listener: a blockd copying a block
  // here proves the key (peer_role Blockd); mounts are clients (issue 15 §2).
  opts.peer_auth.key = key;
  opts.peer_auth.role = fb::PeerRole::Blockd;
  opts.peer_auth.mode = PeerAuthOptions::Mode::kAllow;
  opts.peer_auth.accept_roles = {fb::PeerRole::Blockd};
  server_ = std::make_unique<Server>(opts, log_);

  // Links exist before the service (it reports through them) but start only
  // once the server is bound, because they announce its address.
  LinkOptions lo;
  lo.uuid = uuid_;
  lo.rack_hint = settings_.rack;
  lo.software_version = kSoftwareVersion;
  lo.heartbeat_interval = std::chrono::seconds(settings_.heartbeat_interval_s);
  lo.block_report_interval = std::chrono::seconds(settings_.block_report_interval_s);
  lo.backoff_min = options.link_backoff_min;
  lo.backoff_max = options.link_backoff_max;
  links_ = std::make_unique<MetadLinks>(settings_.ns_srv, lo, *client_, *this, log_);

  service_ = std::make_unique<BlockService>(*store_, *disk_pool_, *copy_pool_, *client_,
                                            *links_, log_);
  service_->copier().set_rate(settings_.copy_rate_bytes_per_s);
  service_->Register(*server_);
  // Before binding and registering: a bad metrics_addr leaves nothing behind.
  ODFS_RETURN_IF_ERROR(metrics_.Serve(settings_.metrics_addr, log_));
  ODFS_RETURN_IF_ERROR(server_->Start());
  links_->Start(server_->bound().ToString());

  if (settings_.scan_rate_bytes_per_s > 0) {
    disk::ScannerOptions sc;
    sc.bytes_per_s = settings_.scan_rate_bytes_per_s;
    sc.pass_interval_ms = options.scan_pass_interval_ms
                              ? options.scan_pass_interval_ms
                              : static_cast<uint64_t>(settings_.scan_interval_s) * 1000;
    scanner_ = std::make_unique<disk::Scanner>(
        *store_, sc,
        [this](uint64_t block_id, const Status& why) {
          Result<disk::BlockInfo> info = store_->Stat(block_id);
          log_.Warn("blockd: scanner found corrupt replica block={}: {}", block_id,
                    why.message());
          links_->Corrupt({block_id, info.ok() ? info->version : 0,
                           info.ok() ? info->length : 0});
        },
        log_);
    scanner_->Start();
  }
  metrics_.Watch(*store_, *service_, scanner_.get());
  log_.Info("blockd: serving on {} uuid={} data_dirs={} blocks={} workers={} disk_threads={} "
            "metads={}",
            server_->bound().ToString(), uuid_, fmt::join(settings_.data_dirs, ","),
            store_->block_count(), settings_.workers, settings_.disk_threads,
            settings_.ns_srv.size());
  return Status::Ok();
}

void BlockdNode::Stop() {
  if (stopped_) return;
  stopped_ = true;
  metrics_.Stop();  // scrapes read the parts stopped below
  if (service_) service_->BeginShutdown();
  if (links_) links_->RequestStop();
  // Stopping the client fails calls in flight to metads and copy targets at
  // once instead of waiting for their timeouts.
  if (client_) client_->Stop();
  if (links_) links_->Join();
  if (scanner_) scanner_->Stop();
  if (copy_pool_) copy_pool_->Stop();
  // Queued disk work still runs and answers (through the live server).
  if (disk_pool_) disk_pool_->Stop();
  if (server_) server_->Stop();
  if (store_) log_.Info("blockd: stopped (blocks={})", store_->block_count());
}

BlockdNode::~BlockdNode() { Stop(); }

NodeStats BlockdNode::Stats() {
  NodeStats s;
  for (const disk::DirUsage& d : store_->Usage()) {
    s.capacity_bytes += d.capacity_bytes;
    s.used_bytes += d.used_bytes;
    s.block_count += d.block_count;
    s.dirs.push_back({d.path, d.capacity_bytes, d.used_bytes, d.block_count});
  }
  s.active_connections = static_cast<uint32_t>(server_->stats().connections);
  s.bad_blocks = static_cast<uint32_t>(store_->corrupt_count());
  s.inflight_copies = service_->inflight_copies();
  return s;
}

std::vector<ReplicaState> BlockdNode::ListReplicas() {
  std::vector<ReplicaState> out;
  for (const disk::BlockInfo& b : store_->List())
    if (!b.corrupt) out.push_back({b.block_id, b.version, b.length});
  return out;
}

void BlockdNode::CommandDelete(uint64_t block_id, uint64_t max_version) {
  service_->CommandDelete(block_id, max_version);
}

void BlockdNode::CommandCopy(uint64_t block_id, uint64_t version,
                             std::vector<std::string> targets) {
  service_->CommandCopy(block_id, version, std::move(targets));
}

}  // namespace opendfs::blockd
