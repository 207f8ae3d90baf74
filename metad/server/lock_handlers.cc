// Cluster-wide flock/fcntl locks (schema/meta.fbs SetLock, GetLock,
// ReleaseLocks) over metad/locks/lock_table.h, served by the leader only.
//
// Happy path: a mount's setlk/flock arrives as SetLock for (session, kernel
// lock_owner); the table grants or refuses it at once (LockHeld = EAGAIN).
// F_SETLKW does not park a request here: the mount retries with a backoff
// (10 ms doubling to 500 ms), each retry one cheap table lookup, so a
// metad loop thread is never held by a waiter and a waiter that its process
// gave up on (a signal) leaves nothing behind; the retries refresh a
// waits-for edge so that a cycle of waiters is answered Deadlock (EDEADLK).
// The cost is up to 500 ms of latency after a release — chosen over a
// server-side wait queue, which would need timeouts, cancellation on
// interrupt and replies from the tick thread.
//
// Leader change: locks are leader memory, not Paxos records (a lock per
// sqlite transaction would cost a Paxos round and an fsync on a majority).
// A new leader starts a grace period (half a session lease: every live mount
// sends a KeepAlive each third of a lease, learns its session is unknown,
// opens a new one and re-asserts its locks with reclaim set). During grace
// only reclaims are granted; other requests get Busy, which the mount's
// MetaClient retries with backoff; so does a GetLock that finds no
// conflict (the holder may not have re-asserted yet). A reclaim after grace
// is NoLocks (the lock was lost: its holder's session lapsed). A metad that
// leads again after others led forgets its old sessions and locks first
// (StartLockGrace): they are stale, and its mounts must re-assert.
//
// A lock of a session that is no longer alive never refuses anyone: the
// table drops such locks on every tick, and at once when one is found in
// the way (a mount that renewed its session re-asserts over its old one).
//
// Failure modes: an unknown or expired session is SessionExpired (the mount
// opens a new one and re-asserts); a bad range is Invalid.
#include "metad/server/meta_server.h"
#include "metad/server/wire.h"

namespace opendfs::metad {
namespace {

constexpr uint16_t M(fb::MetaMethod m) { return static_cast<uint16_t>(m); }

locks::LockRequest FromWire(uint64_t session, uint64_t ino, uint64_t owner,
                            const fb::LockSpec* spec) {
  locks::LockRequest r;
  r.inode = ino;
  r.kind = spec->kind() == fb::LockKindWire::Flock ? locks::LockKind::kFlock
                                                   : locks::LockKind::kPosix;
  switch (spec->type()) {
    case fb::LockTypeWire::Read: r.range.type = locks::LockType::kRead; break;
    case fb::LockTypeWire::Write: r.range.type = locks::LockType::kWrite; break;
    default: r.range.type = locks::LockType::kUnlock; break;
  }
  r.range.start = spec->start();
  r.range.end = spec->end();
  r.range.owner = locks::Owner{session, owner};
  r.range.pid = spec->pid();
  if (r.kind == locks::LockKind::kFlock) {  // whole file, always
    r.range.start = 0;
    r.range.end = locks::kToEof;
  }
  return r;
}

fb::LockTypeWire TypeToWire(locks::LockType t) {
  switch (t) {
    case locks::LockType::kRead: return fb::LockTypeWire::Read;
    case locks::LockType::kWrite: return fb::LockTypeWire::Write;
    default: return fb::LockTypeWire::Unlock;
  }
}

Status NoSpec() { return Status(StatusCode::Invalid, "lock request without a lock"); }

}  // namespace

bool MetaServer::InLockGrace(int64_t now_ms) const {
  return now_ms - serving_since_ms_.load() < sessions_.lease_ms() / 2;
}

void MetaServer::StartLockGrace() {
  // Whatever this metad knew of sessions and locks from an earlier
  // leadership is stale (others led in between, mounts locked and unlocked
  // there). Starting empty makes every mount open a new session here and
  // re-assert what it holds — the same path as a metad that never led.
  size_t sessions = sessions_.ForgetAll();
  size_t dropped = 0;
  {
    std::lock_guard l(locks_mu_);
    dropped = lock_table_.lock_count();
    lock_table_ = locks::LockTable();
  }
  if (sessions != 0 || dropped != 0)
    log_.Info("metad: leading again: forgot {} sessions and {} locks of an earlier leadership",
              sessions, dropped);
}

void MetaServer::ExpireLocks(int64_t now_ms) {
  size_t dropped = 0;
  {
    std::lock_guard l(locks_mu_);
    if (lock_table_.lock_count() == 0) return;
    dropped = lock_table_.DropSessions(
        [&](uint64_t session) { return sessions_.Alive(session, now_ms); });
  }
  if (dropped != 0) log_.Info("metad: dropped {} locks of expired sessions", dropped);
}

void MetaServer::RegisterLockHandlers() {
  LeaderOnly s{this, *cli_server_};

  s.Handle<fb::SetLockRequest>(M(fb::MetaMethod::SetLock), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::SetLockRequest>();
    if (r->lock() == nullptr) return resp.Fail(NoSpec());
    uint64_t session = r->caller() ? r->caller()->session() : 0;
    int64_t now = NowMs();
    if (!sessions_.Alive(session, now))
      return resp.Fail(Status(StatusCode::SessionExpired,
                              fmt::format("locks need a live session; {} is not", session)));
    locks::LockRequest lr = FromWire(session, r->ino(), r->owner(), r->lock());
    bool unlock = lr.range.type == locks::LockType::kUnlock;
    if (!unlock && InLockGrace(now) && !r->reclaim())
      return resp.Fail(Status(StatusCode::Busy, "lock grace period after a leader change"));
    if (r->reclaim() && !InLockGrace(now))
      return resp.Fail(Status(StatusCode::NoLocks,
                              "lock re-asserted after the grace period: it was lost"));
    Status st = [&] {
      std::lock_guard l(locks_mu_);
      auto set = [&](locks::LockRange* conflict) {
        if (r->wait() && lr.kind == locks::LockKind::kPosix)
          return lock_table_.SetOrWait(lr, now, conflict);
        return lock_table_.Set(lr, conflict);
      };
      locks::LockRange conflict;
      Status first = set(&conflict);
      // A conflict with a session that is gone (typically this very mount's
      // previous session, replaced a moment ago) must not wait for the next
      // expiry tick: drop the dead sessions' locks and try again.
      if (first.code() != StatusCode::LockHeld || sessions_.Alive(conflict.owner.session, now))
        return first;
      (void)lock_table_.DropSessions([&](uint64_t sid) { return sessions_.Alive(sid, now); });
      return set(nullptr);
    }();
    if (!st.ok()) {
      if (st.code() != StatusCode::LockHeld)
        log_.Info("metad: lock inode={} session={} refused: {}", r->ino(), session, st.ToString());
      return resp.Fail(st);
    }
    ReplyEmpty(resp);
  });

