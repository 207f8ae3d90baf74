#include "metad/replication/replicator.h"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <time.h>

#include <cstdlib>
#include <future>
#include <variant>

#include "libnet/check.h"
#include "metad/replication/batch.h"
#include "metad/replication/paxos_wire.h"
#include "paxos_generated.h"

namespace opendfs::replication {
namespace {

constexpr uint16_t M(fb::PaxosMethod m) { return static_cast<uint16_t>(m); }
constexpr std::chrono::milliseconds kTick{5};
// How often the driver syncs the editlog records it appended unsynced.
constexpr int64_t kEditLogSyncMs = 20;
constexpr size_t kSnapshotChunkBytes = 4 << 20;
constexpr std::chrono::milliseconds kSnapshotChunkTimeout{30000};

Status NotLeader() { return Status(StatusCode::NotLeader, ""); }

// The address outgoing Paxos connections leave from: the bound one when it is
// a numeric, non-wildcard address, else "" (the kernel's choice).
std::string SourceHostFor(const Endpoint& bound) {
  unsigned char buf[sizeof(in6_addr)];
  const char* h = bound.host.c_str();
  if (inet_pton(AF_INET, h, buf) == 1) return bound.host == "0.0.0.0" ? "" : bound.host;
  if (inet_pton(AF_INET6, h, buf) == 1) return bound.host == "::" ? "" : bound.host;
  return "";
}

ReplicaStatus FromWire(const fb::PaxosStatusReply& r) {
  ReplicaStatus s;
  s.node = r.node();
  std::string role = r.role() ? r.role()->str() : "";
  s.role = role == "leader"      ? paxos::Role::kLeader
           : role == "candidate" ? paxos::Role::kCandidate
                                 : paxos::Role::kFollower;
  if (r.ballot()) s.ballot = paxos::Ballot{r.ballot()->round(), r.ballot()->node_id()};
  s.commit_index = r.commit_index();
  s.applied_index = r.applied_index();
  s.leader = r.leader();
  s.serving = r.serving();
  s.log_index = r.log_index();
  return s;
}

}  // namespace

Replicator::Replicator(store::EditLog& log, ReplicatorOptions options, ReplicatorHooks hooks,
                       Logger& logger)
    : log_(log),
      options_(std::move(options)),
      hooks_(std::move(hooks)),
      logger_(logger),
      trace_(CommitTrace::EnabledByEnv(), logger),
      inbox_(options_.inbox_messages_max, options_.inbox_bytes_max) {}

Replicator::~Replicator() { Shutdown(); }

int64_t Replicator::NowMs() const {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

Result<std::unique_ptr<Replicator>> Replicator::Open(store::EditLog& log,
                                                     ReplicatorOptions options,
                                                     ReplicatorHooks hooks, Logger& logger) {
  const size_t n = options.members.size();
  if (options.self_id == paxos::kNoNode || options.self_id > n)
    return Status(StatusCode::Invalid, "paxos: this node is not a member of ot_paxos");
  std::unique_ptr<Replicator> r(new Replicator(log, std::move(options), std::move(hooks), logger));
  const ReplicatorOptions& o = r->options_;
  for (const std::string& m : o.members) {
    ODFS_ASSIGN_OR_RETURN(Endpoint ep, Endpoint::Parse(m));
    r->peers_.push_back(ep);
  }
  paxos::Config config;
  config.self_id = o.self_id;
  for (size_t i = 1; i <= n; ++i) config.members.push_back(static_cast<paxos::NodeId>(i));
  config.heartbeat_interval_ms = o.heartbeat_interval_ms;
  config.election_timeout_ms = o.election_timeout_ms;
  config.lease_timeout_ms = o.lease_timeout_ms;
  config.max_clock_jump_ms = o.max_clock_jump_ms;
  if (const char* bad = config.Validate())
    return Status(StatusCode::Invalid, std::string("paxos config: ") + bad);

  ODFS_ASSIGN_OR_RETURN(r->store_, PaxosStore::Open(o.paxos_dir));
  ODFS_ASSIGN_OR_RETURN(PaxosDisk disk, r->store_->Load());
  paxos::PersistedState ps;
  ps.hard_state = disk.hard_state;
  ps.snapshot_index = disk.compacted;
  if (!disk.mark) {
    // A fresh store: whatever the editlog holds predates replication.
    r->mark_ = AppliedMark{disk.compacted, log.last_index()};
    ODFS_RETURN_IF_ERROR(r->store_->Save(std::nullopt, {}, r->mark_, true));
  } else {
    r->mark_ = *disk.mark;
    // Walk committed slots whose records already reached the EditLog (an
    // Append is atomic: a slot is all in or all out).
    std::map<paxos::Slot, const paxos::LogEntry*> by_slot;
    for (const paxos::LogEntry& e : disk.entries) by_slot[e.slot] = &e;
    for (paxos::Slot s = r->mark_.slot + 1;; ++s) {
      auto it = by_slot.find(s);
      if (it == by_slot.end()) break;
      uint64_t count = 0;
      if (!it->second->value.is_noop) {
        std::optional<Batch> b = DecodeBatch(it->second->value.bytes);
        if (!b) return Status(StatusCode::Corrupt, "paxos store: malformed batch in slot " +
                                                       std::to_string(s));
        count = b->records.size();
      }
      if (r->mark_.log_index + count > log.last_index()) break;
      if (count == 0 && s > disk.hard_state.commit_index) break;  // not known chosen
      r->mark_ = AppliedMark{s, r->mark_.log_index + count};
    }
  }
  r->durable_mark_ = r->mark_;
  ps.applied_index = std::max(r->mark_.slot, disk.compacted);
  ps.hard_state.commit_index = std::max(ps.hard_state.commit_index, ps.applied_index);
  ps.entries = std::move(disk.entries);
  r->compacted_ = disk.compacted;
  r->driver_ = paxos::ReadyDriver(ps.hard_state.promised);
  r->rng_ = std::make_unique<paxos::XorShiftRng>(static_cast<uint64_t>(r->NowMs()) * 7919 +
                                                 o.self_id);
  if (const char* bad = paxos::Node::Inconsistency(ps))
    return Status(StatusCode::Corrupt,
                  fmt::format("paxos store {}: {} (promised=({},{}) commit={} applied={} "
                              "compacted={} entries={})",
                              o.paxos_dir, bad, ps.hard_state.promised.round,
                              ps.hard_state.promised.node_id, ps.hard_state.commit_index,
                              ps.applied_index, disk.compacted, ps.entries.size()));
  r->node_ = std::make_unique<paxos::Node>(config, *r->rng_, r->NowMs(), ps);
  logger.Info("paxos: node {} of {} restored promised=({},{}) commit={} applied={} "
              "compacted={} log_index={}",
              o.self_id, n, ps.hard_state.promised.round, ps.hard_state.promised.node_id,
              ps.hard_state.commit_index, ps.applied_index, disk.compacted, r->mark_.log_index);
  r->PublishStatus();
  return r;
}

Status Replicator::Start() {
  ServerOptions so;
  so.bind = options_.bind;
  so.workers = 1;
  so.name = "metad-paxos";
  so.limits.max_payload_len = 64u << 20;
  so.peer_auth.key = options_.cluster_key;
  so.peer_auth.role = fb::PeerRole::MetadPaxos;
  so.peer_auth.mode = PeerAuthOptions::Mode::kRequire;
  so.peer_auth.accept_roles = {fb::PeerRole::MetadPaxos};
  server_ = std::make_unique<Server>(so, logger_);
  auto one_way = [this](uint16_t method) {
    return [this, method](Request&& req, Responder&& resp) {
      std::optional<paxos::Message> m =
          DecodeMessage(method, req.payload.data(), options_.self_id);
      flatbuffers::FlatBufferBuilder fbb(16);
      fbb.Finish(fb::CreatePaxosAck(fbb));
      resp.Reply(fbb);
      if (!m) {
        logger_.Warn("paxos: refused message type {} from {}: malformed (sender, ballot "
                     "round above 2^62 or unknown reason)", method, req.peer);
        return;
      }
      {
        std::lock_guard lock(mu_);
        if (!inbox_.Push(std::move(*m), req.payload.size())) return;  // full: counted
        if (trace_.enabled() && (method == M(fb::PaxosMethod::PaxosAccept) ||
                                 method == M(fb::PaxosMethod::PaxosAccepted)))
          arrivals_.emplace_back(method, CommitTrace::NowNs());
      }
      cv_.notify_one();
    };
  };
  using PM = fb::PaxosMethod;
  server_->Handle<fb::PaxosPrepare>(M(PM::PaxosPrepare), one_way(M(PM::PaxosPrepare)));
  server_->Handle<fb::PaxosPromise>(M(PM::PaxosPromise), one_way(M(PM::PaxosPromise)));
  server_->Handle<fb::PaxosAccept>(M(PM::PaxosAccept), one_way(M(PM::PaxosAccept)));
  server_->Handle<fb::PaxosAccepted>(M(PM::PaxosAccepted), one_way(M(PM::PaxosAccepted)));
  server_->Handle<fb::PaxosReject>(M(PM::PaxosReject), one_way(M(PM::PaxosReject)));
  server_->Handle<fb::PaxosHeartbeat>(M(PM::PaxosHeartbeat), one_way(M(PM::PaxosHeartbeat)));
  server_->Handle<fb::PaxosHeartbeatAck>(M(PM::PaxosHeartbeatAck),
                                         one_way(M(PM::PaxosHeartbeatAck)));
  server_->Handle<fb::PaxosCatchupRequest>(M(PM::PaxosCatchupRequest),
                                           one_way(M(PM::PaxosCatchupRequest)));
  server_->Handle<fb::PaxosCatchupReply>(M(PM::PaxosCatchupReply),
                                         one_way(M(PM::PaxosCatchupReply)));
  server_->Handle<fb::PaxosPreVote>(M(PM::PaxosPreVote), one_way(M(PM::PaxosPreVote)));
  server_->Handle<fb::PaxosPreVoteReply>(M(PM::PaxosPreVoteReply),
                                         one_way(M(PM::PaxosPreVoteReply)));
  server_->Handle<fb::PaxosInstallSnapshot>(
      M(PM::PaxosInstallSnapshot), [this](Request&& req, Responder&& resp) {
        const auto* chunk = req.As<fb::PaxosInstallSnapshot>();
        bool complete = false;
        uint64_t next = ReceiveChunk(*chunk, &complete);
        if (complete) cv_.notify_one();
        flatbuffers::FlatBufferBuilder fbb(64);
        fbb.Finish(fb::CreatePaxosInstallSnapshotReply(fbb, options_.self_id,
                                                       chunk->snapshot_index(), next, complete));
        resp.Reply(fbb);
      });
  server_->Handle<fb::PaxosStatusRequest>(
      M(PM::PaxosStatus), [this](Request&&, Responder&& resp) {
        ReplicaStatus s = status();
        flatbuffers::FlatBufferBuilder fbb(128);
        fb::PaxosBallot b(s.ballot.round, s.ballot.node_id);
        fbb.Finish(fb::CreatePaxosStatusReply(fbb, s.node, fbb.CreateString(paxos::RoleName(s.role)),
                                              &b, s.commit_index, s.applied_index, s.leader,
                                              s.serving, s.log_index));
        resp.Reply(fbb);
      });
  ODFS_RETURN_IF_ERROR(server_->Start());
  ClientOptions co;
  co.name = "metad-paxos-client";
  co.connect_timeout = std::chrono::milliseconds(500);
  co.limits.max_payload_len = 64u << 20;
  // Paxos traffic leaves from this member's own address: peers (and packet
  // filters) see who sends it.
  co.source_host = SourceHostFor(server_->bound());
  co.peer_auth.key = options_.cluster_key;
  co.peer_auth.role = fb::PeerRole::MetadPaxos;
  client_ = std::make_unique<Client>(co, logger_);
  thread_ = std::thread([this] { Loop(); });
  syncer_ = std::thread([this] { SyncLoop(); });
  logger_.Info("paxos: node {} serving peers on {}", options_.self_id,
               server_->bound().ToString());
  return Status::Ok();
}

void Replicator::Shutdown() {
  std::call_once(shutdown_once_, [this] {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    has_room_.notify_all();
    if (thread_.joinable()) thread_.join();
    {
      std::lock_guard lock(sync_mu_);
      sync_stop_ = true;
    }
    sync_cv_.notify_all();
    if (syncer_.joinable()) syncer_.join();
    SyncEditLog();  // the driver thread is gone: its state is ours now
    if (sender_.joinable()) sender_.join();
    if (server_) server_->Stop();
    if (client_) client_->Stop();
    trace_.MaybeFlush(true);
    Status s(StatusCode::ShuttingDown, "metad is shutting down");
    FailQueued(s);
    for (auto& [slot, p] : proposals_.TakeAll())
      for (DoneFn& d : p.dones) d(store::Committed{s, 0});
  });
}

Status Replicator::Submit(std::string record, DoneFn done) {
  ODFS_CHECK(done != nullptr);
  if (record.size() > options_.record_bytes_max)
    return Status(StatusCode::TooBig, "editlog record of " + std::to_string(record.size()) +
                                          " bytes is too large");
  std::unique_lock lock(mu_);
  for (;;) {
    if (stopping_) return Status(StatusCode::ShuttingDown, "metad is shutting down");
    if (!serving_.load()) return NotLeader();
    if (queue_.size() < options_.queue_records_max) break;
    has_room_.wait_for(lock, std::chrono::milliseconds(100));
  }
  queue_.push_back(Pending{std::move(record), std::move(done),
                          trace_.enabled() ? CommitTrace::NowNs() : 0});
  lock.unlock();
  cv_.notify_one();
  return Status::Ok();
}

paxos::NodeId Replicator::leader() const {
  std::lock_guard lock(status_mu_);
  return status_.leader;
}

ReplicaStatus Replicator::status() const {
  std::lock_guard lock(status_mu_);
  return status_;
}

void Replicator::PublishStatus() {
  ReplicaStatus s;
  s.node = options_.self_id;
  s.role = node_->role();
  s.ballot = node_->ballot();
  s.commit_index = node_->commit_index();
  s.applied_index = node_->applied_index();
  s.leader = node_->role() == paxos::Role::kLeader ? options_.self_id : node_->leader_hint();
  s.serving = serving_.load();
  s.log_index = log_.last_index();
  std::lock_guard lock(status_mu_);
  status_ = s;
}

std::vector<std::optional<ReplicaStatus>> Replicator::GroupStatus(
    std::chrono::milliseconds timeout) {
  std::vector<std::optional<ReplicaStatus>> out(peers_.size());
  std::vector<std::future<std::optional<ReplicaStatus>>> futures(peers_.size());
  for (size_t i = 0; i < peers_.size(); ++i) {
    if (i + 1 == options_.self_id) continue;
    auto p = std::make_shared<std::promise<std::optional<ReplicaStatus>>>();
    futures[i] = p->get_future();
    flatbuffers::FlatBufferBuilder fbb(16);
    fbb.Finish(fb::CreatePaxosStatusRequest(fbb));
    client_->CallAsync<fb::PaxosStatusReply>(
        peers_[i], M(fb::PaxosMethod::PaxosStatus), fbb, {}, timeout,
        [p](Result<Reply> r) {
          if (!r.ok()) return p->set_value(std::nullopt);
          p->set_value(FromWire(*r->As<fb::PaxosStatusReply>()));
        });
  }
  for (size_t i = 0; i < peers_.size(); ++i) {
    if (i + 1 == options_.self_id) {
      out[i] = status();
    } else {
      out[i] = futures[i].get();
    }
  }
  return out;
}

void Replicator::Loop() {
  std::vector<paxos::Message> inbox;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, kTick, [this] {
      return stopping_ || !inbox_.empty() || to_install_.has_value() ||
             (!queue_.empty() && serving_.load() &&
              in_flight_.load() < options_.max_batches_in_flight);
    });
    if (stopping_) break;
    const size_t dropped = inbox_.TakeAll(inbox);
    std::optional<Snapshot> install = std::move(to_install_);
    to_install_.reset();
    std::vector<std::pair<uint16_t, int64_t>> arrivals;
    arrivals.swap(arrivals_);
    lock.unlock();
    TraceArrivals(arrivals);
    if (dropped > 0)
      logger_.Warn("paxos: inbox full; dropped {} messages from peers (they are resent)", dropped);
    if (install) InstallShipped(std::move(*install));
    const int64_t now = NowMs();
    for (const paxos::Message& m : inbox) node_->Step(m, now);
    inbox.clear();
    node_->Tick(now);
    ProposeQueued();
    Drain();
    AdoptLogSync();
    if (now - last_log_sync_ms_ >= kEditLogSyncMs) {
      RequestLogSync();
      last_log_sync_ms_ = now;
    }
    trace_.MaybeFlush();
    UpdateServing(now);
    lease_expiry_ms_ = serving_.load() && node_->LeaseValid(now) ? node_->LeaseExpiryMs()
                                                                 : INT64_MIN;
    PublishStatus();
    lock.lock();
  }
}

