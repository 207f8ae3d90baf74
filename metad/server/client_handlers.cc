// Client-facing namespace operations (schema/meta.fbs): each handler reads
// its verified request, answers reads under the shared namespace lock, and
// turns mutations into one editlog record committed through Commit().
#include <fcntl.h>
#include <sys/stat.h>

#include "metad/server/meta_server.h"
#include "metad/server/wire.h"
#include "metad/namespace/records.h"

namespace opendfs::metad {
namespace {

constexpr uint16_t M(fb::MetaMethod m) { return static_cast<uint16_t>(m); }

int AccessMaskForOpen(uint32_t flags) {
  switch (flags & O_ACCMODE) {
    case O_RDONLY: return (flags & O_TRUNC) ? kAccessRead | kAccessWrite : kAccessRead;
    case O_WRONLY: return kAccessWrite;
    default: return kAccessRead | kAccessWrite;
  }
}

bool OpensForWrite(uint32_t flags) { return (flags & O_ACCMODE) != O_RDONLY; }

// Events of a name added to / removed from `parent` (its attributes change
// with it: mtime, nlink).
std::vector<CacheEvent> Added(uint64_t parent, const flatbuffers::String* name) {
  return {CacheEvent::Entry(parent, std::string(Str(name)), false), CacheEvent::Inode(parent)};
}
std::vector<CacheEvent> Removed(uint64_t parent, const flatbuffers::String* name) {
  return {CacheEvent::Entry(parent, std::string(Str(name)), true), CacheEvent::Inode(parent)};
}

void ReplyOpen(Responder& r, const Attr& a, uint64_t handle, uint64_t inline_max) {
  flatbuffers::FlatBufferBuilder fbb(128);
  fb::Attr wa = ToWire(a);
  fbb.Finish(fb::CreateOpenReply(fbb, &wa, handle, static_cast<uint32_t>(inline_max),
                                 a.block_count != 0));
  r.Reply(fbb);
}

}  // namespace

std::optional<Attr> MetaServer::UnchangedByRoot(const Cred& cred,
                                                const records::SetAttrArgs& a) {
  // tar and cp -a chown and chmod every file they create to what it already
  // is: as root, with no set-id bit to clear, such a call changes nothing but
  // ctime, and is answered without a Paxos round (ctime stays; documented).
  using F = fb::SetAttrField;
  const uint32_t ownership = static_cast<uint32_t>(F::Mode) |
                             static_cast<uint32_t>(F::Uid) | static_cast<uint32_t>(F::Gid);
  const uint32_t f = static_cast<uint32_t>(a.fields);
  if (cred.uid != 0 || (f & ~ownership) != 0) return std::nullopt;
  std::shared_lock l(ns_mu_);
  Result<Attr> cur = ns_->GetAttr(a.inode);
  if (!cur.ok() || (cur->mode & (S_ISUID | S_ISGID)) != 0) return std::nullopt;
  if ((f & static_cast<uint32_t>(F::Mode)) && (cur->mode & 07777) != a.mode) return std::nullopt;
  if ((f & static_cast<uint32_t>(F::Uid)) && cur->uid != a.uid) return std::nullopt;
  if ((f & static_cast<uint32_t>(F::Gid)) && cur->gid != a.gid) return std::nullopt;
  return *cur;
}

Status MetaServer::OpenFilesKnown(const fb::Caller* caller) {
  // Whether an unlinked file is kept for its open handles is decided from
  // this leader's handles, which are soft state: after a leader change a
  // mount's handles exist here only once it has opened a new session and
  // re-opened its files (mount/client/open_handles.h). Until then its
  // unlinks and renames are refused with SessionExpired, which makes it do
  // exactly that first. Session 0 (the CLI) holds no files open.
  const uint64_t session = caller != nullptr ? caller->session() : 0;
  if (session == 0) return Status::Ok();
  return sessions_.KeepAlive(session, NowMs());
}

std::string MetaServer::Tagged(const fb::Caller* caller, std::string record) {
  if (caller != nullptr)
    (void)records::TagClientRequest(record, caller->client_id(), caller->request_id());
  return record;
}

void MetaServer::RegisterClientHandlers() {
  LeaderOnly s{this, *cli_server_};

  s.Handle<fb::HelloRequest>(M(fb::MetaMethod::Hello), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::HelloRequest>();
    uint64_t id = sessions_.Open(std::string(Str(r->host())), NowMs());
    log_.Info("metad: session={} opened host={} peer={} mountpoint={}", id, Str(r->host()),
              req.peer, Str(r->mountpoint()));
    flatbuffers::FlatBufferBuilder fbb(64);
    fbb.Finish(fb::CreateHelloReply(fbb, id, static_cast<uint32_t>(sessions_.lease_ms()),
                                    fbb.CreateString("opendfs")));
    resp.Reply(fbb);
  });

