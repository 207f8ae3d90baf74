// LockTable: cluster-wide flock(2) and fcntl/OFD byte-range locks, held in
// the metad leader's memory (DESIGN §5 "Locks").
//
// Happy path: Set() takes, converts or unlocks a range for an owner =
// (mount session, kernel lock_owner); POSIX ranges of one owner are split
// and merged as fcntl(2) does (adjacent or overlapping ranges of one type
// become one); flock locks are whole-file, one per owner, in a namespace of
// their own (a flock never conflicts with a POSIX lock, as on Linux).
// Test() answers F_GETLK. ReleaseOwner() is close(2) dropping a process's
// POSIX locks (or a file description's flock/OFD locks). DropSessions()
// frees every lock of a session that expired.
//
// Failure modes: a conflicting lock of another owner is LockHeld (EAGAIN)
// and changes nothing; a waiter (F_SETLKW, retried by the mount) whose
// holder waits, directly or through others, for it gets Deadlock (EDEADLK),
// as Linux detects POSIX deadlocks; more than kMaxLocksPerFile ranges on one
// file or kMaxLocks in all is NoLocks (ENOLCK).
//
// Not in the editlog: locks are soft state (like block write locks); after a
// leader change the mounts re-assert theirs within a grace period (NFSv4),
// so no Paxos round is spent per lock. Pure: time is passed in; not
// thread-safe (the caller serialises).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "libnet/status.h"

namespace opendfs::metad::locks {

enum class LockKind : uint8_t { kPosix = 0, kFlock = 1 };
enum class LockType : uint8_t { kRead = 0, kWrite = 1, kUnlock = 2 };

// End of a range that runs to end of file (the kernel's OFFSET_MAX).
inline constexpr uint64_t kToEof = INT64_MAX;
inline constexpr size_t kMaxLocksPerFile = 4096;
inline constexpr size_t kMaxLocks = 1 << 20;
// A waits-for edge lives this long unless the waiter retries (the mount
// retries at most every 500 ms).
inline constexpr int64_t kWaitEdgeTtlMs = 2000;

struct Owner {
  uint64_t session = 0;
  uint64_t id = 0;  // kernel lock_owner
  bool operator==(const Owner&) const = default;
};

struct LockRange {
  uint64_t start = 0;
  uint64_t end = kToEof;  // inclusive
  LockType type = LockType::kRead;
  Owner owner;
  uint32_t pid = 0;  // of the process that took it (F_GETLK reports it)
};

struct LockRequest {
  uint64_t inode = 0;
  LockKind kind = LockKind::kPosix;
  LockRange range;
};

class LockTable {
 public:
  // Applies `r` unless another owner's lock conflicts; then LockHeld with
  // that lock in *conflict (when given) and nothing changes.
  Status Set(const LockRequest& r, LockRange* conflict = nullptr);
  // Set() for a blocking request: on conflict also records that r's owner
  // waits for the holders; Deadlock when a holder (transitively) waits for
  // r's owner. A granted request clears its owner's wait.
  Status SetOrWait(const LockRequest& r, int64_t now_ms, LockRange* conflict = nullptr);
  // The first lock of another owner that would conflict with `r`.
  std::optional<LockRange> Test(const LockRequest& r) const;
  // Drops every lock of `owner` on (inode, kind); returns how many ranges.
  size_t ReleaseOwner(uint64_t inode, LockKind kind, Owner owner);
  // Drops every lock (and wait) of a session for which alive() is false.
  size_t DropSessions(const std::function<bool(uint64_t session)>& alive);
  // Locks of `owner` on (inode, kind), in start order (tests, re-assert checks).
  std::vector<LockRange> LocksOf(uint64_t inode, LockKind kind, Owner owner) const;
  size_t lock_count() const { return total_; }

 private:
  struct FileKey {
    uint64_t inode;
    LockKind kind;
    bool operator==(const FileKey&) const = default;
  };
  struct FileKeyHash {
    size_t operator()(const FileKey& k) const {
      return std::hash<uint64_t>()(k.inode * 2 + static_cast<uint64_t>(k.kind));
    }
  };
  struct OwnerHash {
    size_t operator()(const Owner& o) const {
      return std::hash<uint64_t>()(o.session * 0x9e3779b97f4a7c15ull ^ o.id);
    }
  };
  struct Wait {
    std::vector<Owner> holders;
    int64_t expires_ms = 0;
  };

  std::vector<Owner> Conflicts(const std::vector<LockRange>& locks, const LockRange& want) const;
  bool WaitsFor(const Owner& from, const Owner& target, int64_t now_ms) const;
  // The owner's ranges with `r` applied (split, merged, unlocked).
  static std::vector<LockRange> Apply(const std::vector<LockRange>& mine, const LockRange& r);

  std::unordered_map<FileKey, std::vector<LockRange>, FileKeyHash> files_;
  std::unordered_map<Owner, Wait, OwnerHash> waits_;
  size_t total_ = 0;
};

}  // namespace opendfs::metad::locks
