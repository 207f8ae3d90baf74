// HeldLocks: this mount's record of the cluster-wide locks metad granted it,
// so that they can be re-asserted after a leader change (the new leader
// starts with an empty table) and so that close(2) calls metad only when the
// closing owner holds something.
//
// Happy path: after each granted SetLock the mount calls Apply() with the
// same arguments; the ranges are split and merged as metad does
// (metad/locks/lock_table.h — the mount may not link metad code, so the
// few lines of range arithmetic are repeated here). Snapshot() lists every
// held range for re-assertion.
//
// Failure modes: none; a lock that metad refuses to re-assert is dropped
// with Forget(). Thread-safe (one leaf mutex, never held across a call out).
#pragma once

#include <cstdint>
#include <algorithm>
#include <map>
#include <mutex>
#include <tuple>
#include <vector>

#include "mount/client/types.h"

namespace opendfs::client {

class HeldLocks {
 public:
  struct Key {
    uint64_t ino = 0;
    uint64_t owner = 0;
    uint8_t kind = 0;  // LockArgs::kind
    auto operator<=>(const Key&) const = default;
  };
  struct Entry {
    Key key;
    LockArgs lock;
  };

  // Records a granted lock (or unlock) of `owner` on `ino`.
  void Apply(uint64_t ino, uint64_t owner, const LockArgs& lock);
  // Drops every range of (ino, owner, kind); true when there was one.
  bool Forget(uint64_t ino, uint64_t owner, uint8_t kind);
  bool Holds(uint64_t ino, uint64_t owner, uint8_t kind) const;
  std::vector<Entry> Snapshot() const;
  void Clear();
  // Owners that took POSIX locks through open handle `fh`: the kernel does
  // not send the unlock of an OFD lock at the last close (only RELEASE of
  // the handle), so release drops the locks of every owner noted here.
  void NoteHandleOwner(uint64_t fh, uint64_t owner);
  std::vector<uint64_t> TakeHandleOwners(uint64_t fh);
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::map<Key, std::vector<LockArgs>> held_;  // GUARDED_BY(mu_), by start
  std::map<uint64_t, std::vector<uint64_t>> handle_owners_;  // GUARDED_BY(mu_)
};

}  // namespace opendfs::client
