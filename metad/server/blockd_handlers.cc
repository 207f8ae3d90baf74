// Blockd-facing service (schema/registry.fbs) on bind_for_dn: registration,
// heartbeats and block reports feed the BlockdManager (soft state); commands
// for blockds ride back on heartbeat replies.
#include "metad/registry/registry_wire.h"
#include "metad/server/meta_server.h"
#include "metad/server/wire.h"
#include "registry_generated.h"

namespace opendfs::metad {
namespace {
constexpr uint16_t M(fb::BlockdToMetaMethod m) { return static_cast<uint16_t>(m); }
}  // namespace

void MetaServer::RegisterBlockdHandlers() {
  Server& s = *dn_server_;

  s.Handle<fb::BlockdRegisterRequest>(
      M(fb::BlockdToMetaMethod::BlockdRegister), [this](Request&& req, Responder&& resp) {
        RegisterRequest rr = RegisterRequestFromWire(*req.As<fb::BlockdRegisterRequest>(), HostOf(req.peer));
        Result<RegisterResult> res = [&] {
          std::lock_guard l(reg_mu_);
          Result<RegisterResult> r = blockds_->Register(rr, NowMs());
          if (r.ok()) SyncDecommissioning();  // a decommissioned blockd stays so
          return r;
        }();
        if (!res.ok()) {
          log_.Warn("metad: registration from {} refused: {}", req.peer, res.status().ToString());
          return resp.Fail(res.status());
        }
        log_.Info("metad: blockd registered id={} uuid={} address={}", res->id, rr.uuid, rr.data_address);
        flatbuffers::FlatBufferBuilder fbb(64);
        fbb.Finish(BuildRegisterReply(fbb, *res, 3));
        resp.Reply(fbb);
      });

  s.Handle<fb::BlockdHeartbeatRequest>(
      M(fb::BlockdToMetaMethod::BlockdHeartbeat), [this](Request&& req, Responder&& resp) {
        const auto* r = req.As<fb::BlockdHeartbeatRequest>();
        HeartbeatResult hb = [&] {
          std::lock_guard l(reg_mu_);
          HeartbeatResult h =
              blockds_->Heartbeat(r->blockd_id(), Str(r->uuid()), HeartbeatStatsFromWire(*r), NowMs());
          if (replicated()) {
            // Only the serving leader commands blockds: a follower may not yet
            // know a block a replica belongs to and would delete it. A new
            // leader asks every blockd for a full report once (its map missed
            // replicas reported before it applied their blocks).
            if (!replicator_->serving()) {
              h.commands.clear();
            } else {
              uint64_t& seen = report_epoch_[std::string(Str(r->uuid()))];
              if (seen != lead_epoch_.load()) {
                seen = lead_epoch_.load();
                h.reregister = true;
              }
            }
          }
          return h;
        }();
        flatbuffers::FlatBufferBuilder fbb(256);
        fbb.Finish(BuildHeartbeatReply(fbb, hb));
        resp.Reply(fbb);
      });

  s.Handle<fb::FullBlockReportRequest>(
      M(fb::BlockdToMetaMethod::FullBlockReport), [this](Request&& req, Responder&& resp) {
        const auto* r = req.As<fb::FullBlockReportRequest>();
        std::vector<ReportedReplica> blocks = ReplicasFromWire(r->blocks());
        Result<ReportOutcome> o = [&] {
          std::lock_guard l(reg_mu_);
          return blockds_->FullReport(Str(r->uuid()), r->report_id(), r->chunk_index(),
                                      std::max<uint32_t>(r->chunk_count(), 1), blocks, NowMs());
        }();
        bool reregister = !o.ok() && o.status().code() == StatusCode::NotFound;
        if (!o.ok() && !reregister) return resp.Fail(o.status());
        if (o.ok() && o->report_complete) {
          log_.Info("metad: full block report from {} complete ({} deletes queued)", Str(r->uuid()),
                    o->deletes_queued);
          ForgetGoneStaleReplicas(o->blockd, {}, /*full_report=*/true);
        }
        flatbuffers::FlatBufferBuilder fbb(32);
        fbb.Finish(fb::CreateFullBlockReportReply(fbb, reregister));
        resp.Reply(fbb);
      });

  s.Handle<fb::IncrementalBlockReportRequest>(
      M(fb::BlockdToMetaMethod::IncrementalBlockReport), [this](Request&& req, Responder&& resp) {
        const auto* r = req.As<fb::IncrementalBlockReportRequest>();
        std::vector<ReportedReplica> added = ReplicasFromWire(r->added());
        std::vector<ReportedReplica> removed = ReplicasFromWire(r->removed());
        std::vector<ReportedReplica> corrupt = ReplicasFromWire(r->corrupt());
        Result<ReportOutcome> o = [&] {
          std::lock_guard l(reg_mu_);
          return blockds_->IncrementalReport(Str(r->uuid()), added, removed, corrupt);
        }();
        bool reregister = !o.ok() && o.status().code() == StatusCode::NotFound;
        if (!o.ok() && !reregister) return resp.Fail(o.status());
        for (const ReportedReplica& c : corrupt)
          log_.Warn("metad: blockd {} reports corrupt replica block={} version={}", Str(r->uuid()),
                    c.block_id, c.version);
        if (o.ok() && !removed.empty()) {
          std::vector<BlockId> ids;
          for (const ReportedReplica& x : removed) ids.push_back(x.block_id);
          ForgetGoneStaleReplicas(o->blockd, ids, /*full_report=*/false);
        }
        flatbuffers::FlatBufferBuilder fbb(32);
        fbb.Finish(fb::CreateIncrementalBlockReportReply(fbb, reregister));
        resp.Reply(fbb);
      });
}

}  // namespace opendfs::metad