void Replicator::ProposeQueued() {
  if (!serving_.load()) return;
  while (proposals_.size() < options_.max_batches_in_flight) {
    std::vector<std::string> records;
    std::vector<DoneFn> dones;
    std::vector<int64_t> submit_ns;
    {
      std::lock_guard lock(mu_);
      size_t bytes = 0;
      while (!queue_.empty() && records.size() < options_.batch_records_max &&
             (records.empty() || bytes + queue_.front().record.size() <= options_.batch_bytes_max)) {
        bytes += queue_.front().record.size();
        records.push_back(std::move(queue_.front().record));
        dones.push_back(std::move(queue_.front().done));
        if (trace_.enabled()) submit_ns.push_back(queue_.front().submit_ns);
        queue_.pop_front();
      }
    }
    if (records.empty()) return;
    has_room_.notify_all();
    const uint64_t seq = next_seq_++;
    paxos::ProposeResult r =
        node_->Propose(paxos::Value::Of(EncodeBatch(options_.self_id, seq, records)));
    if (r.status != paxos::ProposeStatus::kOk) {
      Status s = r.status == paxos::ProposeStatus::kBusy
                     ? Status(StatusCode::Busy, "paxos window full")
                     : NotLeader();
      for (DoneFn& d : dones) d(store::Committed{s, 0});
      return;
    }
    Proposal p{seq, std::move(dones), std::move(submit_ns)};
    if (trace_.enabled()) {
      p.pickup_ns = CommitTrace::NowNs();
      for (int64_t t : p.submit_ns) trace_.Record(CommitStage::kQueued, p.pickup_ns - t);
      trace_.Record(CommitStage::kBatchRecords, static_cast<int64_t>(p.dones.size()));
    }
    proposals_.Add(r.slot, std::move(p));
    in_flight_ = proposals_.size();
  }
}

