// FlushBatch (docs/write-back.md, Flush): a mount's buffered mutations as
// one EditBatch record. Each op becomes the record its synchronous request
// would have built (op_records.cc), with the mount's inode id and time and
// the op's own caller; the batch is tagged with the flush's client and
// request ids, so a retry is answered from the request table.
//
// After apply, each sub-result gets what the synchronous completion does:
// freed blocks are deleted, open creates get a handle, orphans nobody holds
// open are purged, a mkdir under a lease the session holds leases it the new
// directory; the events of every op go to the other mounts in one
// ReplyAfterEvents. Then the `release` leases end and their parked requests
// run. The reply carries one result per op (a refused op is a late error) and
// `lost`: directories the ops name that the session no longer holds.
//
// Unlink and rename keep their victim as an orphan when it is open now, as
// the synchronous handlers decide, or when an open create earlier in the
// same batch made that name (mkstemp + unlink in one batch): its handle is
// only added after apply. An orphan nobody holds open after the batch is
// purged then.
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <set>

#include "metad/namespace/records.h"
#include "metad/server/meta_server.h"
#include "metad/server/wire.h"

namespace opendfs::metad {
namespace {

constexpr size_t kMaxBatchOps = 4096;  // docs/write-back.md Bounds

struct OpReply {
  Status status;
  uint64_t handle = 0;
  Attr attr;
};

// The inode whose attributes a replayed op reports (0: none).
uint64_t InodeOf(const fb::BatchOp& op) {
  switch (op.body_type()) {
    case fb::BatchOpBody::MknodRequest:
    case fb::BatchOpBody::MkdirRequest:
    case fb::BatchOpBody::CreateRequest:
    case fb::BatchOpBody::SymlinkRequest: return op.inode();
    case fb::BatchOpBody::LinkRequest: return op.body_as_LinkRequest()->ino();
    case fb::BatchOpBody::SetAttrRequest: return op.body_as_SetAttrRequest()->ino();
    case fb::BatchOpBody::WriteInlineRequest: return op.body_as_WriteInlineRequest()->ino();
    default: return 0;
  }
}

bool OpenCreate(const fb::BatchOp& op) {
  return op.open() && op.body_type() == fb::BatchOpBody::CreateRequest;
}

// Names made by open creates so far in a batch (moved along by renames).
class OpenNames {
 public:
  // The name `op` removes or replaces is one of them.
  bool Victim(const fb::BatchOp& op) const {
    if (const auto* u = op.body_as_UnlinkRequest()) return Has(u->parent(), u->name());
    if (const auto* r = op.body_as_RenameRequest()) return Has(r->new_parent(), r->new_name());
    return false;
  }
  void Note(const fb::BatchOp& op) {
    if (OpenCreate(op)) {
      const auto* c = op.body_as_CreateRequest();
      names_.emplace(c->parent(), std::string(Str(c->name())));
    } else if (const auto* r = op.body_as_RenameRequest()) {
      if (names_.erase({r->parent(), std::string(Str(r->name()))}) != 0)
        names_.emplace(r->new_parent(), std::string(Str(r->new_name())));
    }
  }

