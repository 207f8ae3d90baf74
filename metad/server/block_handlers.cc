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

  s.Handle<fb::WriteBlockRequest>(M(fb::MetaMethod::WriteBlock), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::WriteBlockRequest>();
    std::string host = ClientHost(r->caller(), req);
    uint64_t session = r->caller() ? r->caller()->session() : 0;
    if (r->index() > UINT32_MAX)
      return resp.Fail(Status(StatusCode::FileTooBig, "block index beyond 2^32"));
    uint32_t index = static_cast<uint32_t>(r->index());
    // Exactly-once (write_retry.h): a resend of a WriteBlock whose record
    // was applied gets the write that record opened.
    const uint64_t client_id = r->caller() ? r->caller()->client_id() : 0;
    const uint64_t request_id = r->caller() ? r->caller()->request_id() : 0;
    std::optional<StoredResult> done;
    Attr attr;
    BlockInfo existing;
    BlockWrite write;  // the block's write state, if it has any
    {
      std::shared_lock l(ns_mu_);
      Result<Attr> a = ns_->GetAttr(r->ino());
      if (!a.ok()) return resp.Fail(a.status());
      attr = *a;
      if (!S_ISREG(attr.mode))
        return resp.Fail(Status(StatusCode::Invalid, fmt::format("inode {} is not a regular file", r->ino())));
      Result<FileBlocks> b = ns_->GetBlocks(r->ino(), index, 1);
      if (!b.ok()) return resp.Fail(b.status());
      if (!b->blocks.empty()) existing = b->blocks[0];
      if (const BlockWrite* w = existing.id ? ns_->WriteOf(existing.id) : nullptr) write = *w;
      if (client_id != 0 && request_id != 0)
        if (const StoredResult* d = ns_->requests().Find(client_id, request_id)) done = *d;
    }
    uint32_t block_size = attr.block_size;
    uint32_t lease_ms = static_cast<uint32_t>(sessions_.lease_ms());
    // The lock lives as long as the session (sessions.h): a lock taken under
    // a session this metad does not know would be dropped at once. Refused,
    // the client opens a new session and asks again.
    if (session != 0) {
      Status live = sessions_.KeepAlive(session, NowMs());
      if (!live.ok()) return resp.Fail(live);
    }
    if (r->reassert_version() != 0)
      return ReassertWrite(session, r->ino(), index, existing, write, r->reassert_version(),
                           block_size, lease_ms, resp);
    if (done) {
      if (done->code != StatusCode::Ok) return resp.Fail(Status(done->code, done->message));
      if (auto g = GrantOfOpenWrite(existing, &write))
        return ReplyRetriedWrite(session, r->ino(), index, *g, block_size, lease_ms, resp);
      // Its write is over (settled): a fresh grant below, untagged, since
      // the table already holds this request id.
    }
    auto tag = [&](std::string record) {
      return done ? std::move(record) : Tagged(r->caller(), std::move(record));
    };

    if (existing.id == 0) {
      // A new block: placement first, so that a cluster without room fails
      // before anything is logged.
      std::vector<std::string> addrs;
      {
        std::lock_guard l(reg_mu_);
        int rep = attr.replication ? attr.replication : static_cast<int>(settings_.default_blk_rep);
        Result<std::vector<BlockdId>> t = blockds_->ChooseTargets(rep, host, {}, *rng_);
        if (!t.ok()) return resp.Fail(t.status().Annotate(fmt::format("allocate block {} of inode {}", index, r->ino())));
        for (BlockdId id : *t) addrs.push_back(blockds_->registry().Find(id)->address);
      }
      BlockId id = NextBlockId();
      // The writer owns the new block until CommitBlock. Locked before the
      // record opens the write, so that the leader never sees the write
      // open without its lock and settles it (settle.cc).
      BlockLock lock;
      lock.session = session;
      lock.inode = r->ino();
      lock.old_version = 0;
      lock.new_version = 1;
      lock.replicas = addrs;
      (void)sessions_.LockBlock(id, lock, NowMs());  // a fresh id: never held
      Commit(tag(records::AddBlock(r->ino(), index, id, NowNs(), addrs)), &resp,
             [this, addrs, block_size, lease_ms, index, id, session, ino = r->ino()](
                 const ApplyResult& res, Responder& out) {
               if (res.replayed) {  // an earlier attempt's record opened the write
                 sessions_.UnlockBlock(id, session);
                 return ReplyReplayedWrite(session, ino, index, block_size, lease_ms, out);
               }
               flatbuffers::FlatBufferBuilder fbb(256);
               auto loc = BuildLocation(fbb, index, id, 1, 0, addrs);
               fbb.Finish(fb::CreateWriteBlockReply(fbb, loc, block_size, true, lease_ms));
               out.Reply(fbb);
             });
      return;
    }

    // An existing block: this client takes its write lock and moves it to a
    // new version; the replicas holding the current version get the writes.
    BlockLock held;
    int64_t now_ms = NowMs();
    bool locked = sessions_.FindLock(existing.id, &held, now_ms);
    if (locked && held.session == session && session != 0) {
      // Same writer again before committing: keep its version and replicas.
      Status st = sessions_.LockBlock(existing.id, held, now_ms);
      if (!st.ok()) return resp.Fail(st);
      flatbuffers::FlatBufferBuilder fbb(256);
      auto loc = BuildLocation(fbb, index, existing.id, held.new_version, existing.length, held.replicas);
      fbb.Finish(fb::CreateWriteBlockReply(fbb, loc, block_size, false, lease_ms));
      return resp.Reply(fbb);
    }
    // Another client is writing this block: its version is already bumped,
    // so say LockHeld (the client waits and retries) before looking for
    // replicas at a version that is in flux.
    if (locked && held.session != session)
      return resp.Fail(Status(StatusCode::LockHeld,
                              fmt::format("block {} of inode {} is being written by session {}",
                                          existing.id, r->ino(), held.session)));
    // A write whose writer is gone: the leader settles it within a tick or
    // two (after a takeover, one lease); the client waits as for a lock.
    if (write.open)
      return resp.Fail(Status(StatusCode::LockHeld,
                              fmt::format("block {} of inode {} has an unsettled write at version {}",
                                          existing.id, r->ino(), existing.version)));
    std::vector<std::string> addrs;
    {
      std::lock_guard l(reg_mu_);
      for (const LocatedReplica& rep : blockds_->Locate(existing.id, existing.version, host))
        addrs.push_back(rep.address);
    }
    if (addrs.empty())
      return resp.Fail(Status(StatusCode::Io,
                              fmt::format("block {} of inode {} has no live replica at version {}",
                                          existing.id, r->ino(), existing.version)));
    BlockLock lock;
    lock.session = session;
    lock.inode = r->ino();
    lock.old_version = existing.version;
    // Past any version a settled-back write used (block_write.h).
    lock.new_version = std::max(existing.version, write.burned_version) + 1;
    lock.replicas = addrs;
    Status st = sessions_.LockBlock(existing.id, lock, now_ms);
    if (!st.ok()) return resp.Fail(st);
    Commit(tag(records::BumpBlockVersion(r->ino(), index, existing.id, lock.new_version, NowNs(), addrs)),
           &resp,
           [this, addrs, block_size, lease_ms, index, existing, lock, session](
               const ApplyResult& res, Responder& out) {
             if (res.replayed)  // an earlier attempt's record opened the write
               return ReplyReplayedWrite(session, lock.inode, index, block_size, lease_ms, out);
             flatbuffers::FlatBufferBuilder fbb(256);
             auto loc = BuildLocation(fbb, index, existing.id, lock.new_version, existing.length, addrs);
             fbb.Finish(fb::CreateWriteBlockReply(fbb, loc, block_size, false, lease_ms));
             out.Reply(fbb);
           });
  });

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
             flatbuffers::FlatBufferBuilder fbb(128);
             fb::Attr wa = ToWire(res.attr);
             fbb.Finish(fb::CreateCommitBlockReply(fbb, &wa));
             out.Reply(fbb);
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