// The shipped driver's side of paxos::ReadyDriver (the order of a Ready is
// decided there, and proven under the simulator).
class Replicator::DriverHost final : public paxos::ReadyHost {
 public:
  explicit DriverHost(Replicator& r) : r_(r) {}

  bool Persist(const std::optional<paxos::HardState>& hard_state,
               const std::vector<paxos::LogEntry>& entries, bool sync) override {
    const int64_t t0 = r_.trace_.enabled() ? CommitTrace::NowNs() : 0;
    Status s = r_.store_->Save(hard_state, entries, r_.durable_mark_, sync);
    if (!s.ok()) r_.Fatal(s, "persisting paxos state");
    if (r_.trace_.enabled() && sync && !entries.empty()) r_.TracePersisted(entries, t0);
    return true;
  }
  void Send(const paxos::Message& m) override {
    r_.Send(m);
    if (r_.trace_.enabled()) r_.TraceSent(m);
  }
  void Apply(const std::vector<paxos::LogEntry>& committed) override {
    r_.ApplyCommitted(committed);
  }
  void AfterApply() override { r_.FailLost(); }
  void ShipSnapshot(const paxos::SnapshotNeeded& sn) override { r_.ShipSnapshot(sn.peer); }
  void RoleChanged(const paxos::SoftState& ss) override {
    r_.logger_.Info("paxos: node {} is now {} (leader hint {}, ballot ({},{}))",
                    r_.options_.self_id, paxos::RoleName(ss.role), ss.leader_hint,
                    ss.ballot.round, ss.ballot.node_id);
  }

