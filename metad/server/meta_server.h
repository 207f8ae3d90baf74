// MetaServer: one opendfs-metad — the namespace, its editlog and fsimage, the
// blockd registry, client sessions, and the two RPC servers (clients on
// bind_for_cli, blockds on bind_for_dn).
//
// Happy path of a mutation (DESIGN §3): a client handler (loop thread) checks
// the request, builds one deterministic editlog record (fresh ids, the time,
// the caller) and submits it to the GroupCommitter; the committer's thread
// makes a batch of records durable with one RocksDB sync, applies each to the
// namespace and calls its completion, which replies. Reads are answered on the
// loop thread under a shared lock. With one metad the GroupCommitter commits
// alone; with several (ot_paxos) the Replicator (metad/replication) commits
// each batch through Multi-Paxos and every member applies it; followers
// answer client calls with NotLeader + the leader's client address.
//
// Failure modes: a disk error in the editlog fails the committer: every later
// mutation fails with that Status (restart to recover); bad requests get the
// errno-exact Status the namespace returns; blockds and clients that vanish
// are cleaned up by leases (Tick).
//
// Lock order: reg_mu_ before ns_mu_; never take reg_mu_ while holding ns_mu_
// (the committer's apply holds ns_mu_ only; registry updates happen in the
// completion, after apply released it). Sessions has its own lock, taken last.
#pragma once

#include <atomic>
#include <map>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <utility>

#include "libnet/http_server.h"
#include "libnet/metrics.h"
#include "libnet/request_metrics.h"
#include "libnet/log.h"
#include "libnet/server.h"
#include "libnet/status.h"
#include "meta_generated.h"
#include "metad/namespace/namespace.h"
#include "metad/locks/lock_table.h"
#include "metad/namespace/records.h"
#include "metad/registry/blockd_manager.h"
#include "metad/registry/random_source.h"
#include "metad/registry/topology.h"
#include "metad/replication/replicator.h"
#include "metad/server/block_index.h"
#include "metad/server/cluster_view.h"
#include "metad/server/invalidations.h"
#include "metad/server/sessions.h"
#include "metad/server/settings.h"
#include "metad/server/write_retry.h"
#include "metad/store/checkpointer.h"
#include "metad/store/group_committer.h"
#include "metad/store/rocks_edit_log.h"
#include "metad/store/rocks_fs_image_store.h"

namespace opendfs::metad {

class MetaServer : public BlockCatalog {
 public:
  // Opens the stores and recovers the namespace (newest fsimage + editlog).
  static Result<std::unique_ptr<MetaServer>> Open(const MetadSettings& settings, Logger& log);
  ~MetaServer() override;

  // Binds both servers and starts the tick thread.
  Status Start();
  void Stop();

  Endpoint client_endpoint() const { return cli_server_->bound(); }
  Endpoint blockd_endpoint() const { return dn_server_->bound(); }

  // BlockCatalog: the committed version of a block, or nullopt.
  std::optional<uint64_t> CommittedVersion(BlockId block) const override;
  // BlockCatalog: the owning file's goal; 0 while a write of the block is open.
  uint8_t ReplicationGoal(BlockId block) const override;
  // BlockCatalog: judged against the namespace's block write state
  // (metad/namespace/block_write.h); reg_mu_ held.
  ReplicaVerdict Judge(BlockId block, uint64_t version, BlockdId blockd) const override;
  std::vector<BlockdId> StaleBlockds(BlockId block) const override;

 private:
  MetaServer(const MetadSettings& settings, Logger& log);
  Status Recover();

