// DirLeaseTable: the leader's record of write-back directory leases
// (docs/write-back.md): which mount session holds which directory, the
// recalls in progress, and the requests of other sessions parked until a
// recall ends.
//
// Happy path: Acquire() grants a free directory to a session. A request of
// another session that touches it goes through Gate(): it is parked, and the
// first one parked starts a recall (the caller sends Recall(dir) to the
// holder). The holder flushes and gives the lease back: Release() ends it and
// returns the parked work, which the caller runs (each item exactly once).
//
// Failure modes: a holder that does not answer a recall within
// recall_timeout_ms loses the lease at the next Tick(); a holder whose session
// expired loses all of them (DropSession). Either way the parked work is
// returned, so nothing parked waits for ever. Past the parking bounds Gate()
// answers kBusy and keeps nothing. Grants are refused (with a retry hint)
// while another session holds the directory, for cooldown_ms after a recall
// ended (so that a recalled lease does not bounce between two mounts), past
// max_leases_per_session, and for grace_ms after StartServing() (a new
// leader: holders of the previous one may still flush there).
//
// Pure: no I/O, no threads, no clock (now_ms passed in). Not thread-safe: the
// caller (lease_handlers.cc) owns it under one mutex and runs the returned
// work after releasing that mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace opendfs::metad {

struct DirLeaseOptions {
  int64_t cooldown_ms = 2000;
  int64_t recall_timeout_ms = 60000;  // one session lease
  int64_t grace_ms = 60000;           // one session lease
  size_t max_leases_per_session = 4096;
  size_t max_parked_per_dir = 1024;
  size_t max_parked_total = 65536;
};

// Why a grant was refused; kGranted when it was not.
enum class LeaseRefusal : uint8_t { kGranted, kHeld, kRecalling, kCoolingDown, kTooMany, kGrace };

struct LeaseGrant {
  LeaseRefusal refusal = LeaseRefusal::kGranted;
  uint32_t retry_ms = 0;  // refused: ask again no sooner
  bool granted() const { return refusal == LeaseRefusal::kGranted; }
};

// A request that found a directory leased to another session.
struct GateOutcome {
  enum class Kind : uint8_t { kProceed, kParked, kBusy };
  Kind kind = Kind::kProceed;
  uint64_t dir = 0;             // kParked / kBusy: the directory in the way
  uint64_t recall_session = 0;  // kParked: send Recall(dir) to it now (0: already sent)
};

// A lease that ended: the work parked on it, to be run by the caller.
struct LeaseEnded {
  uint64_t dir = 0;
  uint64_t session = 0;
  bool revoked = false;                   // taken away (timeout, session, leader change)
  std::optional<int64_t> recall_wait_ms;  // it was recalled: how long the recall took
  std::vector<std::function<void()>> work;
};

class DirLeaseTable {
 public:
  using Work = std::function<void()>;

  explicit DirLeaseTable(DirLeaseOptions options) : options_(options) {}

  // This metad starts serving as leader: every lease ends (revoked) and no
  // lease is granted before now_ms + grace_ms.
  std::vector<LeaseEnded> StartServing(int64_t now_ms);

  // Grants `dir` to `session` (or confirms it: the holder asking again).
  LeaseGrant Acquire(uint64_t session, uint64_t dir, int64_t now_ms);
  // A directory `session` created under a lease it holds: nobody else can
  // know it yet, so it is the session's without the grant checks. False
  // when the session is at its bound (or another holds it).
  bool Adopt(uint64_t session, uint64_t dir);

  // A request of `session` touching `dirs`: kProceed when none is leased to
  // another session. Otherwise `work` (moved from only when parked) waits
  // on the first such directory until its lease ends.
  GateOutcome Gate(uint64_t session, std::span<const uint64_t> dirs, int64_t now_ms, Work& work);

  // The holder gives `dir` back; nullopt when it does not hold it.
  std::optional<LeaseEnded> Release(uint64_t session, uint64_t dir, int64_t now_ms);
  // Revokes leases whose recall is past its deadline.
  std::vector<LeaseEnded> Tick(int64_t now_ms);
  // The session is gone: every lease it held ends.
  std::vector<LeaseEnded> DropSession(uint64_t session, int64_t now_ms);

  uint64_t Holder(uint64_t dir) const;  // 0 = none
  bool Holds(uint64_t session, uint64_t dir) const { return session != 0 && Holder(dir) == session; }
  std::vector<uint64_t> Holders() const;  // sessions holding at least one lease
  size_t leases() const { return leases_.size(); }
  size_t parked() const { return parked_total_; }
  size_t leases_of(uint64_t session) const;

 private:
  struct Lease {
    uint64_t session = 0;
    bool recalling = false;
    int64_t recall_started_ms = 0;
    std::vector<Work> parked;
  };

  LeaseEnded End(uint64_t dir, bool revoked, int64_t now_ms);

  const DirLeaseOptions options_;
  std::unordered_map<uint64_t, Lease> leases_;                             // dir -> lease
  std::unordered_map<uint64_t, std::unordered_set<uint64_t>> by_session_;  // session -> dirs
  std::unordered_map<uint64_t, int64_t> cooldown_until_ms_;                // dir -> ms
  size_t parked_total_ = 0;
  int64_t grace_until_ms_ = 0;
};

}  // namespace opendfs::metad