 private:
  Replicator& r_;
};

void Replicator::Drain() {
  DriverHost host(*this);
  while (node_->HasReady()) driver_.Drive(node_->TakeReady(), host);
}

void Replicator::ApplyCommitted(const std::vector<paxos::LogEntry>& committed) {
  std::vector<store::LogRecord> records;
  std::vector<std::optional<Batch>> batches;
  batches.reserve(committed.size());
  uint64_t next = log_.last_index() + 1;
  for (const paxos::LogEntry& e : committed) {
    if (e.value.is_noop) {
      batches.emplace_back(std::nullopt);
      continue;
    }
    std::optional<Batch> b = DecodeBatch(e.value.bytes);
    if (!b.has_value()) {
      // Chosen, so every member sees these same bytes and skips them alike:
      // applying nothing keeps the replicas identical; aborting would loop
      // (the slot is replayed at every restart).
      logger_.Error("paxos: slot {} holds a malformed batch ({} bytes); applied as a no-op",
                    e.slot, e.value.bytes.size());
      batches.emplace_back(std::nullopt);
      continue;
    }
    for (std::string_view r : b->records) records.push_back(store::LogRecord{next++, std::string(r)});
    batches.push_back(std::move(b));
  }
  // Apply and answer first, then append to the EditLog, unsynced: the batch
  // is durable already (accepted, synced, by a majority), so neither the
  // client nor the next batch waits for this metad's editlog fsync. The mark
  // persisted in the Paxos store is durable_mark_, which SyncEditLog()
  // advances only after an editlog sync, and the Paxos store keeps every
  // slot after it: a crash that loses an unsynced tail of the editlog
  // replays those slots from the Paxos store at restart (Open()).
  size_t ri = 0;
  for (size_t i = 0; i < committed.size(); ++i) {
    std::optional<Proposal> p = proposals_.TakeCommitted(committed[i].slot);
    const int64_t chosen_ns = trace_.enabled() ? CommitTrace::NowNs() : 0;
    const bool mine = p && batches[i] && batches[i]->proposer == options_.self_id &&
                      batches[i]->seq == p->seq;
    const size_t count = batches[i] ? batches[i]->records.size() : 0;
    for (size_t k = 0; k < count; ++k, ++ri) {
      const store::LogRecord& rec = records[ri];
      Status st = hooks_.apply ? hooks_.apply(rec.index, rec.bytes) : Status::Ok();
      if (mine) p->dones[k](store::Committed{std::move(st), rec.index});
    }
    if (p && !mine) {
      Status s(StatusCode::NotLeader, "");
      for (DoneFn& d : p->dones) d(store::Committed{s, 0});
    }
    if (mine && trace_.enabled()) TraceChosen(*p, chosen_ns);
  }
  in_flight_ = proposals_.size();
  if (!records.empty()) {
    Status s = log_.AppendUnsynced(records);
    if (!s.ok()) Fatal(s, "appending committed records to the editlog");
  }
  mark_ = AppliedMark{committed.back().slot, log_.last_index()};
  if (!records.empty() && hooks_.after_batch) {
    const int64_t t0 = trace_.enabled() ? CommitTrace::NowNs() : 0;
    hooks_.after_batch(records.back().index);
    trace_.Record(CommitStage::kAfterBatch, CommitTrace::NowNs() - t0);
  }
  const paxos::Slot applied = node_->applied_index();
  if (applied > compacted_ + options_.retain_slots + options_.retain_slots / 4 + 1) {
    const paxos::Slot through = applied - options_.retain_slots;
    SyncEditLog();  // slots up to `through` must be in the durable editlog
    node_->Compact(through);
    Status s = store_->Compact(through, durable_mark_);
    if (!s.ok()) Fatal(s, "compacting the paxos store");
    compacted_ = through;
  }
}

