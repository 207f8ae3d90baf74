// Sessions: the metad's soft state about clients — mount sessions with a
// lease, the files each holds open, and block write locks.
//
// Happy path: Hello opens a session (lease = session_timeout); KeepAlive
// renews it and its block locks; Open/Create add a handle for (session, inode); Release drops it.
// A file unlinked while some handle holds it stays (keep_orphan) and is purged
// when its last handle goes. A client about to overwrite a block takes its
// write lock (one writer per block at a time); CommitBlock or lease expiry
// frees it. A lock lives as long as its session: every KeepAlive renews the
// session's locks too, so a long write of one block keeps its lock, and a
// client that dies loses it one lease later (the leader then settles the
// block, metad/server/settle.cc).
//
// Failure modes: a lock held by another live session is LockHeld; an unknown
// or expired session is SessionExpired. Expire(now) drops sessions whose lease
// ran out and returns the inodes that lost their last handle, so the caller
// can purge orphans.
//
// None of this is in the editlog: after a metad restart clients re-open
// (DESIGN §5 close-to-open). Thread-safe: one internal mutex, never held while
// calling out.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "libnet/status.h"

namespace opendfs::metad {

struct BlockLock {
  uint64_t session = 0;
  uint64_t inode = 0;
  uint32_t old_version = 0;  // version the overwrite started from
  uint32_t new_version = 0;
  std::vector<std::string> replicas;  // given to the writer
  int64_t expires_ms = 0;
};

class Sessions {
 public:
  explicit Sessions(int64_t lease_ms) : lease_ms_(lease_ms) {}

  uint64_t Open(std::string host, int64_t now_ms);
  Status KeepAlive(uint64_t session, int64_t now_ms);

  // A new handle on `inode` for `session` (0 = a one-shot CLI call: the
  // handle lives until Release or until the metad restarts).
  // writable: opened for writing (O_WRONLY / O_RDWR); such a handle
  // authorises ftruncate whatever the file's mode is now.
  uint64_t AddHandle(uint64_t session, uint64_t inode, bool writable = false);
  // True when `handle` is a live handle on `inode` opened for writing.
  bool IsWritableHandle(uint64_t handle, uint64_t inode) const;
  // Drops the handle; true when `inode` has no handle left.
  bool ReleaseHandle(uint64_t handle, uint64_t inode);
  bool IsOpen(uint64_t inode) const;

  // Takes (or renews, for the same session) the write lock of `block`.
  Status LockBlock(uint64_t block, const BlockLock& lock, int64_t now_ms);
  // The lock of `block` if one is held and not expired.
  bool FindLock(uint64_t block, BlockLock* out, int64_t now_ms) const;
  void UnlockBlock(uint64_t block, uint64_t session);

  // Drops expired sessions (their handles and locks) and expired locks.
  // A lock of session 0 (no session) lasts one lease from LockBlock.
  // Returns inodes that lost their last handle.
  std::vector<uint64_t> Expire(int64_t now_ms);

  // Forgets every session with its handles and block locks, as a metad
  // that never led knows none (called when this metad leads again: what it
  // knew is stale). Inodes lose their handles without a purge, as they do
  // on any new leader. Returns how many sessions there were.
  size_t ForgetAll();
  size_t session_count() const;
  // True while `session` is open and its lease has not run out.
  bool Alive(uint64_t session, int64_t now_ms) const;
  // Session ids start here (a random base per metad, so that ids handed out
  // by a previous leader are not reused by the next: locks are per session).
  void SeedIds(uint64_t first);
  int64_t lease_ms() const { return lease_ms_; }

 private:
  struct Session {
    std::string host;
    int64_t expires_ms = 0;
  };
  struct Handle {
    uint64_t session = 0;
    uint64_t inode = 0;
    bool writable = false;
  };

  const int64_t lease_ms_;
  mutable std::mutex mu_;
  uint64_t next_session_ = 1;                          // GUARDED_BY(mu_)
  uint64_t next_handle_ = 1;                           // GUARDED_BY(mu_)
  std::unordered_map<uint64_t, Session> sessions_;     // GUARDED_BY(mu_)
  std::unordered_map<uint64_t, Handle> handles_;       // GUARDED_BY(mu_)
  std::unordered_map<uint64_t, uint32_t> open_count_;  // inode -> handles
  std::unordered_map<uint64_t, BlockLock> locks_;      // block -> lock
};

}  // namespace opendfs::metad