  // ---- plumbing (meta_server.cc) ----
  // Submits a record; `reply` runs on the committer thread with the apply
  // result (namespace lock released) or with the failure.
  using AppliedFn = std::function<void(const ApplyResult&, Responder&)>;
  void Commit(std::string record, Responder* responder, AppliedFn on_applied);
  // `record` tagged with the caller's (client_id, request_id) so that a retry
  // is answered from the request table (exactly-once; request_table.h).
  static std::string Tagged(const fb::Caller* caller, std::string record);
  // Commit() of a mutation other mounts may have cached: once applied,
  // `events` (plus the inode the result names) go to every other mount
  // session interested in them, and the reply waits until they applied them
  // (invalidations.h) — a change is seen by every mount when it returns.
  void CommitNotifying(std::string record, Responder* responder, const fb::Caller* caller,
                       std::vector<CacheEvent> events, AppliedFn on_applied);
  // The tail of CommitNotifying() for a handler whose apply step has
  // follow-ups that must not wait (CommitBlock unlocks the block first):
  // publishes `events` plus r's inode to the other interested sessions, then
  // `reply`s once they applied them (or the bound passed).
  void ReplyAfterEvents(uint64_t from, const ApplyResult& r, std::vector<CacheEvent> events,
                        Responder& out, AppliedFn reply);
  // The caller's mount may cache inodes `a` and `b` (0 = none) from now on;
  // read handlers call it under ns_mu_, so no later mutation misses it.
  void NoteCached(const fb::Caller* caller, uint64_t a, uint64_t b = 0) {
    invalidations_.Note(SessionOf(caller), a);
    invalidations_.Note(SessionOf(caller), b);
  }
  // A mount's session (0 for the CLI and callers without one).
  static uint64_t SessionOf(const fb::Caller* caller) {
    return caller != nullptr ? caller->session() : 0;
  }
  // After apply: registry follow-ups (deleting freed blocks).
  void AfterApply(const ApplyResult& result);
  void TickLoop();
  // One round of the replication monitor (serving leader; reg_mu_ held).
  void MonitorReplication(int64_t now_ms);
  void PurgeIfOrphan(InodeId inode);
  // Every block of file `ino` (none for other inodes); takes ns_mu_.
  std::vector<BlockInfo> BlocksOf(InodeId ino) const;
  // The goal of a file created in `parent`: `requested` when non-zero, else
  // the directory's goal, else default_blk_rep.
  uint8_t NewFileGoal(InodeId parent, uint32_t requested) const;
  int64_t NowNs() const;
  int64_t NowMs() const;  // monotonic
  // Commit() of a record carrying a fresh inode (block) id: `make` gets the
  // id and builds the record. Records must reach the log in id order (the
  // namespace refuses an id at or below one already applied), so the id is
  // taken and the record queued under order_mu_, in this one scope.
  using MakeRecordFn = std::function<std::string(uint64_t id)>;
  // CommitNotifying() as well: a new inode changes its parent's listing.
  void CommitNewInode(const MakeRecordFn& make, Responder* responder, const fb::Caller* caller,
                      std::vector<CacheEvent> events, AppliedFn on_applied);
  void CommitNewBlock(const MakeRecordFn& make, Responder* responder,
                      std::function<void(BlockId id, const ApplyResult&, Responder&)> on_applied);

  // ---- settling writes and stale replicas (settle.cc) ----
  // Leader, each tick: settles every open write whose lock is gone (its
  // writer died or its session expired), once this leader has served for a
  // session lease (a writer of the previous leader may still commit).
  void SettleOrphanedWrites(int64_t now_ms);
  // Leader, after a blockd's report: stale replicas it no longer holds are
  // forgotten (EditForgetStaleReplica) so that it may take good copies. A
  // full report checks every stale entry naming it; an incremental one the
  // blocks it reported removed.
  void ForgetGoneStaleReplicas(BlockdId blockd, std::span<const BlockId> removed,
                               bool full_report);
  // After a commit or settle of `block` was applied: judge its replicas again.
  void RevalidateReplicas(BlockId block);
  bool serving_leader() const { return !replicated() || replicator_->serving(); }

