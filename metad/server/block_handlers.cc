// Client-facing block operations (schema/meta.fbs): where to read a file's
// blocks, and the write protocol of DESIGN §5 — WriteBlock (allocate a new
// block, or lock an existing one and move it to version v+1), then the client
// writes every replica in parallel, then CommitBlock records the length and
// which replicas acknowledged every piece. The granted and the acknowledged
// replicas go into the records, so that the namespace knows which replicas
// a version vouches for (metad/namespace/block_write.h); after a commit the
// block's replicas are judged again, and the ones left out become stale.
// A write whose writer dies is settled by the leader (settle.cc).
#include <sys/stat.h>

#include "metad/namespace/records.h"
#include "metad/server/meta_server.h"
#include "metad/server/wire.h"
#include "metad/server/write_grant.h"

namespace opendfs::metad {
namespace {

constexpr uint16_t M(fb::MetaMethod m) { return static_cast<uint16_t>(m); }

// A write clears the file's set-id bits unless the writer has CAP_FSETID;
// the caller's capabilities do not travel, so root stands for it (as the
// kernel's own check passes for root).
bool WriterKillsSetid(const fb::Caller* caller) { return caller != nullptr && caller->uid() != 0; }

flatbuffers::Offset<fb::BlockLocation> BuildLocation(
    flatbuffers::FlatBufferBuilder& fbb, uint64_t index, BlockId id, uint64_t version,
    uint64_t length, const std::vector<std::string>& replicas, uint64_t write_from_version = 0,
    const std::vector<std::string>& write_from_replicas = {}) {
  auto from = write_from_replicas.empty() ? 0 : fbb.CreateVectorOfStrings(write_from_replicas);
  return fb::CreateBlockLocation(fbb, index, id, version, length,
                                 fbb.CreateVectorOfStrings(replicas), write_from_version, from);
}

}  // namespace

void MetaServer::RegisterBlockHandlers() {
  LeaderOnly s{this, *cli_server_};

  s.Handle<fb::GetBlocksRequest>(M(fb::MetaMethod::GetBlocks), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::GetBlocksRequest>();
    std::string host = ClientHost(r->caller(), req);
    Attr attr;
    FileBlocks fbk;
    std::vector<uint64_t> from_versions;  // per block: its open write's from_version, or 0
    {
      std::shared_lock l(ns_mu_);
      Result<Attr> a = ns_->GetAttr(r->ino());
      if (!a.ok()) return resp.Fail(a.status());
      attr = *a;
      if (!S_ISREG(attr.mode))
        return resp.Fail(Status(StatusCode::Invalid, fmt::format("inode {} is not a regular file", r->ino())));
      uint32_t first = static_cast<uint32_t>(std::min<uint64_t>(r->first_index(), UINT32_MAX));
      Result<FileBlocks> b = ns_->GetBlocks(r->ino(), first,
                                            std::clamp<uint32_t>(r->count(), 1, kMaxBlocksPerLookup));
      if (!b.ok()) return resp.Fail(b.status());
      fbk = std::move(*b);
      // A block being rewritten: readers may still find it at the version
      // the write started from (a replica not reached by a piece yet, or
      // whose report of the new version is still on its way).
      from_versions.resize(fbk.blocks.size(), 0);
      for (size_t i = 0; i < fbk.blocks.size(); ++i) {
        const BlockInfo& bi = fbk.blocks[i];
        const BlockWrite* w = bi.id ? ns_->WriteOf(bi.id) : nullptr;
        if (w != nullptr && w->open && w->from_version != 0) from_versions[i] = w->from_version;
      }
    }
    flatbuffers::FlatBufferBuilder fbb(512);
    std::vector<flatbuffers::Offset<fb::BlockLocation>> locs;
    {
      std::lock_guard l(reg_mu_);
      for (size_t i = 0; i < fbk.blocks.size(); ++i) {
        const BlockInfo& b = fbk.blocks[i];
        std::vector<std::string> addrs, from_addrs;
        if (b.id != 0)
          for (const LocatedReplica& rep : blockds_->Locate(b.id, b.version, host))
            addrs.push_back(rep.address);
        if (from_versions[i] != 0)
          for (const LocatedReplica& rep : blockds_->Locate(b.id, from_versions[i], host))
            from_addrs.push_back(rep.address);
        locs.push_back(BuildLocation(fbb, fbk.first_index + i, b.id, b.version, b.length, addrs,
                                     from_versions[i], from_addrs));
      }
    }
    fb::Attr wa = ToWire(attr);
    auto inline_off = fbk.inline_data.empty() ? 0 : fbb.CreateVector(
        reinterpret_cast<const uint8_t*>(fbk.inline_data.data()), fbk.inline_data.size());
    fbb.Finish(fb::CreateGetBlocksReply(fbb, &wa, fbb.CreateVector(locs), inline_off));
    resp.Reply(fbb);
  });