  s.Handle<fb::KeepAliveRequest>(
      M(fb::MetaMethod::KeepAlive), [this](Request&& req, Responder&& resp) {
        Status st = sessions_.KeepAlive(req.As<fb::KeepAliveRequest>()->session(), NowMs());
        if (!st.ok()) return resp.Fail(st);
        flatbuffers::FlatBufferBuilder fbb(32);
        fbb.Finish(fb::CreateKeepAliveReply(fbb, static_cast<uint32_t>(sessions_.lease_ms())));
        resp.Reply(fbb);
      });

  s.Handle<fb::LookupRequest>(M(fb::MetaMethod::Lookup), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::LookupRequest>();
    Result<Attr> a = [&] {
      std::shared_lock l(ns_mu_);
      Result<Attr> found = ns_->Lookup(r->parent(), Str(r->name()), CredFrom(r->caller()));
      NoteCached(r->caller(), r->parent(), found.ok() ? found->ino : 0);
      return found;
    }();
    if (!a.ok()) return resp.Fail(a.status());
    ReplyAttr(resp, *a);
  });

  s.Handle<fb::GetAttrRequest>(M(fb::MetaMethod::GetAttr), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::GetAttrRequest>();
    Result<Attr> a = [&] {
      std::shared_lock l(ns_mu_);
      NoteCached(r->caller(), r->ino());
      return ns_->GetAttr(r->ino());
    }();
    if (!a.ok()) return resp.Fail(a.status());
    ReplyAttr(resp, *a);
  });

  s.Handle<fb::SetAttrRequest>(M(fb::MetaMethod::SetAttr), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::SetAttrRequest>();
    using B = fb::SetAttrBits;
    using F = fb::SetAttrField;
    uint32_t v = r->valid();
    auto has = [v](B b) { return (v & static_cast<uint32_t>(b)) != 0; };
    int64_t now = NowNs();
    records::SetAttrArgs a;
    a.inode = r->ino();
    uint32_t f = 0;
    if (has(B::Mode)) { f |= static_cast<uint32_t>(F::Mode); a.mode = r->mode() & 07777; }
    if (has(B::Uid)) { f |= static_cast<uint32_t>(F::Uid); a.uid = r->uid(); }
    if (has(B::Gid)) { f |= static_cast<uint32_t>(F::Gid); a.gid = r->gid(); }
    if (has(B::Size)) {
      f |= static_cast<uint32_t>(F::Size);
      a.size = r->size();
      // ftruncate through a descriptor opened for writing (mode may be 0).
      if (r->handle() != 0 && sessions_.IsWritableHandle(r->handle(), r->ino()))
        f |= static_cast<uint32_t>(F::OpenForWrite);
    }
    if (has(B::AtimeNow)) {
      f |= static_cast<uint32_t>(F::Atime) | static_cast<uint32_t>(F::AtimeNow);
      a.atime_ns = now;
    } else if (has(B::Atime)) {
      f |= static_cast<uint32_t>(F::Atime);
      a.atime_ns = r->atime_ns();
    }
    if (has(B::MtimeNow)) {
      f |= static_cast<uint32_t>(F::Mtime) | static_cast<uint32_t>(F::MtimeNow);
      a.mtime_ns = now;
    } else if (has(B::Mtime)) {
      f |= static_cast<uint32_t>(F::Mtime);
      a.mtime_ns = r->mtime_ns();
    }
    a.fields = static_cast<F>(f);
    if (f == 0) {  // e.g. a ctime-only change: report current attributes
      std::shared_lock l(ns_mu_);
      Result<Attr> cur = ns_->GetAttr(r->ino());
      if (!cur.ok()) return resp.Fail(cur.status());
      return ReplyAttr(resp, *cur);
    }
    if (auto cur = UnchangedByRoot(CredFrom(r->caller()), a)) return ReplyAttr(resp, *cur);
    CommitNotifying(Tagged(r->caller(), records::SetAttr(a, CredFrom(r->caller()), now)), &resp,
                    r->caller(), {},
                    [](const ApplyResult& res, Responder& out) { ReplyAttr(out, res.attr); });
  });

  s.Handle<fb::MkdirRequest>(M(fb::MetaMethod::Mkdir), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::MkdirRequest>();
    // The umask is applied by the apply step, unless the parent has a
    // default ACL (ns_acl.cc).
    uint32_t mode = r->mode() & 07777;
    CommitNewInode(
        [&](InodeId ino) {
          return Tagged(r->caller(), records::Mkdir(r->parent(), Str(r->name()), ino, mode,
                                                    CredFrom(r->caller()), NowNs(),
                                                    r->umask() & 0777));
        },
        &resp, r->caller(), Added(r->parent(), r->name()),
        [](const ApplyResult& res, Responder& out) { ReplyAttr(out, res.attr); });
  });

  s.Handle<fb::MknodRequest>(M(fb::MetaMethod::Mknod), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::MknodRequest>();
    records::CreateArgs a;
    a.parent = r->parent();
    a.name = Str(r->name());
    uint32_t type = r->mode() & S_IFMT;
    a.mode = (type ? type : S_IFREG) | (r->mode() & 07777);
    a.umask = r->umask() & 0777;
    a.rdev = r->rdev();
    a.exclusive = true;
    a.block_size = static_cast<uint32_t>(settings_.default_blk_sz);
    a.replication = NewFileGoal(a.parent, 0);
    CommitNewInode(
        [&](InodeId ino) {
          a.inode = ino;
          return Tagged(r->caller(), records::Create(a, CredFrom(r->caller()), NowNs()));
        },
        &resp, r->caller(), Added(r->parent(), r->name()),
        [](const ApplyResult& res, Responder& out) { ReplyAttr(out, res.attr); });
  });

  s.Handle<fb::CreateRequest>(M(fb::MetaMethod::Create), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::CreateRequest>();
    records::CreateArgs a;
    a.parent = r->parent();
    a.name = Str(r->name());
    a.mode = S_IFREG | (r->mode() & 07777);
    a.umask = r->umask() & 0777;
    a.exclusive = (r->flags() & O_EXCL) != 0;
    uint64_t bs = r->block_size() ? r->block_size() : settings_.default_blk_sz;
    if (bs % (64 << 10) != 0 || bs > (1ull << 31))
      return resp.Fail(Status(StatusCode::Invalid,
                              fmt::format("block size {} is not a multiple of 64 KiB up to 2 GiB", bs)));
    a.block_size = static_cast<uint32_t>(bs);
    if (r->replication() > 16)
      return resp.Fail(Status(StatusCode::Invalid, fmt::format("replication {} not in 1..16", r->replication())));
    a.replication = NewFileGoal(a.parent, r->replication());
    uint64_t session = r->caller() ? r->caller()->session() : 0;
    const bool writable = OpensForWrite(r->flags());
    CommitNewInode(
        [&](InodeId ino) {
          a.inode = ino;
          return Tagged(r->caller(), records::Create(a, CredFrom(r->caller()), NowNs()));
        },
        &resp, r->caller(), Added(r->parent(), r->name()),
        [this, session, writable](const ApplyResult& res, Responder& out) {
          ReplyOpen(out, res.attr, sessions_.AddHandle(session, res.attr.ino, writable),
                    settings_.inline_max);
        });
  });

  s.Handle<fb::SymlinkRequest>(M(fb::MetaMethod::Symlink), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::SymlinkRequest>();
    CommitNewInode(
        [&](InodeId ino) {
          return Tagged(r->caller(), records::Symlink(r->parent(), Str(r->name()), ino,
                                                      Str(r->target()), CredFrom(r->caller()),
                                                      NowNs()));
        },
        &resp, r->caller(), Added(r->parent(), r->name()),
        [](const ApplyResult& res, Responder& out) { ReplyAttr(out, res.attr); });
  });

  s.Handle<fb::ReadLinkRequest>(
      M(fb::MetaMethod::ReadLink), [this](Request&& req, Responder&& resp) {
        Result<std::string> t = [&] {
          std::shared_lock l(ns_mu_);
          return ns_->ReadLink(req.As<fb::ReadLinkRequest>()->ino());
        }();
        if (!t.ok()) return resp.Fail(t.status());
        flatbuffers::FlatBufferBuilder fbb(64 + t->size());
        fbb.Finish(fb::CreateReadLinkReply(fbb, fbb.CreateString(*t)));
        resp.Reply(fbb);
      });

  s.Handle<fb::LinkRequest>(M(fb::MetaMethod::Link), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::LinkRequest>();
    CommitNotifying(Tagged(r->caller(), records::Link(r->ino(), r->new_parent(), Str(r->new_name()),
                                                      CredFrom(r->caller()), NowNs())),
           &resp, r->caller(), Added(r->new_parent(), r->new_name()), [](const ApplyResult& res, Responder& out) { ReplyAttr(out, res.attr); });
  });

  s.Handle<fb::UnlinkRequest>(M(fb::MetaMethod::Unlink), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::UnlinkRequest>();
    Cred cred = CredFrom(r->caller());
    if (Status st = OpenFilesKnown(r->caller()); !st.ok()) return resp.Fail(st);
    bool keep = false;
    {
      std::shared_lock l(ns_mu_);
      Result<Attr> victim = ns_->Lookup(r->parent(), Str(r->name()), Cred::Root());
      keep = victim.ok() && sessions_.IsOpen(victim->ino);
    }
    CommitNotifying(Tagged(r->caller(), records::Unlink(r->parent(), Str(r->name()), keep, cred,
                                                        NowNs())),
           &resp, r->caller(), Removed(r->parent(), r->name()), [](const ApplyResult&, Responder& out) { ReplyEmpty(out); });
  });

  s.Handle<fb::RmdirRequest>(M(fb::MetaMethod::Rmdir), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::RmdirRequest>();
    CommitNotifying(Tagged(r->caller(), records::Rmdir(r->parent(), Str(r->name()),
                                                       CredFrom(r->caller()), NowNs())),
           &resp, r->caller(), Removed(r->parent(), r->name()), [](const ApplyResult&, Responder& out) { ReplyEmpty(out); });
  });

  s.Handle<fb::RenameRequest>(M(fb::MetaMethod::Rename), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::RenameRequest>();
    if (Status st = OpenFilesKnown(r->caller()); !st.ok()) return resp.Fail(st);
    bool keep = false;
    std::vector<CacheEvent> events = Removed(r->parent(), r->name());
    {
      std::shared_lock l(ns_mu_);
      Result<Attr> target = ns_->Lookup(r->new_parent(), Str(r->new_name()), Cred::Root());
      keep = target.ok() && sessions_.IsOpen(target->ino);
      // The name moved to now leads elsewhere when it existed (replaced,
      // exchanged), else it is new; a replaced inode lost a link.
      std::vector<CacheEvent> to = target.ok() ? Removed(r->new_parent(), r->new_name())
                                               : Added(r->new_parent(), r->new_name());
      events.insert(events.end(), to.begin(), to.end());
      if (target.ok()) events.push_back(CacheEvent::Inode(target->ino));
    }
    CommitNotifying(Tagged(r->caller(), records::Rename(r->parent(), Str(r->name()), r->new_parent(),
                                                        Str(r->new_name()), r->flags(), keep,
                                                        CredFrom(r->caller()), NowNs())),
           &resp, r->caller(), std::move(events), [](const ApplyResult&, Responder& out) { ReplyEmpty(out); });
  });

  s.Handle<fb::OpenRequest>(M(fb::MetaMethod::Open), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::OpenRequest>();
    Result<Attr> a = [&]() -> Result<Attr> {
      std::shared_lock l(ns_mu_);
      ODFS_RETURN_IF_ERROR(ns_->Access(r->ino(), CredFrom(r->caller()),
                                       AccessMaskForOpen(r->flags())));
      NoteCached(r->caller(), r->ino());
      return ns_->GetAttr(r->ino());
    }();
    if (!a.ok()) return resp.Fail(a.status());
    uint64_t session = r->caller() ? r->caller()->session() : 0;
    ReplyOpen(resp, *a, sessions_.AddHandle(session, a->ino, OpensForWrite(r->flags())),
              settings_.inline_max);
  });

  s.Handle<fb::ReleaseRequest>(M(fb::MetaMethod::Release), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::ReleaseRequest>();
    if (sessions_.ReleaseHandle(r->handle(), r->ino())) PurgeIfOrphan(r->ino());
    ReplyEmpty(resp);
  });

  s.Handle<fb::ReadDirRequest>(M(fb::MetaMethod::ReadDir), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::ReadDirRequest>();
    size_t max = std::clamp<size_t>(r->max_entries(), 1, 4096);
    Result<DirPage> page = [&] {
      std::shared_lock l(ns_mu_);
      Result<DirPage> listed = ns_->ReadDir(r->ino(), r->cookie(), max);
      NoteCached(r->caller(), r->ino());
      if (listed.ok() && r->plus())
        for (const DirListEntry& e : listed->entries) NoteCached(r->caller(), e.attr.ino);
      return listed;
    }();
    if (!page.ok()) return resp.Fail(page.status());
    flatbuffers::FlatBufferBuilder fbb(256 + page->entries.size() * 96);
    std::vector<flatbuffers::Offset<fb::DirEntry>> entries;
    entries.reserve(page->entries.size());
    for (const DirListEntry& e : page->entries) {
      fb::Attr wa = ToWire(e.attr);
      entries.push_back(fb::CreateDirEntry(fbb, fbb.CreateString(e.name), e.attr.ino, e.attr.mode,
                                           e.cookie, &wa));
    }
    fbb.Finish(fb::CreateReadDirReply(fbb, fbb.CreateVector(entries), page->end));
    resp.Reply(fbb);
  });

  s.Handle<fb::StatFsRequest>(M(fb::MetaMethod::StatFs), [this](Request&&, Responder&& resp) {
    uint64_t capacity = 0, used = 0, free_bytes = 0;
    {
      std::lock_guard l(reg_mu_);
      for (const BlockdInfo& b : blockds_->registry().all()) {
        if (b.state == BlockdState::kDead) continue;
        capacity += b.stats.capacity_bytes;
        used += b.stats.used_bytes;
        free_bytes += b.stats.free_bytes();
      }
    }
    uint64_t inodes = 0;
    {
      std::shared_lock l(ns_mu_);
      inodes = ns_->inode_count();
    }
    flatbuffers::FlatBufferBuilder fbb(64);
    fbb.Finish(fb::CreateStatFsReply(fbb, capacity, used, free_bytes, inodes,
                                     static_cast<uint32_t>(settings_.default_blk_sz),
                                     static_cast<uint32_t>(kMaxNameBytes)));
    resp.Reply(fbb);
  });

  s.Handle<fb::SetXattrRequest>(M(fb::MetaMethod::SetXattr), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::SetXattrRequest>();
    std::string_view value;
    if (r->value())
      value = std::string_view(reinterpret_cast<const char*>(r->value()->data()), r->value()->size());
    CommitNotifying(Tagged(r->caller(), records::SetXattr(r->ino(), Str(r->name()), value,
                                                          r->flags(), CredFrom(r->caller()), NowNs())),
           &resp, r->caller(), {}, [](const ApplyResult&, Responder& out) { ReplyEmpty(out); });
  });

  s.Handle<fb::GetXattrRequest>(M(fb::MetaMethod::GetXattr), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::GetXattrRequest>();
    Result<std::string> v = [&] {
      std::shared_lock l(ns_mu_);
      return ns_->GetXattr(r->ino(), Str(r->name()), CredFrom(r->caller()));
    }();
    if (!v.ok()) return resp.Fail(v.status());
    flatbuffers::FlatBufferBuilder fbb(64 + v->size());
    auto bytes = fbb.CreateVector(reinterpret_cast<const uint8_t*>(v->data()), v->size());
    fbb.Finish(fb::CreateGetXattrReply(fbb, bytes));
    resp.Reply(fbb);
  });

  s.Handle<fb::ListXattrRequest>(
      M(fb::MetaMethod::ListXattr), [this](Request&& req, Responder&& resp) {
        const auto* r = req.As<fb::ListXattrRequest>();
        Result<std::vector<std::string>> names = [&] {
          std::shared_lock l(ns_mu_);
          return ns_->ListXattr(r->ino(), CredFrom(r->caller()));
        }();
        if (!names.ok()) return resp.Fail(names.status());
        flatbuffers::FlatBufferBuilder fbb(256);
        fbb.Finish(fb::CreateListXattrReply(fbb, fbb.CreateVectorOfStrings(*names)));
        resp.Reply(fbb);
      });

  s.Handle<fb::RemoveXattrRequest>(
      M(fb::MetaMethod::RemoveXattr), [this](Request&& req, Responder&& resp) {
        const auto* r = req.As<fb::RemoveXattrRequest>();
        CommitNotifying(Tagged(r->caller(), records::RemoveXattr(r->ino(), Str(r->name()),
                                                                 CredFrom(r->caller()), NowNs())),
               &resp, r->caller(), {}, [](const ApplyResult&, Responder& out) { ReplyEmpty(out); });
      });

  s.Handle<fb::AccessRequest>(M(fb::MetaMethod::Access), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::AccessRequest>();
    Status st = [&] {
      std::shared_lock l(ns_mu_);
      return ns_->Access(r->ino(), CredFrom(r->caller()), static_cast<int>(r->mask() & 7));
    }();
    if (!st.ok()) return resp.Fail(st);
    ReplyEmpty(resp);
  });

  // The serving leader answers (its registry and replication monitor are
  // the ones acting); a follower sends the client there, and answers itself
  // only while it knows no leader (an election, a lost quorum).
  cli_server_->Handle<fb::ClusterStatusRequest>(
      M(fb::MetaMethod::ClusterStatus), [this](Request&& req, Responder&& resp) {
        if (replicated() && !replicator_->serving()) {
          std::string leader = LeaderCliAddress();
          if (!leader.empty() && leader != settings_.bind_for_cli)
            return resp.Fail(Status(StatusCode::NotLeader, "not the leader"), leader);
        }
        ClusterView v = GatherClusterView();
        flatbuffers::FlatBufferBuilder fbb(1024);
        std::vector<flatbuffers::Offset<fb::BlockdStatus>> rows;
        for (const BlockdView& b : v.blockds)
          rows.push_back(fb::CreateBlockdStatus(
              fbb, fbb.CreateString(b.address), fbb.CreateString(b.rack),
              fbb.CreateString(b.state), b.capacity_bytes, b.used_bytes, b.blocks,
              static_cast<uint64_t>(b.last_heartbeat_age_ms), b.drained));
        std::vector<flatbuffers::Offset<fb::MetadStatus>> metads;
        for (const MetadView& m : v.metads)
          metads.push_back(fb::CreateMetadStatus(
              fbb, fbb.CreateString(m.address), fbb.CreateString(m.role),
              fbb.CreateString(m.ballot), m.committed_index, m.applied_index, m.is_leader));
        const ReplicationCounters& rc = v.replication;
        const bool with_metrics = req.As<fb::ClusterStatusRequest>()->with_metrics();
        auto text = with_metrics ? fbb.CreateString(metrics_.Render())
                                 : flatbuffers::Offset<flatbuffers::String>();
        fbb.Finish(fb::CreateClusterStatusReply(fbb, fbb.CreateVector(metads),
                                                fbb.CreateVector(rows), v.files, v.blocks,
                                                rc.under_replicated, rc.missing, rc.corrupt,
                                                rc.pending_copies, rc.pending_deletions,
                                                rc.copies_completed, rc.waiting_for_reports,
                                                text));
        resp.Reply(fbb);
      });
}

}  // namespace opendfs::metad