void Replicator::RequestLogSync() {
  if (durable_mark_ == mark_) return;
  {
    std::lock_guard lock(sync_mu_);
    if (sync_busy_) return;  // the next loop asks again
    sync_busy_ = true;
    sync_request_ = mark_;
  }
  sync_cv_.notify_one();
}

void Replicator::AdoptLogSync() {
  std::lock_guard lock(sync_mu_);
  // Only forward: a synchronous SyncEditLog or a snapshot install may have
  // moved durable_mark_ past what the syncer synced.
  if (synced_ && synced_->slot > durable_mark_.slot) durable_mark_ = *synced_;
  synced_.reset();
}

void Replicator::SyncLoop() {
  std::unique_lock lock(sync_mu_);
  for (;;) {
    sync_cv_.wait(lock, [&] { return sync_stop_ || sync_request_.has_value(); });
    if (sync_stop_) return;
    const AppliedMark mark = *sync_request_;
    sync_request_.reset();
    lock.unlock();
    // Every record up to `mark` was appended before the request: this sync
    // covers them.
    const int64_t t0 = trace_.enabled() ? CommitTrace::NowNs() : 0;
    Status s = log_.Sync();
    if (!s.ok()) Fatal(s, "syncing the editlog");
    trace_.Record(CommitStage::kEditLogSync, CommitTrace::NowNs() - t0);
    lock.lock();
    synced_ = mark;
    sync_busy_ = false;
  }
}