  // A small file's writes kept in its metadata record (DESIGN §5): one
  // commit, no blockd. Past inline_max the client writes blocks instead.
  s.Handle<fb::WriteInlineRequest>(M(fb::MetaMethod::WriteInline), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::WriteInlineRequest>();
    std::vector<records::InlineExtentView> extents;
    if (r->writes()) {
      for (const fb::InlineWrite* w : *r->writes()) {
        std::string_view data;
        if (w->data()) data = {reinterpret_cast<const char*>(w->data()->data()), w->data()->size()};
        if (uint64_t{w->offset()} + data.size() > settings_.inline_max)
          return resp.Fail(Status(StatusCode::FileTooBig,
                                  fmt::format("inline write of inode {} ends past inline_max {}",
                                              r->ino(), settings_.inline_max)));
        extents.push_back({w->offset(), data});
      }
    }
    int64_t mtime = r->mtime_ns() ? r->mtime_ns() : NowNs();
    const bool kill_setid = WriterKillsSetid(r->caller());
    std::string record =
        r->explicit_times()
            ? records::WriteInlineWithTimes(
                  r->ino(), extents, r->file_size(),
                  r->omit_atime() ? std::nullopt : std::optional<int64_t>(r->atime_ns()),
                  r->omit_mtime() ? std::nullopt : std::optional<int64_t>(r->mtime_ns()),
                  CredFrom(r->caller()), NowNs(), kill_setid)
            : records::WriteInline(r->ino(), extents, r->file_size(), mtime, kill_setid);
    // Other mounts that cached the file drop its attributes (size, times,
    // set-id bits) before this returns; its data stays close-to-open.
    CommitNotifying(std::move(record), &resp, r->caller(), {},
                    [](const ApplyResult& res, Responder& out) { ReplyAttr(out, res.attr); });
  });

  s.Handle<fb::WriteBlockRequest>(M(fb::MetaMethod::WriteBlock),
                                  [this](Request&& req, Responder&& resp) { WriteBlock(req, resp); });

  s.Handle<fb::CommitBlockRequest>(M(fb::MetaMethod::CommitBlock), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::CommitBlockRequest>();
    if (r->index() > UINT32_MAX || r->version() > UINT32_MAX || r->length() > UINT32_MAX)
      return resp.Fail(Status(StatusCode::Invalid, "block index, version or length out of range"));
    uint64_t session = r->caller() ? r->caller()->session() : 0;
    std::vector<std::string> acked;
    if (r->replicas())
      for (const auto* a : *r->replicas()) acked.push_back(a->str());
    if (acked.empty())
      return resp.Fail(Status(StatusCode::Io, fmt::format("commit of block {} with no replica", r->block_id())));
    int64_t mtime = r->mtime_ns() ? r->mtime_ns() : NowNs();
    BlockId block = r->block_id();
    uint64_t version = r->version(), length = r->length();
    Commit(records::CommitBlock(r->ino(), static_cast<uint32_t>(r->index()), block,
                                static_cast<uint32_t>(version), static_cast<uint32_t>(length),
                                r->file_size(), mtime, acked, WriterKillsSetid(r->caller())),
           &resp, [this, session, acked, block, version, length](const ApplyResult& res, Responder& out) {
             sessions_.UnlockBlock(block, session);
             {
               // The acknowledged replicas are the block's replicas at this
               // version; the blockds' own reports confirm it shortly.
               std::lock_guard l(reg_mu_);
               ReportedReplica rr{block, version, length};
               for (const std::string& addr : acked) {
                 BlockdId id = BlockdAt(addr);
                 if (id == kNoBlockd) continue;
                 const BlockdInfo* b = blockds_->registry().Find(id);
                 Result<ReportOutcome> o = blockds_->IncrementalReport(b->uuid, {&rr, 1}, {}, {});
                 if (!o.ok()) log_.Warn("metad: commit of block {}: replica {}: {}", block, addr, o.status().ToString());
               }
             }
             // Replicas given to the writer but not acknowledged are stale
             // now, older versions unwanted; the monitor (Revalidate asks it)
             // brings the block back to its goal.
             RevalidateReplicas(block);
             // The block is unlocked and its replicas recorded; only the
             // writer's reply waits for the other mounts that cached the file
             // to drop its attributes (size, mtime, set-id bits), so a stat
             // there after the writer's fsync or close sees them.
             ReplyAfterEvents(session, res, {}, out, [](const ApplyResult& r, Responder& o) {
               flatbuffers::FlatBufferBuilder fbb(128);
               fb::Attr wa = ToWire(r.attr);
               fbb.Finish(fb::CreateCommitBlockReply(fbb, &wa));
               o.Reply(fbb);
             });
           });
  });

  s.Handle<fb::ReportBadReplicaRequest>(
      M(fb::MetaMethod::ReportBadReplica), [this](Request&& req, Responder&& resp) {
        const auto* r = req.As<fb::ReportBadReplicaRequest>();
        {
          std::lock_guard l(reg_mu_);
          BlockdId id = BlockdAt(Str(r->replica()));
          if (id != kNoBlockd) {
            ReportedReplica rr{r->block_id(), r->version(), 0};
            const BlockdInfo* b = blockds_->registry().Find(id);
            (void)blockds_->IncrementalReport(b->uuid, {}, {}, {&rr, 1});
          }
        }
        log_.Warn("metad: client {} reports bad replica block={} version={} replica={} reason={}",
                  req.peer, r->block_id(), r->version(), Str(r->replica()), Str(r->reason()));
        ReplyEmpty(resp);
      });

  s.Handle<fb::SetGoalRequest>(M(fb::MetaMethod::SetGoal), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::SetGoalRequest>();
    if (r->replication() < 1 || r->replication() > 16)
      return resp.Fail(Status(StatusCode::Invalid, fmt::format("replication {} not in 1..16", r->replication())));
    if (r->recursive())
      return resp.Fail(Status(StatusCode::NotSupported,
                              "recursive setrep is done by the client, one inode per call"));
    records::SetAttrArgs a;
    a.inode = r->ino();
    a.fields = fb::SetAttrField::Replication;
    a.replication = static_cast<uint8_t>(r->replication());
    Commit(records::SetAttr(a, CredFrom(r->caller()), NowNs()), &resp,
           [this, ino = r->ino()](const ApplyResult&, Responder& out) {
             // The monitor moves the file's blocks to the new goal.
             std::vector<BlockId> blocks;
             for (const BlockInfo& b : BlocksOf(ino))
               if (b.id != 0) blocks.push_back(b.id);
             if (!blocks.empty()) {
               std::lock_guard l(reg_mu_);
               blockds_->RecheckReplication(blocks);
             }
             flatbuffers::FlatBufferBuilder fbb(32);
             fbb.Finish(fb::CreateSetGoalReply(fbb, 1));
             out.Reply(fbb);
           });
  });
}

}  // namespace opendfs::metad

