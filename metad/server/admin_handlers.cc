// Administration and health (schema/meta.fbs): decommissioning a blockd and
// fsck's per-file view of blocks and replicas. Both run on the serving
// leader, whose registry and replication monitor are the ones acting.
#include <set>

#include "metad/namespace/records.h"
#include "metad/server/meta_server.h"
#include "metad/server/wire.h"

namespace opendfs::metad {
namespace {

constexpr uint16_t M(fb::MetaMethod m) { return static_cast<uint16_t>(m); }

// `stale`: left out of the acknowledged set of its version (recorded corrupt
// in the block map, named apart here so that fsck tells the two causes apart).
std::string_view ReplicaState(const Replica& r, const BlockdInfo* b, uint64_t version, bool stale) {
  if (stale) return "stale";
  if (r.corrupt) return "corrupt";
  if (r.version != version) return "stale";
  if (b == nullptr || b->state == BlockdState::kDead) return "dead";
  if (b->state == BlockdState::kDecommissioning) return "decommissioning";
  return "good";
}

}  // namespace

BlockdId MetaServer::BlockdAt(std::string_view address) const {
  for (const BlockdInfo& b : blockds_->registry().all())
    if (b.address == address && b.state != BlockdState::kDead) return b.id;
  return kNoBlockd;
}

void MetaServer::SyncDecommissioning() {
  std::vector<std::pair<BlockdId, bool>> changes;
  {
    std::shared_lock l(ns_mu_);
    const auto& wanted = ns_->decommissioned_blockds();
    for (const BlockdInfo& b : blockds_->registry().all()) {
      if (b.state == BlockdState::kDead) continue;
      bool want = wanted.count(b.address) != 0;
      if (want != (b.state == BlockdState::kDecommissioning)) changes.emplace_back(b.id, want);
    }
  }
  for (auto [id, on] : changes) {
    Status s = blockds_->SetDecommissioning(id, on);
    if (s.ok())
      log_.Info("metad: blockd {} {} (logged state)", blockds_->registry().Find(id)->address,
                on ? "decommissioning" : "back in service");
  }
}

void MetaServer::RegisterAdminHandlers() {
  LeaderOnly s{this, *cli_server_};

  s.Handle<fb::BlockdAdminRequest>(M(fb::MetaMethod::BlockdAdmin), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::BlockdAdminRequest>();
    if (CredFrom(r->caller()).uid != 0)
      return resp.Fail(Status(StatusCode::NotPermitted, "only root may decommission blockds"));
    std::string address(Str(r->address()));
    bool on = r->action() == fb::BlockdAdminAction::Decommission;
    if (on) {
      std::lock_guard l(reg_mu_);
      if (BlockdAt(address) == kNoBlockd)
        return resp.Fail(Status(StatusCode::NotFound,
                                fmt::format("no live blockd at {} (see `opendfs cluster status`)", address)));
    }
    // Logged, so that every metad (a future leader) keeps draining it; the
    // registry follows on apply here and at each new leadership elsewhere.
    Commit(records::SetBlockdState(address, on), &resp,
           [this, address, on, peer = req.peer](const ApplyResult&, Responder& out) {
             std::string state = "unknown";
             bool drained = false;
             uint64_t blocks = 0;
             {
               std::lock_guard l(reg_mu_);
               BlockdId id = BlockdAt(address);
               if (id != kNoBlockd) {
                 (void)blockds_->SetDecommissioning(id, on);
                 const BlockdInfo* b = blockds_->registry().Find(id);
                 state = std::string(BlockdStateName(b->state));
                 drained = on && blockds_->monitor().Drained(id);
                 blocks = blockds_->block_map().replicas_on(id);
               }
             }
             log_.Info("metad: blockd {} {} by {} ({} blocks on it)", address,
                       on ? "decommissioning" : "recommissioned", peer, blocks);
             flatbuffers::FlatBufferBuilder fbb(64);
             fbb.Finish(fb::CreateBlockdAdminReply(fbb, fbb.CreateString(state), drained, blocks));
             out.Reply(fbb);
           });
  });

  s.Handle<fb::FsckRequest>(M(fb::MetaMethod::Fsck), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::FsckRequest>();
    uint8_t file_goal = 0;
    {
      std::shared_lock l(ns_mu_);
      Result<Attr> a = ns_->GetAttr(r->ino());
      if (!a.ok()) return resp.Fail(a.status());
      if (!S_ISREG(a->mode))
        return resp.Fail(Status(StatusCode::Invalid, fmt::format("inode {} is not a regular file", r->ino())));
      file_goal = a->replication ? a->replication : static_cast<uint8_t>(settings_.default_blk_rep);
    }
    std::vector<BlockInfo> blocks = BlocksOf(r->ino());
    flatbuffers::FlatBufferBuilder fbb(256 + blocks.size() * 128);
    std::vector<flatbuffers::Offset<fb::FsckBlock>> out;
    {
      std::lock_guard l(reg_mu_);
      const BlockdRegistry& reg = blockds_->registry();
      std::set<uint32_t> live_racks;
      for (const BlockdInfo& b : reg.all())
        if (b.state == BlockdState::kLive) live_racks.insert(b.rack_id);
      for (size_t i = 0; i < blocks.size(); ++i) {
        const BlockInfo& bi = blocks[i];
        if (bi.id == 0) continue;  // a hole
        uint8_t goal = ReplicationGoal(bi.id);
        std::vector<flatbuffers::Offset<fb::FsckReplica>> reps;
        std::set<uint32_t> good_racks;
        uint16_t good = 0;
        for (const Replica& rep : blockds_->block_map().Replicas(bi.id)) {
          const BlockdInfo* b = reg.Find(rep.blockd);
          bool stale = rep.corrupt && Judge(bi.id, rep.version, rep.blockd) == ReplicaVerdict::kStale;
          std::string_view st = ReplicaState(rep, b, bi.version, stale);
          if (st == "good") {
            ++good;
            good_racks.insert(b->rack_id);
          }
          reps.push_back(fb::CreateFsckReplica(fbb, fbb.CreateString(b ? b->address : "?"),
                                               fbb.CreateString(b ? b->rack : ""),
                                               fbb.CreateString(st), rep.version));
        }
        bool mis = goal >= 2 && good >= 2 && good_racks.size() == 1 && live_racks.size() > 1;
        out.push_back(fb::CreateFsckBlock(fbb, i, bi.id, bi.version, bi.length, goal, good, mis,
                                          fbb.CreateVector(reps)));
      }
    }
    fbb.Finish(fb::CreateFsckReply(fbb, file_goal, fbb.CreateVector(out)));
    resp.Reply(fbb);
  });
}

}  // namespace opendfs::metad