void Replicator::SyncEditLog() {
  if (durable_mark_ == mark_) return;
  Status s = log_.Sync();
  if (!s.ok()) Fatal(s, "syncing the editlog");
  durable_mark_ = mark_;
}

void Replicator::UpdateServing(int64_t now_ms) {
  const bool leader = node_->role() == paxos::Role::kLeader;
  // Start serving once the lease (hence the read barrier) holds and
  // everything committed is applied; keep serving while leader — a lease
  // blip under load must not bounce clients (the core steps an isolated
  // leader down after an election timeout).
  const bool want = leader && (serving_.load() || (node_->LeaseValid(now_ms) && !node_->HasReady() &&
                                                   node_->applied_index() == node_->commit_index()));
  if (want && !serving_.load()) {
    if (hooks_.on_serving) hooks_.on_serving();
    serving_ = true;
    logger_.Info("paxos: node {} serves as leader (ballot ({},{}), applied slot {})",
                 options_.self_id, node_->ballot().round, node_->ballot().node_id,
                 node_->applied_index());
  } else if (!want && serving_.load()) {
    serving_ = false;
    if (!leader) {
      logger_.Info("paxos: node {} stopped leading", options_.self_id);
      FailQueued(NotLeader());
    }
  }
}

void Replicator::FailLost() {
  std::vector<std::pair<paxos::Slot, Proposal>> lost = proposals_.TakeLost(*node_);
  if (lost.empty()) return;
  in_flight_ = proposals_.size();
  size_t records = 0;
  for (auto& [slot, p] : lost) records += p.dones.size();
  logger_.Info("paxos: node {} stopped leading with {} proposals open (slots {}..{}, {} records): "
               "answered NotLeader, their clients retry at the new leader",
               options_.self_id, lost.size(), lost.front().first, lost.back().first, records);
  const Status s = NotLeader();
  for (auto& [slot, p] : lost)
    for (DoneFn& d : p.dones) d(store::Committed{s, 0});
}

