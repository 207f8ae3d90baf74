#include "blockd/metad_link/metad_link.h"

#include <pthread.h>

#include <algorithm>

namespace opendfs::blockd {
namespace {

constexpr uint16_t Method(fb::BlockdToMetaMethod m) { return static_cast<uint16_t>(m); }

flatbuffers::Offset<flatbuffers::Vector<const fb::ReplicaReport*>> Replicas(
    flatbuffers::FlatBufferBuilder& b, const ReplicaState* first, size_t n) {
  std::vector<fb::ReplicaReport> v;
  v.reserve(n);
  for (size_t i = 0; i < n; ++i)
    v.emplace_back(first[i].block_id, first[i].version, first[i].length);
  return b.CreateVectorOfStructs(v);
}

flatbuffers::Offset<flatbuffers::Vector<const fb::ReplicaReport*>> Replicas(
    flatbuffers::FlatBufferBuilder& b, const std::vector<ReplicaState>& v) {
  return Replicas(b, v.data(), v.size());
}

}  // namespace

MetadLink::MetadLink(Endpoint metad, LinkOptions options, Client& client,
                     LinkHost& host, Logger& log)
    : metad_(std::move(metad)), options_(std::move(options)), client_(client),
      host_(host), log_(log) {}

MetadLink::~MetadLink() {
  RequestStop();
  Join();
}

void MetadLink::Start(const std::string& data_address) {
  data_address_ = data_address;
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "metad-link");
    Run();
  });
}

void MetadLink::RequestStop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
}

void MetadLink::Join() {
  if (thread_.joinable()) thread_.join();
}

bool MetadLink::registered() const {
  std::lock_guard<std::mutex> lock(mu_);
  return registered_;
}

uint32_t MetadLink::blockd_id() const {
  std::lock_guard<std::mutex> lock(mu_);
  return blockd_id_;
}

void MetadLink::Push(ReplicaChange change, const ReplicaState& r) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_.empty()) {
      pending_since_ = Clock::now();
      wake = true;
    }
    pending_.Add(change, r);
    if (wake) ++wakeups_;
  }
  if (wake) cv_.notify_all();
}

void MetadLink::OnFailure(const char* what, const Status& st) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    registered_ = false;
  }
  if (reachable_) {
    log_.Warn("metad-link: metad {} unavailable ({} failed: {}); retrying quietly",
              metad_.ToString(), what, st.ToString());
    reachable_ = false;
  }
  backoff_ = backoff_.count() == 0 ? options_.backoff_min
                                   : std::min(backoff_ * 2, options_.backoff_max);
  next_attempt_ = Clock::now() + backoff_;
}

void MetadLink::OnSuccess() {
  backoff_ = std::chrono::milliseconds(0);
  if (!reachable_) reachable_ = true;
}

void MetadLink::Run() {
  next_attempt_ = Clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    Clock::time_point now = Clock::now();
    Clock::time_point wake;
    if (!registered_) {
      if (now >= next_attempt_) {
        lock.unlock();
        Register();
        lock.lock();
        continue;
      }
      wake = next_attempt_;
    } else {
      bool incremental_due = !pending_.empty() &&
                             now >= pending_since_ + options_.report_coalesce;
      if (full_report_due_ || now >= next_full_report_) {
        lock.unlock();
        SendFullReport();
        lock.lock();
        continue;
      }
      if (incremental_due) {
        lock.unlock();
        SendIncremental();
        lock.lock();
        continue;
      }
      if (now >= next_heartbeat_) {
        lock.unlock();
        Heartbeat();
        lock.lock();
        continue;
      }
      wake = std::min(next_heartbeat_, next_full_report_);
      if (!pending_.empty()) wake = std::min(wake, pending_since_ + options_.report_coalesce);
    }
    // Woken early by Stop or by the first pending change (a new deadline).
    uint64_t seen = wakeups_;
    cv_.wait_until(lock, wake, [&] { return stop_ || wakeups_ != seen; });
  }
}

