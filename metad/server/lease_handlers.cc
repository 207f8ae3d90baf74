// AcquireDirLease, FlushBatch, ReleaseDirLease (schema/meta.fbs,
// docs/write-back.md): the leader's side of write-back directory leases.
// The decisions are DirLeaseTable's (dir_leases.h); the recall gate in front
// of every client request is lease_gate.cc.
//
// Happy path: a mount asks for a lease on a directory; the leader checks it
// may be leased (a directory, no ACL, not larger than lease_max_entries),
// records it, commits a barrier record (EditReserveInodes when the mount
// wants inode ids, else a Noop) so that every change already queued is in
// the listing, tells the other mounts caching the directory to forget its
// names (DirNames), and answers with the listing once they acknowledged. The
// mount's buffered ops come back as one FlushBatch = one EditBatch record,
// each op built as its synchronous request would have been; the reply holds
// a result per op (late errors), handles of open creates, and the leases the
// mount no longer holds. Released leases run the requests parked on them.
//
// Failure modes: a refused grant says when to ask again (retry_ms); a flush
// of more than kMaxBatchOps ops is Invalid; a barrier that never commits
// (NotLeader, disk error) gives the lease back. Leases are leader memory: a
// new leader grants none for one session lease (StartLeaseGrace).
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <set>

#include "metad/namespace/records.h"
#include "metad/server/meta_server.h"
#include "metad/server/wire.h"