void Replicator::FailQueued(const Status& s) {
  std::deque<Pending> q;
  {
    std::lock_guard lock(mu_);
    q.swap(queue_);
  }
  has_room_.notify_all();
  for (Pending& p : q) p.done(store::Committed{s, 0});
}

void Replicator::Send(const paxos::Message& m) {
  if (m.to == paxos::kNoNode || m.to > peers_.size()) return;
  flatbuffers::FlatBufferBuilder fbb(256);
  uint16_t method = EncodeMessage(m, fbb);
  // One-way (no PaxosAck back): Paxos resends what is lost, and an ack per
  // message would only wake both sides' loop threads on the commit path.
  client_->Send(peers_[m.to - 1], method, fbb);
}

void Replicator::ShipSnapshot(paxos::NodeId peer) {
  if (!hooks_.take_snapshot || sending_.load() || peer == paxos::kNoNode || peer > peers_.size())
    return;
  if (sender_.joinable()) sender_.join();  // the previous transfer ended
  auto snap = std::make_shared<Snapshot>();
  snap->from = options_.self_id;
  snap->slot = mark_.slot;
  snap->log_index = mark_.log_index;
  Status s = hooks_.take_snapshot(&snap->bytes);
  if (!s.ok()) {
    logger_.Error("paxos: snapshot for node {} not taken: {}", peer, s.ToString());
    return;
  }
  logger_.Info("paxos: node {} is behind the kept log; shipping a snapshot through slot {} "
               "(editlog index {}, {} bytes)",
               peer, snap->slot, snap->log_index, snap->bytes.size());
  sending_ = true;
  sender_ = std::thread([this, peer, snap] {
    SendSnapshot(peer, *snap);
    sending_ = false;
  });
}

void Replicator::SendSnapshot(paxos::NodeId peer, const Snapshot& snap) {
  uint64_t offset = 0;
  do {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    const size_t n = std::min(kSnapshotChunkBytes, snap.bytes.size() - offset);
    const bool last = offset + n == snap.bytes.size();
    flatbuffers::FlatBufferBuilder fbb(n + 256);
    auto data = fbb.CreateVector(reinterpret_cast<const uint8_t*>(snap.bytes.data() + offset), n);
    fbb.Finish(fb::CreatePaxosInstallSnapshot(fbb, snap.from, snap.slot, offset, data, last,
                                              snap.log_index));
    Result<Reply> r = client_->Call<fb::PaxosInstallSnapshotReply>(
        peers_[peer - 1], M(fb::PaxosMethod::PaxosInstallSnapshot), fbb, {},
        kSnapshotChunkTimeout);
    if (!r.ok()) {
      logger_.Warn("paxos: snapshot to node {} stopped at byte {}: {} (it asks again)", peer,
                   offset, r.status().ToString());
      return;
    }
    const uint64_t next = r->As<fb::PaxosInstallSnapshotReply>()->next_offset();
    if (next != offset + n) {
      logger_.Warn("paxos: node {} expected snapshot byte {}, not {}; transfer dropped", peer,
                   next, offset + n);
      return;
    }
    offset += n;
  } while (offset < snap.bytes.size());
  logger_.Info("paxos: snapshot through slot {} delivered to node {}", snap.slot, peer);
}

uint64_t Replicator::ReceiveChunk(const fb::PaxosInstallSnapshot& chunk, bool* complete) {
  // Only the leader we follow ships state, and never more than the bound
  // (issue 15 §5): anyone else's chunks, or a chunk past the bound, are
  // refused and the buffer dropped.
  const paxos::NodeId leader = status().leader;
  std::lock_guard lock(mu_);
  const size_t len = chunk.data() ? chunk.data()->size() : 0;
  if (chunk.from() != leader || leader == paxos::kNoNode ||
      chunk.offset() + len > options_.snapshot_bytes_max) {
    logger_.Warn("paxos: refused snapshot chunk from node {} (leader {}) at byte {}: {}",
                 chunk.from(), leader, chunk.offset(),
                 chunk.from() != leader ? "not the leader" : "above snapshot_bytes_max");
    if (incoming_ && incoming_->from == chunk.from()) incoming_.reset();
    return 0;
  }
  if (chunk.offset() == 0)
    incoming_ = Snapshot{chunk.from(), chunk.snapshot_index(), chunk.log_index(), {}};
  if (!incoming_ || incoming_->slot != chunk.snapshot_index() || incoming_->from != chunk.from() ||
      incoming_->bytes.size() != chunk.offset())
    return incoming_ ? incoming_->bytes.size() : 0;  // out of order: the sender gives up
  if (chunk.data())
    incoming_->bytes.append(reinterpret_cast<const char*>(chunk.data()->data()),
                            chunk.data()->size());
  const uint64_t next = incoming_->bytes.size();
  if (chunk.done()) {
    to_install_ = std::move(incoming_);
    incoming_.reset();
    *complete = true;
  }
  return next;
}