namespace opendfs::metad {

// WriteBlock: read the state the grant depends on, let PlanWriteGrant
// (write_grant.h) decide, carry the plan out.
void MetaServer::WriteBlock(const Request& req, Responder& resp) {
  const auto* r = req.As<fb::WriteBlockRequest>();
  if (r->index() > UINT32_MAX)
    return resp.Fail(Status(StatusCode::FileTooBig, "block index beyond 2^32"));
  WriteGrantInput in;
  in.ino = r->ino();
  in.session = r->caller() ? r->caller()->session() : 0;
  WriteGrantCtx ctx{in.ino, static_cast<uint32_t>(r->index()), in.session, 0,
                    static_cast<uint32_t>(sessions_.lease_ms()), ClientHost(r->caller(), req),
                    r->caller()};
  // Exactly-once (write_retry.h): a resend of a WriteBlock whose record was
  // applied gets the write that record opened.
  const uint64_t client_id = r->caller() ? r->caller()->client_id() : 0;
  const uint64_t request_id = r->caller() ? r->caller()->request_id() : 0;
  uint8_t replication = 0;
  {
    std::shared_lock l(ns_mu_);
    Result<Attr> a = ns_->GetAttr(in.ino);
    if (!a.ok()) return resp.Fail(a.status());
    if (!S_ISREG(a->mode))
      return resp.Fail(Status(StatusCode::Invalid, fmt::format("inode {} is not a regular file", in.ino)));
    ctx.block_size = a->block_size;
    replication = a->replication;
    Result<FileBlocks> b = ns_->GetBlocks(in.ino, ctx.index, 1);
    if (!b.ok()) return resp.Fail(b.status());
    if (!b->blocks.empty()) in.existing = b->blocks[0];
    if (const BlockWrite* w = in.existing.id ? ns_->WriteOf(in.existing.id) : nullptr) in.write = *w;
    if (client_id != 0 && request_id != 0)
      if (const StoredResult* d = ns_->requests().Find(client_id, request_id)) in.done = *d;
  }
  // The lock lives as long as the session (sessions.h): a lock taken under
  // a session this metad does not know would be dropped at once. Refused,
  // the client opens a new session and asks again.
  const int64_t now_ms = NowMs();
  if (in.session != 0) {
    Status live = sessions_.KeepAlive(in.session, now_ms);
    if (!live.ok()) return resp.Fail(live);
  }
  if (r->reassert_version() != 0)
    return ReassertWrite(in.session, in.ino, ctx.index, in.existing, in.write,
                         r->reassert_version(), ctx.block_size, ctx.lease_ms, resp);
  BlockLock held;
  if (in.existing.id != 0 && sessions_.FindLock(in.existing.id, &held, now_ms)) in.held = held;
  WriteGrantPlan plan = PlanWriteGrant(in);
  if (!plan.tag) ctx.tag = nullptr;
  switch (plan.kind) {
    case WriteGrantPlan::Kind::kFail:
      return resp.Fail(plan.failure);
    case WriteGrantPlan::Kind::kRetried:
      return ReplyRetriedWrite(ctx.session, ctx.ino, ctx.index, plan.retried, ctx.block_size,
                               ctx.lease_ms, resp);
    case WriteGrantPlan::Kind::kRenew: {
      Status st = sessions_.LockBlock(in.existing.id, plan.renew, now_ms);
      if (!st.ok()) return resp.Fail(st);
      flatbuffers::FlatBufferBuilder fbb(256);
      auto loc = BuildLocation(fbb, ctx.index, in.existing.id, plan.renew.new_version,
                               in.existing.length, plan.renew.replicas);
      fbb.Finish(fb::CreateWriteBlockReply(fbb, loc, ctx.block_size, false, ctx.lease_ms));
      return resp.Reply(fbb);
    }
    case WriteGrantPlan::Kind::kNewBlock:
      return GrantNewBlock(ctx, replication, resp);
    case WriteGrantPlan::Kind::kNextVersion:
      return GrantNextVersion(ctx, in.existing, plan.new_version, now_ms, resp);
  }
}

void MetaServer::GrantNewBlock(const WriteGrantCtx& ctx, uint8_t replication, Responder& resp) {
  // Placement first, so that a cluster without room fails before anything
  // is logged.
  std::vector<std::string> addrs;
  {
    std::lock_guard l(reg_mu_);
    int rep = replication ? replication : static_cast<int>(settings_.default_blk_rep);
    Result<std::vector<BlockdId>> t = blockds_->ChooseTargets(rep, ctx.host, {}, *rng_);
    if (!t.ok())
      return resp.Fail(t.status().Annotate(
          fmt::format("allocate block {} of inode {}", ctx.index, ctx.ino)));
    for (BlockdId id : *t) addrs.push_back(blockds_->registry().Find(id)->address);
  }
  CommitNewBlock(
      [&](BlockId id) {
        // The writer owns the new block until CommitBlock. Locked before the
        // record opens the write, so that the leader never sees the write
        // open without its lock and settles it (settle.cc).
        BlockLock lock;
        lock.session = ctx.session;
        lock.inode = ctx.ino;
        lock.old_version = 0;
        lock.new_version = 1;
        lock.replicas = addrs;
        (void)sessions_.LockBlock(id, lock, NowMs());  // a fresh id: never held
        return Tagged(ctx.tag, records::AddBlock(ctx.ino, ctx.index, id, NowNs(), addrs));
      },
      &resp, [this, addrs, ctx](BlockId id, const ApplyResult& res, Responder& out) {
        if (res.replayed) {  // an earlier attempt's record opened the write
          sessions_.UnlockBlock(id, ctx.session);
          return ReplyReplayedWrite(ctx.session, ctx.ino, ctx.index, ctx.block_size,
                                    ctx.lease_ms, out);
        }
        flatbuffers::FlatBufferBuilder fbb(256);
        auto loc = BuildLocation(fbb, ctx.index, id, 1, 0, addrs);
        fbb.Finish(fb::CreateWriteBlockReply(fbb, loc, ctx.block_size, true, ctx.lease_ms));
        out.Reply(fbb);
      });
}

void MetaServer::GrantNextVersion(const WriteGrantCtx& ctx, const BlockInfo& existing,
                                  uint32_t new_version, int64_t now_ms, Responder& resp) {
  // This client takes the block's write lock and moves it to a new version;
  // the replicas holding the current version get the writes.
  std::vector<std::string> addrs;
  {
    std::lock_guard l(reg_mu_);
    for (const LocatedReplica& rep : blockds_->Locate(existing.id, existing.version, ctx.host))
      addrs.push_back(rep.address);
  }
  if (addrs.empty())
    return resp.Fail(Status(StatusCode::Io,
                            fmt::format("block {} of inode {} has no live replica at version {}",
                                        existing.id, ctx.ino, existing.version)));
  BlockLock lock;
  lock.session = ctx.session;
  lock.inode = ctx.ino;
  lock.old_version = existing.version;
  lock.new_version = new_version;
  lock.replicas = addrs;
  Status st = sessions_.LockBlock(existing.id, lock, now_ms);
  if (!st.ok()) return resp.Fail(st);
  Commit(Tagged(ctx.tag, records::BumpBlockVersion(ctx.ino, ctx.index, existing.id, new_version,
                                                   NowNs(), addrs)),
         &resp, [this, addrs, ctx, existing, new_version](const ApplyResult& res, Responder& out) {
           if (res.replayed)  // an earlier attempt's record opened the write
             return ReplyReplayedWrite(ctx.session, ctx.ino, ctx.index, ctx.block_size,
                                       ctx.lease_ms, out);
           flatbuffers::FlatBufferBuilder fbb(256);
           auto loc = BuildLocation(fbb, ctx.index, existing.id, new_version, existing.length, addrs);
           fbb.Finish(fb::CreateWriteBlockReply(fbb, loc, ctx.block_size, false, ctx.lease_ms));
           out.Reply(fbb);
         });
}

void MetaServer::ReplyRetriedWrite(uint64_t session, InodeId ino, uint32_t index,
                                   const RetriedWriteGrant& g, uint32_t block_size,
                                   uint32_t lease_ms, Responder& out) {
  BlockLock lock;
  lock.session = session;
  lock.inode = ino;
  lock.old_version = g.from_version;
  lock.new_version = g.block.version;
  lock.replicas = g.replicas;
  Status st = sessions_.LockBlock(g.block.id, lock, NowMs());
  if (!st.ok()) return out.Fail(st);
  log_.Info("metad: retried WriteBlock ino={} index={} answered with its open write block={} version={}",
            ino, index, g.block.id, g.block.version);
  flatbuffers::FlatBufferBuilder fbb(256);
  auto loc = BuildLocation(fbb, index, g.block.id, g.block.version, g.block.length, g.replicas);
  fbb.Finish(fb::CreateWriteBlockReply(fbb, loc, block_size, g.new_block, lease_ms));
  out.Reply(fbb);
}

void MetaServer::ReassertWrite(uint64_t session, InodeId ino, uint32_t index,
                               const BlockInfo& existing, const BlockWrite& write,
                               uint64_t version, uint32_t block_size, uint32_t lease_ms,
                               Responder& out) {
  if (session == 0) return out.Fail(Status(StatusCode::Invalid, "re-assert without a session"));
  if (existing.id == 0 || !write.open || existing.version != version)
    return out.Fail(Status(StatusCode::StaleVersion,
                           fmt::format("block {} of inode {} has no open write at version {}: "
                                       "it was settled",
                                       index, ino, version)));
  BlockLock lock;
  lock.session = session;
  lock.inode = ino;
  lock.old_version = write.from_version;
  lock.new_version = static_cast<uint32_t>(version);
  lock.replicas = write.granted;
  {
    // Under reg_mu_, as the settle's last look for a lock (settle.cc): a
    // block is either being settled or re-asserted, never both.
    std::lock_guard l(reg_mu_);
    if (settling_.contains(existing.id))
      return out.Fail(Status(StatusCode::StaleVersion,
                             fmt::format("block {} of inode {} is being settled", index, ino)));
    Status st = sessions_.LockBlock(existing.id, lock, NowMs());
    if (!st.ok()) return out.Fail(st);
  }
  log_.Info("metad: session {} re-asserted its write of block={} (inode={} index={} version={})",
            session, existing.id, ino, index, version);
  flatbuffers::FlatBufferBuilder fbb(256);
  auto loc = BuildLocation(fbb, index, existing.id, version, existing.length, write.granted);
  fbb.Finish(fb::CreateWriteBlockReply(fbb, loc, block_size, write.from_version == 0, lease_ms));
  out.Reply(fbb);
}

void MetaServer::ReplyReplayedWrite(uint64_t session, InodeId ino, uint32_t index,
                                    uint32_t block_size, uint32_t lease_ms, Responder& out) {
  std::optional<RetriedWriteGrant> g;
  {
    std::shared_lock l(ns_mu_);
    Result<FileBlocks> b = ns_->GetBlocks(ino, index, 1);
    if (b.ok() && !b->blocks.empty()) g = GrantOfOpenWrite(b->blocks[0], ns_->WriteOf(b->blocks[0].id));
  }
  if (!g)
    return out.Fail(Status(StatusCode::LockHeld,
                           fmt::format("block {} of inode {}: the retried write is no longer open", index, ino)));
  ReplyRetriedWrite(session, ino, index, *g, block_size, lease_ms, out);
}

}  // namespace opendfs::metad