  // ---- replication (replication.cc) ----
  bool replicated() const { return replicator_ != nullptr; }
  // Builds the Replicator when ot_paxos names more than one metad.
  Status OpenReplication(const store::GroupCommitterHooks& hooks);
  // Queues a record with the committer (one metad) or the Replicator.
  Status SubmitRecord(std::string record, store::GroupCommitter::DoneFn done);
  // A follower behind the leader's kept Paxos log: replace the namespace with
  // the leader's image (framed pairs) covering editlog index `log_index`.
  Status InstallImage(uint64_t log_index, std::string_view image);
  // The client address ("host:port") of paxos node `id`, "" when unknown.
  std::string CliAddressOf(paxos::NodeId id) const;
  std::string LeaderCliAddress() const;
  // Registers client handlers that only the serving leader runs, and only
  // while its read lease holds: any other member answers NotLeader with the
  // leader's client address; a leader whose lease lapsed (cut off from the
  // other metads, about to step down) answers NotLeader without one, so the
  // client tries the other metads and its state is never read stale.
  struct LeaderOnly {
    MetaServer* self;
    Server& server;
    template <class Req>
    void Handle(uint16_t type, Handler h) {
      server.Handle<Req>(type, [self = self, h = std::move(h)](Request&& req, Responder&& resp) {
        if (self->replicated() && !self->replicator_->lease_held())
          return resp.Fail(Status(StatusCode::NotLeader, "not the leader"),
                           self->replicator_->serving() ? "" : self->LeaderCliAddress());
        h(std::move(req), std::move(resp));
      });
    }
  };
  void ReplyClusterStatus(Responder& resp);

  // ---- client handlers (client_handlers.cc, block_handlers.cc) ----
  void RegisterClientHandlers();
  // The current attributes when `a` (mode/uid/gid only) by root would change
  // nothing but ctime; nullopt when it must be committed.
  std::optional<Attr> UnchangedByRoot(const Cred& cred, const records::SetAttrArgs& a);
  void RegisterBlockHandlers();
  void RegisterBlockdHandlers();  // blockd_handlers.cc
  void RegisterAdminHandlers();   // admin_handlers.cc
  void RegisterLockHandlers();    // lock_handlers.cc
  void RegisterEventHandlers();   // event_handlers.cc: AwaitEvents
  // Leader, each tick: frees the locks of sessions that expired.
  void ExpireLocks(int64_t now_ms);
  // True during the grace period after this metad became the serving
  // leader: only re-asserted locks are granted (lock_handlers.cc).
  bool InLockGrace(int64_t now_ms) const;
  // On becoming the serving leader: forgets sessions and locks of an
  // earlier leadership of this metad, so that mounts re-assert here.
  void StartLockGrace();
  // The live (or draining) blockd serving `address`, or kNoBlockd; reg_mu_ held.
  BlockdId BlockdAt(std::string_view address) const;
  // Makes the registry's decommissioning match the logged state (new
  // leadership, registrations); reg_mu_ held.
  void SyncDecommissioning();

  const MetadSettings settings_;
  Logger& log_;

  std::unique_ptr<store::RocksEditLog> editlog_;
  std::unique_ptr<store::RocksFsImageStore> images_;
  std::unique_ptr<store::Checkpointer> checkpointer_;
  std::unique_ptr<store::GroupCommitter> committer_;      // one metad
  std::unique_ptr<replication::Replicator> replicator_;  // a Paxos group

  mutable std::shared_mutex ns_mu_;
  std::unique_ptr<Namespace> ns_;  // GUARDED_BY(ns_mu_)
  BlockIndex block_index_;         // GUARDED_BY(ns_mu_)
  // The result of the record just applied; committer thread only.
  ApplyResult last_apply_;
  std::atomic<uint64_t> applied_index_{0};

  std::mutex order_mu_;  // see CommitNewInode()
  std::atomic<InodeId> next_inode_{2};
  std::atomic<BlockId> next_block_{1};

  Topology topology_;
  mutable std::mutex reg_mu_;
  std::unique_ptr<BlockdManager> blockds_;  // GUARDED_BY(reg_mu_)
  std::unique_ptr<RandomSource> rng_;       // GUARDED_BY(reg_mu_)
  // Leaderships served so far, and per blockd uuid the leadership it last
  // re-registered (full report) with.
  std::atomic<uint64_t> lead_epoch_{0};
  std::map<std::string, uint64_t> report_epoch_;  // GUARDED_BY(reg_mu_)
  // The leadership whose registry SyncDecommissioning last aligned.
  uint64_t decom_epoch_ = UINT64_MAX;  // GUARDED_BY(reg_mu_)