namespace opendfs::metad {
namespace {

constexpr uint16_t M(fb::MetaMethod m) { return static_cast<uint16_t>(m); }
constexpr uint32_t kMaxDelegatedInodes = 4096;  // per grant
constexpr size_t kMaxBatchOps = 4096;           // per FlushBatch (docs/write-back.md Bounds)

void ReplyRefused(Responder& out, uint32_t retry_ms) {
  flatbuffers::FlatBufferBuilder fbb(64);
  fbb.Finish(fb::CreateAcquireDirLeaseReply(fbb, false, retry_ms));
  out.Reply(fbb);
}

const char* RefusalName(LeaseRefusal r) {
  switch (r) {
    case LeaseRefusal::kGranted: return "granted";
    case LeaseRefusal::kHeld: return "held by another mount";
    case LeaseRefusal::kRecalling: return "being recalled";
    case LeaseRefusal::kCoolingDown: return "recalled moments ago";
    case LeaseRefusal::kTooMany: return "session at its lease bound";
    case LeaseRefusal::kGrace: return "leader grace period";
  }
  return "?";
}

}  // namespace

std::optional<Status> MetaServer::Unleasable(uint64_t dir) const {
  std::shared_lock l(ns_mu_);
  Result<Attr> a = ns_->GetAttr(dir);
  if (!a.ok()) return a.status();
  if (!S_ISDIR(a->mode)) return Status(StatusCode::NotDir, fmt::format("inode {} is not a directory", dir));
  // ACL checks and inheritance stay on the leader (docs/write-back.md Grant).
  for (const char* acl : {"system.posix_acl_access", "system.posix_acl_default"})
    if (ns_->GetXattr(dir, acl, Cred::Root()).ok())
      return Status(StatusCode::Busy, fmt::format("directory {} has an ACL", dir));
  const size_t max = static_cast<size_t>(settings_.lease_max_entries);
  size_t entries = 0;
  for (uint64_t cookie = 0;;) {
    Result<DirPage> page = ns_->ReadDir(dir, cookie, 4096);
    if (!page.ok()) return page.status();
    entries += page->entries.size();
    if (entries > max)
      return Status(StatusCode::Busy, fmt::format("directory {} has more than {} entries", dir, max));
    if (page->end || page->entries.empty()) break;
    cookie = page->entries.back().cookie;
  }
  return std::nullopt;
}

void MetaServer::ReplyGranted(uint64_t session, uint64_t dir, const ApplyResult& barrier,
                              uint32_t inodes, Responder& out) {
  flatbuffers::FlatBufferBuilder fbb(1024);
  std::vector<flatbuffers::Offset<fb::DirEntry>> entries;
  fb::Attr dir_attr;
  {
    std::shared_lock l(ns_mu_);
    Result<Attr> a = ns_->GetAttr(dir);
    if (!a.ok()) return out.Fail(a.status());
    dir_attr = ToWire(*a);
    invalidations_.Note(session, dir);
    for (uint64_t cookie = 0;;) {
      Result<DirPage> page = ns_->ReadDir(dir, cookie, 4096);
      if (!page.ok()) return out.Fail(page.status());
      for (const DirListEntry& e : page->entries) {
        fb::Attr wa = ToWire(e.attr);
        entries.push_back(fb::CreateDirEntry(fbb, fbb.CreateString(e.name), e.attr.ino,
                                             e.attr.mode, e.cookie, &wa));
        invalidations_.Note(session, e.attr.ino);
      }
      if (page->end || page->entries.empty()) break;
      cookie = page->entries.back().cookie;
    }
  }
  fbb.Finish(fb::CreateAcquireDirLeaseReply(fbb, true, 0, &dir_attr, fbb.CreateVector(entries),
                                            inodes ? barrier.first_reserved : 0, inodes));
  out.Reply(fbb);
}

void MetaServer::RegisterLeaseHandlers() {
  LeaderOnly s{this, *cli_server_};

  s.Handle<fb::AcquireDirLeaseRequest>(
      M(fb::MetaMethod::AcquireDirLease), [this](Request&& req, Responder&& resp) {
        const auto* r = req.As<fb::AcquireDirLeaseRequest>();
        const uint64_t session = SessionOf(r->caller());
        const uint64_t dir = r->dir();
        if (session == 0)
          return resp.Fail(Status(StatusCode::Invalid, "a directory lease needs a session"));
        if (Status st = sessions_.KeepAlive(session, NowMs()); !st.ok()) return resp.Fail(st);
        if (std::optional<Status> no = Unleasable(dir)) {
          if (no->code() != StatusCode::Busy) return resp.Fail(*no);
          log_.Debug("metad: lease of dir={} refused to session={}: {}", dir, session, no->message());
          return ReplyRefused(resp, 60000);
        }
        // Exclusive: no gated request is between its gate and its submit
        // while the lease is recorded and the barrier queued (lease_gate.cc).
        std::unique_lock gate(lease_gate_mu_);
        LeaseGrant g;
        {
          std::lock_guard l(leases_mu_);
          g = leases_.Acquire(session, dir, NowMs());
        }
        if (!g.granted()) {
          log_.Debug("metad: lease of dir={} refused to session={}: {}", dir, session,
                     RefusalName(g.refusal));
          return ReplyRefused(resp, g.retry_ms);
        }
        const uint32_t want = std::min(r->want_inodes(), kMaxDelegatedInodes);
        auto out = std::make_shared<Responder>(std::move(resp));
        auto done = [this, session, dir, want, out](const store::Committed& c) {
          const bool applied = c.index != 0 && last_apply_.status.ok();
          if (!applied) {
            std::optional<LeaseEnded> ended;
            {
              std::lock_guard l(leases_mu_);
              ended = leases_.Release(session, dir, NowMs());
            }
            if (ended) {
              std::vector<LeaseEnded> all;
              all.push_back(std::move(*ended));
              RunEnded(std::move(all), "grant not committed");
            }
            Status why = c.index == 0 ? c.status : last_apply_.status;
            if (why.code() == StatusCode::NotLeader) return out->Fail(why, LeaderCliAddress());
            return out->Fail(why);
          }
          // The other mounts forget the names they cached there before the
          // holder changes it unseen (on the committer thread, so ordered
          // with every other mutation's events).
          ApplyResult barrier = last_apply_;
          invalidations_.Publish(session, {CacheEvent::DirNames(dir)},
                                 [this, session, dir, want, barrier, out] {
                                   ReplyGranted(session, dir, barrier, want, *out);
                                 });
        };
        Status st;
        if (want > 0) {
          // Ids are handed out in order (CommitNewInode): the reserved range
          // is taken under order_mu_ like any fresh id.
          std::lock_guard order(order_mu_);
          next_inode_.fetch_add(want);
          st = SubmitRecord(records::ReserveInodes(want, session), done);
        } else {
          st = SubmitRecord(records::Noop(), done);
        }
        if (!st.ok()) done(store::Committed{st, 0});
      });

  s.Handle<fb::FlushBatchRequest>(M(fb::MetaMethod::FlushBatch),
                                  [this](Request&& req, Responder&& resp) {
                                    FlushBatch(std::move(req), std::move(resp));
                                  });

  s.Handle<fb::ReleaseDirLeaseRequest>(
      M(fb::MetaMethod::ReleaseDirLease), [this](Request&& req, Responder&& resp) {
        const auto* r = req.As<fb::ReleaseDirLeaseRequest>();
        const uint64_t session = SessionOf(r->caller());
        std::vector<LeaseEnded> ended;
        if (r->dirs()) {
          std::lock_guard l(leases_mu_);
          for (uint64_t dir : *r->dirs())
            if (auto e = leases_.Release(session, dir, NowMs())) ended.push_back(std::move(*e));
        }
        RunEnded(std::move(ended), "released");
        ReplyEmpty(resp);
      });
}

void MetaServer::RunEnded(std::vector<LeaseEnded> ended, const char* why) {
  for (LeaseEnded& e : ended) {
    if (e.revoked)
      log_.Info("metad: lease of dir={} taken from session={}: {}", e.dir, e.session, why);
    if (e.recall_wait_ms && recall_wait_ms_ != nullptr)
      recall_wait_ms_->Observe(static_cast<double>(*e.recall_wait_ms));
    for (auto& w : e.work) PostLeaseWork(std::move(w));
  }
}

void MetaServer::ExpireLeases(int64_t now_ms) {
  std::vector<LeaseEnded> timed_out, expired;
  std::vector<uint64_t> holders;
  {
    std::lock_guard l(leases_mu_);
    timed_out = leases_.Tick(now_ms);
    holders = leases_.Holders();
  }
  RunEnded(std::move(timed_out), "recall not answered within a session lease");
  for (uint64_t session : holders) {
    if (sessions_.Alive(session, now_ms)) continue;
    {
      std::lock_guard l(leases_mu_);
      expired = leases_.DropSession(session, now_ms);
    }
    RunEnded(std::move(expired), "session expired");
  }
}

void MetaServer::StartLeaseGrace() {
  std::vector<LeaseEnded> ended;
  {
    std::lock_guard l(leases_mu_);
    ended = leases_.StartServing(NowMs());
  }
  RunEnded(std::move(ended), "new leadership");
}

void MetaServer::PostLeaseWork(std::function<void()> fn) {
  {
    std::lock_guard l(lease_work_mu_);
    if (lease_work_stop_) return;  // stopping: the Responder answers Internal
    lease_work_.push_back(std::move(fn));
  }
  lease_work_cv_.notify_one();
}

void MetaServer::LeaseWorkerLoop() {
  std::unique_lock l(lease_work_mu_);
  for (;;) {
    lease_work_cv_.wait(l, [this] { return lease_work_stop_ || !lease_work_.empty(); });
    if (lease_work_stop_) return;
    std::function<void()> fn = std::move(lease_work_.front());
    lease_work_.pop_front();
    l.unlock();
    fn();
    l.lock();
  }
}

}  // namespace opendfs::metad