 private:
  bool Has(uint64_t parent, const flatbuffers::String* name) const {
    return names_.count({parent, std::string(Str(name))}) != 0;
  }
  std::set<std::pair<uint64_t, std::string>> names_;
};

void ReplyResults(Responder& out, const std::vector<OpReply>& results,
                  const std::vector<uint64_t>& lost) {
  flatbuffers::FlatBufferBuilder fbb(128 + results.size() * 96);
  std::vector<flatbuffers::Offset<fb::BatchOpResult>> rs;
  rs.reserve(results.size());
  for (const OpReply& r : results) {
    fb::Attr wa = ToWire(r.attr);
    rs.push_back(fb::CreateBatchOpResult(fbb, static_cast<uint16_t>(r.status.code()), r.handle,
                                         r.status.ok() ? &wa : nullptr));
  }
  fbb.Finish(fb::CreateFlushBatchReply(fbb, fbb.CreateVector(rs), fbb.CreateVector(lost)));
  out.Reply(fbb);
}

}  // namespace

Result<MetaServer::OpRecord> MetaServer::RecordOfBatchOp(const fb::BatchOp& op, int64_t now_ns,
                                                         bool open_in_batch) const {
  const int64_t t = op.time_ns() != 0 ? op.time_ns() : now_ns;
  auto fresh = [&op]() -> Result<InodeId> {
    if (op.inode() == 0) return Status(StatusCode::Invalid, "a batched create without its inode id");
    return op.inode();
  };
  using B = fb::BatchOpBody;
  switch (op.body_type()) {
    case B::MknodRequest: {
      ODFS_ASSIGN_OR_RETURN(InodeId ino, fresh());
      return RecordOf(*op.body_as_MknodRequest(), ino, t);
    }
    case B::MkdirRequest: {
      ODFS_ASSIGN_OR_RETURN(InodeId ino, fresh());
      return RecordOf(*op.body_as_MkdirRequest(), ino, t);
    }
    case B::CreateRequest: {
      ODFS_ASSIGN_OR_RETURN(InodeId ino, fresh());
      return RecordOf(*op.body_as_CreateRequest(), ino, t);
    }
    case B::SymlinkRequest: {
      ODFS_ASSIGN_OR_RETURN(InodeId ino, fresh());
      return RecordOf(*op.body_as_SymlinkRequest(), ino, t);
    }
    case B::LinkRequest: return RecordOf(*op.body_as_LinkRequest(), t);
    case B::UnlinkRequest: {
      const fb::UnlinkRequest& u = *op.body_as_UnlinkRequest();
      return RecordOf(u, t, open_in_batch || NameIsOpen(u.parent(), u.name()));
    }
    case B::RmdirRequest: return RecordOf(*op.body_as_RmdirRequest(), t);
    case B::RenameRequest:
      return RecordOf(*op.body_as_RenameRequest(), t,
                      open_in_batch ? std::optional<bool>(true) : std::nullopt);
    case B::SetAttrRequest: return RecordOf(*op.body_as_SetAttrRequest(), t);
    case B::WriteInlineRequest: return RecordOf(*op.body_as_WriteInlineRequest(), t);
    default: return Status(StatusCode::Invalid, "an empty batch op");
  }
}

void MetaServer::FlushBatch(Request&& req, Responder&& resp) {
  const auto* r = req.As<fb::FlushBatchRequest>();
  const uint64_t session = SessionOf(r->caller());
  const size_t n = r->ops() ? r->ops()->size() : 0;
  if (session == 0) return resp.Fail(Status(StatusCode::Invalid, "a flush needs a session"));
  if (n > kMaxBatchOps)
    return resp.Fail(Status(StatusCode::Invalid,
                            fmt::format("a flush of {} ops (at most {})", n, kMaxBatchOps)));
  // An expired session lost its leases and with them its unflushed batch.
  if (Status st = sessions_.KeepAlive(session, NowMs()); !st.ok()) return resp.Fail(st);
  const int64_t now = NowNs();
  auto built = std::make_shared<std::vector<Status>>(n);
  std::vector<std::string> subs;
  subs.reserve(n);
  std::vector<CacheEvent> events;
  OpenNames open_names;
  for (size_t i = 0; i < n; ++i) {
    const fb::BatchOp& batch_op = *r->ops()->Get(static_cast<flatbuffers::uoffset_t>(i));
    Result<OpRecord> op = RecordOfBatchOp(batch_op, now, open_names.Victim(batch_op));
    open_names.Note(batch_op);
    if (!op.ok()) {
      // Keeps the positions: the op is answered with its own error.
      (*built)[i] = op.status();
      subs.push_back(records::Noop());
      continue;
    }
    subs.push_back(std::move(op->record));
    events.insert(events.end(), op->events.begin(), op->events.end());
  }
  if (batch_ops_ != nullptr) batch_ops_->Observe(static_cast<double>(n));
  auto held = std::make_shared<Request>(std::move(req));  // the reply reads its ops
  Commit(Tagged(r->caller(), records::Batch(subs)), &resp,
         [this, held, built, events = std::move(events)](const ApplyResult& res,
                                                         Responder& out) mutable {
           ReplyFlushed(*held->As<fb::FlushBatchRequest>(), res, *built, std::move(events), out);
         });
}

void MetaServer::ReplyFlushed(const fb::FlushBatchRequest& r, const ApplyResult& res,
                              const std::vector<Status>& built, std::vector<CacheEvent> events,
                              Responder& out) {
  const uint64_t session = SessionOf(r.caller());
  const size_t n = r.ops() ? r.ops()->size() : 0;
  auto op_at = [&r](size_t i) { return r.ops()->Get(static_cast<flatbuffers::uoffset_t>(i)); };
  std::vector<OpReply> results(n);
  if (res.replayed) {
    // An earlier attempt of this flush was applied and its reply lost; the
    // request table keeps the batch's status, not each op's. Every op is
    // answered Ok with the inode's current attributes (a late error of the
    // first attempt is not reported again), and open creates get a handle
    // here, as the first attempt's never reached the mount.
    std::shared_lock l(ns_mu_);
    for (size_t i = 0; i < n; ++i) {
      if (uint64_t ino = InodeOf(*op_at(i))) {
        Result<Attr> a = ns_->GetAttr(ino);
        if (a.ok()) results[i].attr = *a;
      }
    }
  } else {
    ODFS_CHECK(res.batch.size() == n);
    for (size_t i = 0; i < n; ++i) {
      const ApplyResult& sub = res.batch[i];
      AfterApply(sub);
      results[i].status = built[i].ok() ? sub.status : built[i];
      results[i].attr = sub.attr;
      if (results[i].status.ok() && sub.attr.ino != 0)
        events.push_back(CacheEvent::Inode(sub.attr.ino));
    }
  }
  std::vector<uint64_t> adopted;
  for (size_t i = 0; i < n; ++i) {
    const fb::BatchOp& op = *op_at(i);
    if (!results[i].status.ok()) continue;
    if (OpenCreate(op) && results[i].attr.ino != 0) {
      const bool writable = (op.body_as_CreateRequest()->flags() & O_ACCMODE) != O_RDONLY;
      results[i].handle = sessions_.AddHandle(session, results[i].attr.ino, writable);
    }
    if (op.body_type() == fb::BatchOpBody::MkdirRequest && !res.replayed)
      adopted.push_back(i);
  }
  // After the handles: an orphan that this batch's own open create holds stays.
  if (!res.replayed)
    for (const ApplyResult& sub : res.batch)
      if (sub.orphaned != 0 && !sessions_.IsOpen(sub.orphaned))
        PostLeaseWork([this, ino = sub.orphaned] { PurgeIfOrphan(ino); });

  std::vector<LeaseEnded> ended;
  std::vector<uint64_t> lost;
  {
    std::lock_guard l(leases_mu_);
    // A directory made under a lease the session holds is its as well:
    // nobody else can know it yet (docs/write-back.md, Local operations).
    for (size_t i : adopted)
      if (leases_.Holds(session, op_at(i)->body_as_MkdirRequest()->parent()))
        (void)leases_.Adopt(session, results[i].attr.ino);
    std::vector<uint64_t> released;
    if (r.release())
      for (uint64_t dir : *r.release()) {
        released.push_back(dir);
        if (auto e = leases_.Release(session, dir, NowMs())) ended.push_back(std::move(*e));
      }
    for (uint64_t dir : DirsOfBatch(r))
      if (!leases_.Holds(session, dir) &&
          std::find(released.begin(), released.end(), dir) == released.end())
        lost.push_back(dir);
  }
  std::sort(lost.begin(), lost.end());
  lost.erase(std::unique(lost.begin(), lost.end()), lost.end());
  ApplyResult summary;  // ReplyAfterEvents' view: the events say it all
  summary.replayed = res.replayed;
  ReplyAfterEvents(session, summary, std::move(events), out,
                   [results = std::move(results), lost = std::move(lost)](const ApplyResult&,
                                                                          Responder& o) {
                     ReplyResults(o, results, lost);
                   });
  RunEnded(std::move(ended), "released");
}

}  // namespace opendfs::metad