void Replicator::InstallShipped(Snapshot snap) {
  if (!hooks_.install_snapshot || node_->role() == paxos::Role::kLeader ||
      snap.slot <= node_->commit_index()) {
    logger_.Info("paxos: shipped snapshot through slot {} not needed (commit index {})", snap.slot,
                 node_->commit_index());
    return;
  }
  logger_.Info("paxos: installing a snapshot through slot {} (editlog index {}, {} bytes) from "
               "node {}",
               snap.slot, snap.log_index, snap.bytes.size(), snap.from);
  Status s = hooks_.install_snapshot(snap.log_index, snap.bytes);
  if (!s.ok()) {
    logger_.Error("paxos: snapshot through slot {} not installed: {}", snap.slot, s.ToString());
    return;
  }
  s = log_.TrimBefore(snap.log_index + 1);
  if (!s.ok()) Fatal(s, "restarting the editlog after a snapshot");
  mark_ = AppliedMark{snap.slot, snap.log_index};
  durable_mark_ = mark_;  // the image is durable, the editlog restarts after it
  s = store_->Compact(snap.slot, mark_);
  if (!s.ok()) Fatal(s, "compacting the paxos store to a snapshot");
  compacted_ = snap.slot;
  node_->InstallSnapshot(snap.slot);
  logger_.Info("paxos: node {} installed the snapshot; applied slot {}", options_.self_id,
               node_->applied_index());
}

void Replicator::TraceArrivals(const std::vector<std::pair<uint16_t, int64_t>>& arrivals) {
  if (arrivals.empty()) return;
  const int64_t now = CommitTrace::NowNs();
  for (const auto& [method, at] : arrivals) {
    const bool accept = method == M(fb::PaxosMethod::PaxosAccept);
    trace_.Record(accept ? CommitStage::kAcceptInbox : CommitStage::kAcceptedInbox, now - at);
    if (accept && (first_accept_arrival_ns_ == 0 || at < first_accept_arrival_ns_))
      first_accept_arrival_ns_ = at;
  }
}

void Replicator::TracePersisted(const std::vector<paxos::LogEntry>& entries, int64_t start_ns) {
  const int64_t now = CommitTrace::NowNs();
  const bool leader = node_->role() == paxos::Role::kLeader;
  trace_.Record(leader ? CommitStage::kLeaderFsync : CommitStage::kFollowerFsync, now - start_ns);
  if (!leader) return;
  for (const paxos::LogEntry& e : entries)
    if (Proposal* p = proposals_.Find(e.slot)) p->fsynced_ns = now;
}

void Replicator::TraceSent(const paxos::Message& m) {
  const int64_t now = CommitTrace::NowNs();
  if (const auto* a = std::get_if<paxos::Accept>(&m.body)) {
    for (const paxos::LogEntry& e : a->entries) {
      Proposal* p = proposals_.Find(e.slot);
      if (p == nullptr || p->accepts_out_ns != 0) continue;
      p->accepts_out_ns = now;
      trace_.Record(CommitStage::kProposeToAcceptsOut, now - p->pickup_ns);
    }
  } else if (std::holds_alternative<paxos::Accepted>(m.body) && first_accept_arrival_ns_ != 0) {
    trace_.Record(CommitStage::kFollowerTurnaround, now - first_accept_arrival_ns_);
    first_accept_arrival_ns_ = 0;
  }
}

void Replicator::TraceChosen(const Proposal& p, int64_t chosen_ns) {
  const int64_t now = CommitTrace::NowNs();
  if (p.accepts_out_ns != 0)
    trace_.Record(CommitStage::kAcceptsOutToChosen, chosen_ns - p.accepts_out_ns);
  if (p.fsynced_ns != 0) trace_.Record(CommitStage::kFsyncToChosen, chosen_ns - p.fsynced_ns);
  trace_.Record(CommitStage::kApplyAndAnswer, now - chosen_ns);
  for (int64_t t : p.submit_ns) trace_.Record(CommitStage::kLeaderTotal, now - t);
}

void Replicator::Fatal(const Status& s, const char* what) {
  logger_.Error("paxos: node {}: {} failed: {}; stopping (restart recovers from disk)",
                options_.self_id, what, s.ToString());
  std::abort();
}

}  // namespace opendfs::replication