  s.Handle<fb::GetLockRequest>(M(fb::MetaMethod::GetLock), [this](Request&& req, Responder&& resp) {
    const auto* r = req.As<fb::GetLockRequest>();
    if (r->lock() == nullptr) return resp.Fail(NoSpec());
    uint64_t session = r->caller() ? r->caller()->session() : 0;
    locks::LockRequest lr = FromWire(session, r->ino(), r->owner(), r->lock());
    std::optional<locks::LockRange> held;
    {
      std::lock_guard l(locks_mu_);
      int64_t now = NowMs();
      held = lock_table_.Test(lr);
      if (held && !sessions_.Alive(held->owner.session, now)) {  // as in SetLock
        (void)lock_table_.DropSessions([&](uint64_t sid) { return sessions_.Alive(sid, now); });
        held = lock_table_.Test(lr);
      }
    }
    // During grace the table is still being rebuilt: a conflict found is
    // real (re-asserted), "no lock" may not be yet. Busy: the mount retries.
    if (!held && InLockGrace(NowMs()))
      return resp.Fail(Status(StatusCode::Busy, "lock grace period after a leader change"));
    flatbuffers::FlatBufferBuilder fbb(96);
    flatbuffers::Offset<fb::LockSpec> spec;
    if (held)
      spec = fb::CreateLockSpec(fbb, r->lock()->kind(), TypeToWire(held->type), held->start,
                                held->end, held->pid);
    fbb.Finish(fb::CreateGetLockReply(fbb, held.has_value(), spec,
                                      held ? held->owner.session : 0));
    resp.Reply(fbb);
  });

  s.Handle<fb::ReleaseLocksRequest>(
      M(fb::MetaMethod::ReleaseLocks), [this](Request&& req, Responder&& resp) {
        const auto* r = req.As<fb::ReleaseLocksRequest>();
        uint64_t session = r->caller() ? r->caller()->session() : 0;
        auto kind = r->kind() == fb::LockKindWire::Flock ? locks::LockKind::kFlock
                                                         : locks::LockKind::kPosix;
        {
          std::lock_guard l(locks_mu_);
          (void)lock_table_.ReleaseOwner(r->ino(), kind, locks::Owner{session, r->owner()});
        }
        ReplyEmpty(resp);
      });
}

}  // namespace opendfs::metad