void MetadLink::Register() {
  NodeStats stats = host_.Stats();
  flatbuffers::FlatBufferBuilder b(512);
  std::vector<flatbuffers::Offset<fb::BlockdDirStats>> dirs;
  for (const DirStats& d : stats.dirs)
    dirs.push_back(fb::CreateBlockdDirStatsDirect(b, d.path.c_str(), d.capacity_bytes,
                                                  d.used_bytes, d.block_count, false));
  b.Finish(fb::CreateBlockdRegisterRequestDirect(
      b, options_.uuid.c_str(), data_address_.c_str(), options_.rack_hint.c_str(),
      stats.capacity_bytes, stats.used_bytes, &dirs, options_.software_version.c_str()));
  Result<Reply> r = client_.Call<fb::BlockdRegisterReply>(
      metad_, Method(fb::BlockdToMetaMethod::BlockdRegister), b, {}, options_.call_timeout);
  if (!r.ok()) {
    OnFailure("register", r.status());
    return;
  }
  const auto* reply = r->As<fb::BlockdRegisterReply>();
  bool was_down = !reachable_;
  OnSuccess();
  Clock::time_point now = Clock::now();
  // A re-registration always comes with a full report unless the metad says it
  // still has our list: reports we could not deliver meanwhile stay pending.
  if (reply->block_report_wanted()) full_report_due_ = true;
  next_heartbeat_ = now + options_.heartbeat_interval;
  if (!ever_registered_) next_full_report_ = now + options_.block_report_interval;
  {
    std::lock_guard<std::mutex> lock(mu_);
    registered_ = true;
    blockd_id_ = reply->blockd_id();
  }
  if (!ever_registered_ || was_down)
    log_.Info("metad-link: registered with metad {} blockd_id={} uuid={} report_wanted={}",
              metad_.ToString(), reply->blockd_id(), options_.uuid,
              reply->block_report_wanted());
  ever_registered_ = true;
}

void MetadLink::Heartbeat() {
  NodeStats stats = host_.Stats();
  uint32_t id = blockd_id();
  flatbuffers::FlatBufferBuilder b(256);
  b.Finish(fb::CreateBlockdHeartbeatRequestDirect(
      b, id, options_.uuid.c_str(), stats.capacity_bytes, stats.used_bytes,
      stats.active_connections, stats.block_count, stats.bad_blocks, stats.inflight_copies));
  next_heartbeat_ = Clock::now() + options_.heartbeat_interval;
  Result<Reply> r = client_.Call<fb::BlockdHeartbeatReply>(
      metad_, Method(fb::BlockdToMetaMethod::BlockdHeartbeat), b, {}, options_.call_timeout);
  if (!r.ok()) {
    OnFailure("heartbeat", r.status());
    return;
  }
  OnSuccess();
  const auto* reply = r->As<fb::BlockdHeartbeatReply>();
  Execute(*reply);
  if (reply->reregister()) {
    log_.Info("metad-link: metad {} asks us to register again", metad_.ToString());
    full_report_due_ = true;
    std::lock_guard<std::mutex> lock(mu_);
    registered_ = false;
    next_attempt_ = Clock::now();
  }
}

void MetadLink::Execute(const fb::BlockdHeartbeatReply& reply) {
  if (reply.commands() == nullptr) return;
  for (const fb::BlockdCommand* c : *reply.commands()) {
    switch (c->kind()) {
      case fb::BlockdCommandKind::Delete:
        host_.CommandDelete(c->block_id(), c->version());
        break;
      case fb::BlockdCommandKind::Copy: {
        std::vector<std::string> targets;
        if (c->targets())
          for (const flatbuffers::String* t : *c->targets()) targets.push_back(t->str());
        host_.CommandCopy(c->block_id(), c->version(), std::move(targets));
        break;
      }
      default:
        log_.Warn("metad-link: metad {} sent an unknown command kind {}; ignored",
                  metad_.ToString(), static_cast<int>(c->kind()));
    }
  }
}

