// CacheInterest: which inodes each mount session may hold in its kernel
// cache (it looked them up, got their attributes, listed or opened them), so
// that a mutation is announced only to the mounts that care.
//
// Happy path: the leader's read handlers Add(session, ino) for what they
// answer; a mutation asks Interested(session, ino) for each subscribed
// session. A directory's interest covers its entries (a cached name is
// announced through its parent).
//
// Bounds: at most `max_per_session` inodes per session. Add() past that
// clears the session's set and returns false; the caller then resets that
// mount (it drops every cache), which is exact rather than a silent miss.
// While a reset is on its way, SetAll(session, true) makes the session
// interested in everything; what it adds meanwhile is kept, and
// SetAll(false) (the mount dropped its caches) goes back to the set.
// Interest only grows between resets: a FORGET is not announced to metad,
// so a stale inode costs at most an event the mount ignores.
//
// Not thread-safe: owned by Invalidations, under its mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <unordered_set>

namespace opendfs::metad {

class CacheInterest {
 public:
  explicit CacheInterest(size_t max_per_session) : max_per_session_(max_per_session) {}

  // Records that `session` may cache `ino`. False when the set was full: it
  // was cleared (the mount must be reset).
  bool Add(uint64_t session, uint64_t ino);
  bool Interested(uint64_t session, uint64_t ino) const;
  // all = true: interested in every inode, the set cleared; false: the set.
  void SetAll(uint64_t session, bool all);
  void Remove(uint64_t session);
  void Clear() { sessions_.clear(); }
  // Inodes recorded for `session` (0 when unknown).
  size_t size(uint64_t session) const;

 private:
  struct PerSession {
    bool all = false;
    std::unordered_set<uint64_t> inodes;
  };
  const size_t max_per_session_;
  std::unordered_map<uint64_t, PerSession> sessions_;
};

}  // namespace opendfs::metad