  Sessions sessions_;
  // Which inodes each mount caches, and the events owed to it (leader
  // memory, forgotten on a leader change: mounts then drop their caches).
  Invalidations invalidations_;
  // Cluster-wide flock/fcntl locks (leader memory, re-asserted after a
  // leader change); Sessions' own lock is taken under locks_mu_ (liveness
  // checks), never the other way round.
  mutable std::mutex locks_mu_;
  locks::LockTable lock_table_;  // GUARDED_BY(locks_mu_)
  // When this metad last became the serving leader (monotonic ms).
  std::atomic<int64_t> serving_since_ms_{0};
  std::set<BlockId> settling_;                             // GUARDED_BY(reg_mu_)
  std::set<std::pair<BlockId, std::string>> forgetting_;  // GUARDED_BY(reg_mu_)
  std::set<BlockId> settle_waiting_logged_;                // GUARDED_BY(reg_mu_)

  // GET /metrics (metrics.cc), GET / and /status.json (status_page.cc) on
  // metrics_addr; declared before the servers that fill them.
  MetricsRegistry metrics_;
  RequestMetrics cli_metrics_{metrics_, "opendfs_metad", MetaMethodName};
  Histogram* batch_records_ = nullptr;  // records per committed batch
  std::atomic<uint64_t> last_batch_index_{0};
  std::unique_ptr<HttpServer> http_server_;
  Status StartMetrics();
  void AddStateMetrics();
  void AddRegistryMetrics();
  void ObserveBatch(uint64_t last_index);  // committer / driver thread
  static std::string MetaMethodName(uint16_t type);
  // The status of the cluster as this metad sees it (cluster_view.cc).
  ClusterView GatherClusterView();
  std::vector<MetadView> GatherMetads();

  std::unique_ptr<Server> cli_server_;
  std::unique_ptr<Server> dn_server_;
  std::shared_ptr<const ClusterKey> cluster_key_;  // null: no cluster_key_file

  std::mutex tick_mu_;
  std::condition_variable tick_cv_;
  bool stopping_ = false;  // GUARDED_BY(tick_mu_)
  std::thread tick_thread_;
  const int64_t start_ns_;

  // ---- WriteBlock (block_handlers.cc; the decision is write_grant.h's) ----
  struct WriteGrantCtx {
    InodeId ino = 0;
    uint32_t index = 0;
    uint64_t session = 0;
    uint32_t block_size = 0;
    uint32_t lease_ms = 0;
    std::string host;                   // the writer's host (placement)
    const fb::Caller* tag = nullptr;    // the record is tagged with its ids
  };
  void WriteBlock(const Request& req, Responder& resp);
  void GrantNewBlock(const WriteGrantCtx& ctx, uint8_t replication, Responder& resp);
  void GrantNextVersion(const WriteGrantCtx& ctx, const BlockInfo& existing, uint32_t new_version,
                        int64_t now_ms, Responder& resp);

  // ---- WriteBlock retried exactly-once (write_retry.h; block_handlers.cc) ----
  // Takes the write lock of `g` again for `session` and answers with it.
  void ReplyRetriedWrite(uint64_t session, InodeId ino, uint32_t index,
                         const RetriedWriteGrant& g, uint32_t block_size, uint32_t lease_ms,
                         Responder& out);
  // The same for a record that was applied as a retry: the grant is read
  // back from the namespace (the write an earlier attempt opened).
  void ReplyReplayedWrite(uint64_t session, InodeId ino, uint32_t index, uint32_t block_size,
                          uint32_t lease_ms, Responder& out);
  // WriteBlock with reassert_version: a live writer takes back, on its new
  // session after a leader change, the lock of its write open at `version`.
  void ReassertWrite(uint64_t session, InodeId ino, uint32_t index, const BlockInfo& existing,
                     const BlockWrite& write, uint64_t version, uint32_t block_size,
                     uint32_t lease_ms, Responder& out);
  // SessionExpired when the caller's session is unknown here (so its open
  // handles are too): see client_handlers.cc.
  Status OpenFilesKnown(const fb::Caller* caller);
};

}  // namespace opendfs::metad
