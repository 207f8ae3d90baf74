// MetaServer's side of replication: building the Replicator from the
// settings (node id = position of my_paxos in ot_paxos), routing records to
// it, and naming the leader's client address for NotLeader replies.
//
// Client addresses of the members come from `ot_cli` (same order as
// ot_paxos) or, without it, by convention: the paxos endpoint's host with
// this metad's client port.
#include <algorithm>

#include "metad/server/meta_server.h"
#include "metad/store/image_stream.h"

namespace opendfs::metad {
namespace {

std::string StripSlashes(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

}  // namespace

Status MetaServer::OpenReplication(const store::GroupCommitterHooks& hooks) {
  const auto& members = settings_.ot_paxos;
  auto it = std::find(members.begin(), members.end(), settings_.my_paxos);
  if (it == members.end())
    return Status(StatusCode::Invalid,
                  "my_paxos " + settings_.my_paxos + " is not listed in ot_paxos");
  if (!settings_.ot_cli.empty() && settings_.ot_cli.size() != members.size())
    return Status(StatusCode::Invalid, "ot_cli must list one client address per ot_paxos entry");
  replication::ReplicatorOptions o;
  o.bind = settings_.my_paxos;
  o.cluster_key = cluster_key_;
  o.members = members;
  o.self_id = static_cast<paxos::NodeId>(it - members.begin() + 1);
  o.paxos_dir = StripSlashes(settings_.editlog_dir) + ".paxos";
  o.queue_records_max = static_cast<size_t>(settings_.max_tqueue_len) * 8;
  o.election_timeout_ms = 800;  // 2 cores, 3 metads, fsyncs: leave room
  o.lease_timeout_ms = 600;
  o.retain_slots = static_cast<paxos::Slot>(settings_.paxos_log_keep);
  replication::ReplicatorHooks rh;
  rh.apply = hooks.apply;
  rh.after_batch = hooks.after_batch;
  rh.on_serving = [this] {
    // A new leader must not reuse ids its predecessor handed out: everything
    // committed is applied by now, so the namespace maxima are complete.
    std::shared_lock lock(ns_mu_);
    InodeId ino = ns_->max_inode_id() + 1;
    BlockId blk = ns_->max_block_id() + 1;
    if (next_inode_.load() < ino) next_inode_ = ino;
    if (next_block_.load() < blk) next_block_ = blk;
    StartLockGrace();
    invalidations_.Forget(Status(StatusCode::NotLeader, "a new leadership began"));
    serving_since_ms_ = NowMs();
    lead_epoch_.fetch_add(1);
  };
  rh.take_snapshot = [this](std::string* out) {
    std::shared_lock lock(ns_mu_);
    store::FunctionImageSink sink([out](std::string_view k, std::string_view v) {
      store::AppendFramedPair(out, k, v);
      return Status::Ok();
    });
    return ns_->Save(sink);
  };
  rh.install_snapshot = [this](uint64_t log_index, std::string_view image) {
    return InstallImage(log_index, image);
  };
  ODFS_ASSIGN_OR_RETURN(replicator_,
                        replication::Replicator::Open(*editlog_, o, std::move(rh), log_));
  return Status::Ok();
}

Status MetaServer::InstallImage(uint64_t log_index, std::string_view image) {
  // A checkpoint still being written must not land after (over) this image.
  checkpointer_->WaitIdle();
  // Durable first: the shipped image becomes the newest fsimage (an atomic
  // flip), so a restart from here on starts from it.
  store::FramedImageSource framed(image);
  ODFS_ASSIGN_OR_RETURN(std::unique_ptr<store::ImageWriter> writer, images_->BeginImage(log_index));
  ODFS_RETURN_IF_ERROR(store::CopyImage(framed, *writer));
  ODFS_RETURN_IF_ERROR(writer->Commit());
  // Then in memory, read back through the same verified path as a restart.
  ODFS_ASSIGN_OR_RETURN(std::unique_ptr<store::ImageSource> source, images_->LoadNewest());
  BlockIndex index;
  IndexingSource indexing(*source, index);
  ODFS_ASSIGN_OR_RETURN(std::unique_ptr<Namespace> ns, Namespace::Load(indexing));
  {
    std::unique_lock lock(ns_mu_);
    ns_ = std::move(ns);
    block_index_ = std::move(index);
    applied_index_ = log_index;
  }
  log_.Info("metad: installed a shipped fsimage covering editlog index {}", log_index);
  return Status::Ok();
}

Status MetaServer::SubmitRecord(std::string record, store::GroupCommitter::DoneFn done) {
  if (replicator_) return replicator_->Submit(std::move(record), std::move(done));
  return committer_->Submit(std::move(record), std::move(done));
}

std::string MetaServer::CliAddressOf(paxos::NodeId id) const {
  if (id == paxos::kNoNode || id > settings_.ot_paxos.size()) return "";
  if (!settings_.ot_cli.empty()) return settings_.ot_cli[id - 1];
  Result<Endpoint> paxos_ep = Endpoint::Parse(settings_.ot_paxos[id - 1]);
  Result<Endpoint> cli_ep = Endpoint::Parse(settings_.bind_for_cli);
  if (!paxos_ep.ok() || !cli_ep.ok()) return "";
  Endpoint e = *paxos_ep;
  e.port = cli_ep->port;
  return e.ToString();
}

std::string MetaServer::LeaderCliAddress() const {
  if (!replicator_) return settings_.bind_for_cli;
  return CliAddressOf(replicator_->leader());
}

}  // namespace opendfs::metad
