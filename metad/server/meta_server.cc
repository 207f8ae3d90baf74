#include "metad/server/meta_server.h"

#include <malloc.h>
#include <time.h>

#include "libnet/cluster_key.h"
#include "metad/namespace/records.h"
#include "metad/store/recovery.h"

namespace opendfs::metad {

MetaServer::MetaServer(const MetadSettings& settings, Logger& log)
    : settings_(settings),
      log_(log),
      sessions_(settings.session_timeout_s * 1000),
      invalidations_(InvalidationOptions{}, log, [this] { return NowMs(); }),
      start_ns_(0) {
  // A random base in the high bits: a new leader never hands out an id that
  // a mount still uses from the previous one (locks belong to sessions).
  sessions_.SeedIds((std::random_device()() | (uint64_t{std::random_device()()} << 32)) << 16 | 1);
}

MetaServer::~MetaServer() { Stop(); }

int64_t MetaServer::NowNs() const {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

int64_t MetaServer::NowMs() const {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

Result<std::unique_ptr<MetaServer>> MetaServer::Open(const MetadSettings& settings,
                                                     Logger& log) {
  std::unique_ptr<MetaServer> s(new MetaServer(settings, log));
  if (!settings.cluster_key_file.empty()) {
    ODFS_ASSIGN_OR_RETURN(s->cluster_key_, LoadClusterKey(settings.cluster_key_file));
  }
  ODFS_ASSIGN_OR_RETURN(s->topology_, Topology::Parse(settings.topology));
  ODFS_ASSIGN_OR_RETURN(s->editlog_, store::RocksEditLog::Open(settings.editlog_dir));
  ODFS_ASSIGN_OR_RETURN(s->images_,
                        store::RocksFsImageStore::Open(settings.fsimage_dir, {}, log));
  ODFS_RETURN_IF_ERROR(s->Recover());

  BlockdManagerOptions bopts;
  bopts.registry.dn_timeout_ms = settings.dn_timeout_s * 1000;
  bopts.registry.heartbeat_interval_s = 3;
  // A blockd needs room for at least one block of the default size.
  bopts.placement.reserve_bytes = settings.default_blk_sz;
  bopts.monitor.max_copies_per_blockd = static_cast<uint32_t>(settings.replication_max_copies);
  s->blockds_ = std::make_unique<BlockdManager>(&s->topology_, s.get(), bopts);
  s->rng_ = std::make_unique<SplitMix64>(static_cast<uint64_t>(s->NowNs()));
  return s;
}

Status MetaServer::Recover() {
  ns_ = std::make_unique<Namespace>();
  store::RecoveryHooks hooks;
  hooks.load_image = [this](ImageSource& source) -> Status {
    if (images_->current_covered_index() == 0) return Status::Ok();  // fresh
    IndexingSource indexing(source, block_index_);
    ODFS_ASSIGN_OR_RETURN(ns_, Namespace::Load(indexing));
    return Status::Ok();
  };
  hooks.apply_record = [this](uint64_t index, std::string_view record) -> Status {
    ApplyResult r = ns_->ApplyBytes(record);
    block_index_.Update(r);
    // A record whose operation failed deterministically the first time fails
    // the same way now; only an unreadable record stops recovery.
    if (!r.status.ok() && r.status.code() == StatusCode::Invalid &&
        records::VerifyRecord(record) == nullptr)
      return Status(StatusCode::Internal,
                    fmt::format("editlog record {} in {} is not a valid EditRecord", index,
                                settings_.editlog_dir));
    return Status::Ok();
  };
  ODFS_ASSIGN_OR_RETURN(store::RecoveryResult rec,
                        store::Recover(*images_, *editlog_, hooks, log_));
  applied_index_ = rec.last_applied_index;
  next_inode_ = ns_->max_inode_id() + 1;
  next_block_ = ns_->max_block_id() + 1;
  // Loading left freed buffers (image pages, replayed records) in the heap:
  // give them back, the steady state is much smaller than the peak.
  malloc_trim(0);
  log_.Info("metad: recovered image_index={} replayed={} applied_index={} inodes={}",
            rec.image_covered_index, rec.replayed_records, rec.last_applied_index,
            ns_->inode_count());

  checkpointer_ = std::make_unique<store::Checkpointer>(
      *images_, *editlog_, static_cast<uint64_t>(settings_.checkpoint_num),
      rec.image_covered_index,
      [this](ImageSink& sink) {
        std::shared_lock lock(ns_mu_);
        return ns_->Save(sink);
      },
      log_);
  // Images are written off the commit path (checkpointer.h).
  checkpointer_->StartBackground();

  store::GroupCommitterHooks ch;
  ch.apply = [this](uint64_t index, std::string_view record) -> Status {
    std::unique_lock lock(ns_mu_);
    last_apply_ = ns_->ApplyBytes(record);
    block_index_.Update(last_apply_);
    applied_index_ = index;
    return last_apply_.status;
  };
  ch.after_batch = [this](uint64_t last_index) {
    ObserveBatch(last_index);
    Status s = checkpointer_->MaybeCheckpoint(last_index);
    if (!s.ok()) log_.Error("metad: checkpoint at index {} failed: {}", last_index, s.ToString());
  };
  if (settings_.ot_paxos.size() > 1) return OpenReplication(ch);
  store::GroupCommitterOptions co;
  co.queue_records_max = static_cast<size_t>(settings_.max_tqueue_len) * 8;
  committer_ = std::make_unique<store::GroupCommitter>(*editlog_, ch, co, log_);
  return Status::Ok();
}

Status MetaServer::Start() {
  ServerOptions cli;
  cli.bind = settings_.bind_for_cli;
  cli.workers = static_cast<int>(settings_.workers);
  cli.max_connections = static_cast<size_t>(settings_.connections);
  cli.max_queue_len = static_cast<size_t>(settings_.max_tqueue_len);
  cli.recv_buff_len = settings_.recv_buff_len;
  cli.send_buff_len = settings_.send_buff_len;
  cli.name = "metad-cli";
  cli.request_metrics = &cli_metrics_;
  cli_server_ = std::make_unique<Server>(cli, log_);
  RegisterClientHandlers();
  RegisterBlockHandlers();
  RegisterAdminHandlers();
  RegisterLockHandlers();
  RegisterEventHandlers();

  ServerOptions dn = cli;
  dn.bind = settings_.bind_for_dn;
  dn.workers = 1;
  dn.name = "metad-dn";
  dn.limits.max_payload_len = 64u << 20;  // full block reports
  // Only blockds holding the cluster key may register and report.
  dn.peer_auth.key = cluster_key_;
  dn.peer_auth.role = fb::PeerRole::Metad;
  dn.peer_auth.mode = PeerAuthOptions::Mode::kRequire;
  dn.peer_auth.accept_roles = {fb::PeerRole::Blockd};
  dn_server_ = std::make_unique<Server>(dn, log_);
  RegisterBlockdHandlers();

  ODFS_RETURN_IF_ERROR(StartMetrics());
  ODFS_RETURN_IF_ERROR(cli_server_->Start());
  ODFS_RETURN_IF_ERROR(dn_server_->Start());
  if (replicator_) ODFS_RETURN_IF_ERROR(replicator_->Start());
  serving_since_ms_ = NowMs();  // one metad serves from now on (a group: on_serving)
  invalidations_.Start();
  tick_thread_ = std::thread([this] { TickLoop(); });
  log_.Info("metad: serving clients={} blockds={} editlog={} fsimage={}",
            cli_server_->bound().ToString(), dn_server_->bound().ToString(),
            settings_.editlog_dir, settings_.fsimage_dir);
  return Status::Ok();
}

void MetaServer::Stop() {
  {
    std::lock_guard lock(tick_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  tick_cv_.notify_all();
  if (tick_thread_.joinable()) tick_thread_.join();
  invalidations_.Stop();
  http_server_.reset();
  if (cli_server_) cli_server_->Stop();
  if (dn_server_) dn_server_->Stop();
  if (committer_) committer_->Shutdown();
  if (replicator_) replicator_->Shutdown();
}

void MetaServer::CommitNewInode(const MakeRecordFn& make, Responder* responder,
                                const fb::Caller* caller, std::vector<CacheEvent> events,
                                AppliedFn on_applied) {
  std::lock_guard order(order_mu_);
  CommitNotifying(make(next_inode_.fetch_add(1)), responder, caller, std::move(events),
                  std::move(on_applied));
}

void MetaServer::CommitNewBlock(
    const MakeRecordFn& make, Responder* responder,
    std::function<void(BlockId id, const ApplyResult&, Responder&)> on_applied) {
  std::lock_guard order(order_mu_);
  const BlockId id = next_block_.fetch_add(1);
  Commit(make(id), responder,
         [id, on_applied = std::move(on_applied)](const ApplyResult& r, Responder& out) {
           on_applied(id, r, out);
         });
}

void MetaServer::Commit(std::string record, Responder* responder, AppliedFn on_applied) {
  auto resp = std::make_shared<Responder>(std::move(*responder));
  Status s = SubmitRecord(
      std::move(record), [this, resp, on_applied = std::move(on_applied)](const store::Committed& c) {
        if (c.index == 0) {  // never reached the log
          if (c.status.code() == StatusCode::NotLeader)
            return resp->Fail(c.status, LeaderCliAddress());
          resp->Fail(c.status);
          return;
        }
        // Runs on the committer thread right after apply, before the next
        // record: last_apply_ is this record's result.
        const ApplyResult& r = last_apply_;
        AfterApply(r);
        if (!r.status.ok()) {
          resp->Fail(r.status);
          return;
        }
        on_applied(r, *resp);
      });
  if (s.code() == StatusCode::NotLeader) {
    resp->Fail(Status(StatusCode::NotLeader, "not the leader"), LeaderCliAddress());
  } else if (!s.ok()) {
    resp->Fail(s);
  }
}

void MetaServer::CommitNotifying(std::string record, Responder* responder,
                                 const fb::Caller* caller, std::vector<CacheEvent> events,
                                 AppliedFn on_applied) {
  const uint64_t from = SessionOf(caller);
  Commit(std::move(record), responder,
         [this, from, events = std::move(events), on_applied = std::move(on_applied)](
             const ApplyResult& r, Responder& out) mutable {
           ReplyAfterEvents(from, r, std::move(events), out, std::move(on_applied));
         });
}

void MetaServer::ReplyAfterEvents(uint64_t from, const ApplyResult& r,
                                  std::vector<CacheEvent> events, Responder& out,
                                  AppliedFn reply) {
  if (r.replayed) return reply(r, out);  // nothing changed this time
  // On the committer thread before the next record is applied, so interest
  // and events are ordered with every other mutation.
  for (const CacheEvent& e : events)
    if (e.kind == CacheEvent::Kind::kEntry) invalidations_.Note(from, e.parent);
  if (r.attr.ino != 0) {
    invalidations_.Note(from, r.attr.ino);
    events.push_back(CacheEvent::Inode(r.attr.ino));
  }
  auto result = std::make_shared<ApplyResult>(r);
  auto resp = std::make_shared<Responder>(std::move(out));
  invalidations_.Publish(from, events, [result, resp, reply = std::move(reply)] {
    reply(*result, *resp);
  });
}

void MetaServer::AfterApply(const ApplyResult& r) {
  if (r.freed_blocks.empty()) return;
  std::lock_guard lock(reg_mu_);
  for (BlockId b : r.freed_blocks) blockds_->InvalidateBlock(b);
}

std::optional<uint64_t> MetaServer::CommittedVersion(BlockId block) const {
  // Called with reg_mu_ held (lock order: reg_mu_ then ns_mu_).
  std::shared_lock l(ns_mu_);
  std::optional<BlockRef> ref = block_index_.Find(block);
  if (!ref) return std::nullopt;
  const BlockInfo* b = ns_->BlockAt(ref->inode, ref->index);
  if (b == nullptr || b->id != block) return std::nullopt;
  // While a write is open the version it started from is the trusted one
  // (0 for a block the write creates).
  const BlockWrite* w = ns_->WriteOf(block);
  if (w != nullptr && w->open) return w->from_version;
  return b->version;
}

uint8_t MetaServer::ReplicationGoal(BlockId block) const {
  // Called with reg_mu_ held, like CommittedVersion.
  std::shared_lock l(ns_mu_);
  const BlockWrite* w = ns_->WriteOf(block);
  if (w != nullptr && w->open) return 0;  // replicas not final yet
  std::optional<BlockRef> ref = block_index_.Find(block);
  if (!ref) return 0;
  Result<Attr> a = ns_->GetAttr(ref->inode);
  if (!a.ok() || a->replication == 0) return static_cast<uint8_t>(settings_.default_blk_rep);
  return a->replication;
}

uint8_t MetaServer::NewFileGoal(InodeId parent, uint32_t requested) const {
  if (requested != 0) return static_cast<uint8_t>(requested);
  {
    std::shared_lock l(ns_mu_);
    Result<Attr> a = ns_->GetAttr(parent);
    if (a.ok() && a->replication != 0) return a->replication;
  }
  return static_cast<uint8_t>(settings_.default_blk_rep);
}

std::vector<BlockInfo> MetaServer::BlocksOf(InodeId ino) const {
  std::vector<BlockInfo> out;
  std::shared_lock l(ns_mu_);
  for (uint32_t first = 0;;) {
    Result<FileBlocks> b = ns_->GetBlocks(ino, first, kMaxBlocksPerLookup);
    if (!b.ok() || b->blocks.empty()) break;
    out.insert(out.end(), b->blocks.begin(), b->blocks.end());
    first += static_cast<uint32_t>(b->blocks.size());
    if (first >= b->block_count) break;
  }
  return out;
}

void MetaServer::PurgeIfOrphan(InodeId inode) {
  {
    std::shared_lock l(ns_mu_);
    Result<Attr> a = ns_->GetAttr(inode);
    if (!a.ok() || a->nlink != 0) return;
  }
  if (replicated() && !replicator_->serving()) return;  // the leader purges
  Status s = SubmitRecord(records::Purge(inode), [this, inode](const store::Committed& c) {
    if (c.index != 0 && last_apply_.status.ok()) {
      AfterApply(last_apply_);
      log_.Debug("metad: purged orphan inode={}", inode);
    }
  });
  if (!s.ok()) log_.Warn("metad: purge of orphan inode={} not queued: {}", inode, s.ToString());
}

void MetaServer::MonitorReplication(int64_t now_ms) {
  constexpr size_t kMaxCommandsPerTick = 1000;
  const BlockdRegistry& reg = blockds_->registry();
  auto addr = [&](BlockdId id) {
    const BlockdInfo* b = reg.Find(id);
    return b ? b->address : std::string("?");
  };
  for (const ReplicationAction& a : blockds_->MonitorReplication(now_ms, kMaxCommandsPerTick, *rng_)) {
    const char* why = a.reason == ReplicationAction::Reason::kUnderReplicated ? "under-replicated"
                      : a.reason == ReplicationAction::Reason::kOverReplicated ? "over-replicated"
                                                                                : "corrupt";
    if (a.kind == ReplicationAction::Kind::kCopy)
      log_.Info("metad: replicate block={} version={} ({}) from {} to {}", a.block, a.version, why,
                addr(a.blockd), addr(a.target));
    else
      log_.Info("metad: delete replica block={} version={} ({}) on {}", a.block, a.version, why,
                addr(a.blockd));
  }
}

void MetaServer::TickLoop() {
  std::unique_lock lock(tick_mu_);
  while (!stopping_) {
    tick_cv_.wait_for(lock, std::chrono::milliseconds(500));
    if (stopping_) break;
    lock.unlock();
    int64_t now = NowMs();
    {
      std::lock_guard rl(reg_mu_);
      TickOutcome t = blockds_->Tick(now);
      for (BlockdId id : t.died) {
        const BlockdInfo* b = blockds_->registry().Find(id);
        log_.Warn("metad: blockd {} ({}) declared dead after {} s without heartbeat; {} blocks "
                  "lost a replica",
                  id, b ? b->address : "?", settings_.dn_timeout_s, t.lost_replica.size());
      }
      if (!replicated() || replicator_->serving()) {
        if (decom_epoch_ != lead_epoch_.load()) {
          decom_epoch_ = lead_epoch_.load();
          SyncDecommissioning();
        }
        MonitorReplication(now);
      }
    }
    for (InodeId inode : sessions_.Expire(now)) PurgeIfOrphan(inode);
    invalidations_.Prune([&](uint64_t session) { return sessions_.Alive(session, now); });
    // A leader whose lease lapsed sends its mounts away at once: the next
    // leader knows nothing of their caches, so they drop them.
    if (replicated() && !replicator_->lease_held())
      invalidations_.Forget(Status(StatusCode::NotLeader, "not the leader"));
    ExpireLocks(now);
    SettleOrphanedWrites(now);
    lock.lock();
  }
}

}  // namespace opendfs::metad