void MetadLink::SendFullReport() {
  // Changes queued before the snapshot are covered by it; later ones are sent
  // after it, so the metad never sees an older state last.
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.Clear();
  }
  std::vector<ReplicaState> all = host_.ListReplicas();
  uint32_t id = blockd_id();
  size_t per = std::max<size_t>(1, options_.max_replicas_per_report_chunk);
  uint32_t chunks = static_cast<uint32_t>(std::max<size_t>(1, (all.size() + per - 1) / per));
  uint64_t report_id = ++report_id_;
  for (uint32_t i = 0; i < chunks; ++i) {
    size_t first = i * per;
    size_t n = std::min(per, all.size() - std::min(first, all.size()));
    flatbuffers::FlatBufferBuilder b(64 + 24 * n);
    auto blocks = Replicas(b, all.data() + first, n);
    auto uuid = b.CreateString(options_.uuid);
    fb::FullBlockReportRequestBuilder rb(b);
    rb.add_uuid(uuid);
    rb.add_blockd_id(id);
    rb.add_report_id(report_id);
    rb.add_chunk_index(i);
    rb.add_chunk_count(chunks);
    rb.add_blocks(blocks);
    b.Finish(rb.Finish());
    Result<Reply> r = client_.Call<fb::FullBlockReportReply>(
        metad_, Method(fb::BlockdToMetaMethod::FullBlockReport), b, {},
        options_.call_timeout * 4);
    if (!r.ok()) {
      full_report_due_ = true;
      OnFailure("full block report", r.status());
      return;
    }
    if (r->As<fb::FullBlockReportReply>()->reregister()) {
      full_report_due_ = true;
      std::lock_guard<std::mutex> lock(mu_);
      registered_ = false;
      next_attempt_ = Clock::now();
      return;
    }
  }
  OnSuccess();
  full_report_due_ = false;
  next_full_report_ = Clock::now() + options_.block_report_interval;
  log_.Debug("metad-link: full block report to {}: {} replicas in {} chunk(s)",
             metad_.ToString(), all.size(), chunks);
}

void MetadLink::SendIncremental() {
  ReportBatch batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch = pending_.Take();
  }
  if (batch.empty()) return;
  flatbuffers::FlatBufferBuilder b(128 + 24 * batch.size());
  auto added = Replicas(b, batch.added);
  auto removed = Replicas(b, batch.removed);
  auto corrupt = Replicas(b, batch.corrupt);
  auto uuid = b.CreateString(options_.uuid);
  fb::IncrementalBlockReportRequestBuilder rb(b);
  rb.add_uuid(uuid);
  rb.add_blockd_id(blockd_id());
  rb.add_added(added);
  rb.add_removed(removed);
  rb.add_corrupt(corrupt);
  b.Finish(rb.Finish());
  Result<Reply> r = client_.Call<fb::IncrementalBlockReportReply>(
      metad_, Method(fb::BlockdToMetaMethod::IncrementalBlockReport), b, {},
      options_.call_timeout);
  if (!r.ok()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (pending_.empty()) pending_since_ = Clock::now();
      pending_.PutBack(batch);
    }
    OnFailure("incremental block report", r.status());
    return;
  }
  OnSuccess();
  if (r->As<fb::IncrementalBlockReportReply>()->reregister()) {
    full_report_due_ = true;
    std::lock_guard<std::mutex> lock(mu_);
    registered_ = false;
    next_attempt_ = Clock::now();
  }
}

// --- MetadLinks ----------------------------------------------------------------

MetadLinks::MetadLinks(const std::vector<Endpoint>& metads, const LinkOptions& options,
                       Client& client, LinkHost& host, Logger& log) {
  for (const Endpoint& ep : metads)
    links_.push_back(std::make_unique<MetadLink>(ep, options, client, host, log));
}

void MetadLinks::Start(const std::string& data_address) {
  for (auto& l : links_) l->Start(data_address);
}
void MetadLinks::RequestStop() {
  for (auto& l : links_) l->RequestStop();
}
void MetadLinks::Join() {
  for (auto& l : links_) l->Join();
}
void MetadLinks::Added(const ReplicaState& r) {
  for (auto& l : links_) l->Added(r);
}
void MetadLinks::Removed(const ReplicaState& r) {
  for (auto& l : links_) l->Removed(r);
}
void MetadLinks::Corrupt(const ReplicaState& r) {
  for (auto& l : links_) l->Corrupt(r);
}

}  // namespace opendfs::blockd
