// The recall gate (docs/write-back.md, Recall): every leader-only client
// request passes it. A request that needs an accurate view of a directory
// leased to another session (the CLI, session 0, included) is parked in the
// DirLeaseTable, the holder is sent Recall(dir) on its event poll, and the
// request runs again from the top (leader check, gate, handler) on the lease
// worker once the lease ended: the holder flushed and released it, its
// recall timed out, or its session expired (lease_handlers.cc).
//
// Why the handler runs under lease_gate_mu_ (shared): a grant takes it
// exclusively while it records the lease and queues its barrier record
// (AcquireDirLease). So a request that passed the gate has, by then,
// submitted its record (applied before the barrier, so it is in the grant's
// listing) or noted what it read in the invalidations' interest (so the
// grant's DirNames event reaches its mount). Nothing slips in between.
//
// Failure modes: past the parking bounds the request is answered Busy (the
// MetaClient retries with backoff); a holder that cannot hear a recall (no
// event subscription) loses the lease at once. No loop thread ever waits.
#include "metad/server/meta_server.h"
#include "metad/server/wire.h"

namespace opendfs::metad {
namespace {

using MM = fb::MetaMethod;

}  // namespace

void MetaServer::ServeLeaderOnly(Request&& req, Responder&& resp, const Handler& h) {
  if (replicated() && !replicator_->lease_held())
    return resp.Fail(Status(StatusCode::NotLeader, "not the leader"),
                     replicator_->serving() ? "" : LeaderCliAddress());
  PassLeaseGate(std::move(req), std::move(resp), h);
}

std::vector<uint64_t> MetaServer::GatedDirs(const Request& req) const {
  // A directory named by the request's own entry (rmdir or rename of D
  // itself), 0 when that name is not a directory.
  auto child_dir = [this](uint64_t parent, const flatbuffers::String* name) -> uint64_t {
    std::shared_lock l(ns_mu_);
    Result<Attr> a = ns_->Lookup(parent, Str(name), Cred::Root());
    return a.ok() && S_ISDIR(a->mode) ? a->ino : 0;
  };
  switch (static_cast<MM>(req.type)) {
    case MM::Lookup: return {req.As<fb::LookupRequest>()->parent()};
    case MM::ReadDir: return {req.As<fb::ReadDirRequest>()->ino()};
    case MM::GetAttr: return {req.As<fb::GetAttrRequest>()->ino()};
    case MM::Open: return {req.As<fb::OpenRequest>()->ino()};
    case MM::SetAttr: return {req.As<fb::SetAttrRequest>()->ino()};
    case MM::Create: return {req.As<fb::CreateRequest>()->parent()};
    case MM::Mknod: return {req.As<fb::MknodRequest>()->parent()};
    case MM::Mkdir: return {req.As<fb::MkdirRequest>()->parent()};
    case MM::Symlink: return {req.As<fb::SymlinkRequest>()->parent()};
    case MM::Link: return {req.As<fb::LinkRequest>()->new_parent()};
    case MM::Unlink: return {req.As<fb::UnlinkRequest>()->parent()};
    case MM::Rmdir: {
      const auto* r = req.As<fb::RmdirRequest>();
      return {r->parent(), child_dir(r->parent(), r->name())};
    }
    case MM::Rename: {
      const auto* r = req.As<fb::RenameRequest>();
      return {r->parent(), r->new_parent(), child_dir(r->parent(), r->name()),
              child_dir(r->new_parent(), r->new_name())};
    }
    case MM::FlushBatch:
      // A flush touching a directory leased to another mount (this one's
      // lease was revoked and granted on) waits for that lease like any
      // other change, so the new holder's listing stays exact.
      return DirsOfBatch(*req.As<fb::FlushBatchRequest>());
    default: return {};
  }
}

std::vector<uint64_t> MetaServer::DirsOfBatch(const fb::FlushBatchRequest& r) {
  std::vector<uint64_t> dirs;
  if (r.ops() == nullptr) return dirs;
  using B = fb::BatchOpBody;
  for (const fb::BatchOp* op : *r.ops()) {
    switch (op->body_type()) {
      case B::MknodRequest: dirs.push_back(op->body_as_MknodRequest()->parent()); break;
      case B::MkdirRequest: dirs.push_back(op->body_as_MkdirRequest()->parent()); break;
      case B::CreateRequest: dirs.push_back(op->body_as_CreateRequest()->parent()); break;
      case B::SymlinkRequest: dirs.push_back(op->body_as_SymlinkRequest()->parent()); break;
      case B::LinkRequest: dirs.push_back(op->body_as_LinkRequest()->new_parent()); break;
      case B::UnlinkRequest: dirs.push_back(op->body_as_UnlinkRequest()->parent()); break;
      case B::RmdirRequest: dirs.push_back(op->body_as_RmdirRequest()->parent()); break;
      case B::RenameRequest:
        dirs.push_back(op->body_as_RenameRequest()->parent());
        dirs.push_back(op->body_as_RenameRequest()->new_parent());
        break;
      default: break;
    }
  }
  return dirs;
}

void MetaServer::PassLeaseGate(Request&& req, Responder&& resp, const Handler& h) {
  std::vector<uint64_t> dirs = GatedDirs(req);
  if (dirs.empty()) return h(std::move(req), std::move(resp));
  std::shared_lock gate(lease_gate_mu_);
  // Every gated request has its Caller as field 0 (vtable offset 4), and
  // libnet verified the payload as that request's table.
  const auto* table = flatbuffers::GetRoot<flatbuffers::Table>(req.payload.data());
  const auto* caller = table->GetPointer<const fb::Caller*>(4);
  const uint64_t from = SessionOf(caller);
  auto held = std::make_shared<std::pair<Request, Responder>>(std::move(req), std::move(resp));
  DirLeaseTable::Work work = [this, held, h] {
    ServeLeaderOnly(std::move(held->first), std::move(held->second), h);
  };
  GateOutcome g;
  {
    std::lock_guard l(leases_mu_);
    g = leases_.Gate(from, dirs, NowMs(), work);
  }
  switch (g.kind) {
    case GateOutcome::Kind::kProceed:
      return h(std::move(held->first), std::move(held->second));
    case GateOutcome::Kind::kBusy:
      return held->second.Fail(Status(
          StatusCode::Busy, fmt::format("too many requests wait for the lease of directory {}", g.dir)));
    case GateOutcome::Kind::kParked: break;
  }
  if (g.recall_session == 0) return;  // a recall is on its way already
  if (recalls_ != nullptr) recalls_->Add();
  log_.Debug("metad: recall dir={} holder={} for session={}", g.dir, g.recall_session, from);
  if (invalidations_.Send(g.recall_session, CacheEvent::Recall(g.dir))) return;
  // The holder polls no more: it cannot hear the recall, so it loses the
  // lease now (its flush, if any, is still checked on apply).
  std::optional<LeaseEnded> ended;
  {
    std::lock_guard l(leases_mu_);
    ended = leases_.Release(g.recall_session, g.dir, NowMs());
  }
  if (ended) {
    ended->revoked = true;
    std::vector<LeaseEnded> all;
    all.push_back(std::move(*ended));
    RunEnded(std::move(all), "holder has no event subscription");
  }
}

}  // namespace opendfs::metad
