// OpenHandles: the mount's open files as metad knows them (inode, open
// flags, metad handle), so that they can be registered again under a new
// session.
//
// Why: metad handles are leader memory (metad/server/sessions.h). After a
// leader change the new leader knows none of them, so a file unlinked while
// open here would be removed at once instead of kept until its last close
// (an unlinked open file must stay readable and writable). When MetaClient
// opens a new session (SessionExpired after a failover) its renewal hook
// walks Snapshot(), opens each inode again under the new session and
// Replace()s the handle; the metad refuses an unlink or rename from the
// stale session until then (client_handlers.cc), so none slips in between.
//
// Happy path: Add() at open/create returns a key kept in the file's handle;
// Handle(key) is what Release and writes send; Remove(key) at release.
// Failure modes: Replace() of a key released meanwhile returns false (the
// caller releases the fresh handle); Handle() of an unknown key is 0.
//
// Thread-safe: one internal mutex, never held while calling out.
#pragma once

#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace opendfs::client {

class OpenHandles {
 public:
  struct Entry {
    uint64_t key = 0;
    uint64_t ino = 0;
    uint32_t flags = 0;   // open(2) access mode (O_ACCMODE bits)
    uint64_t handle = 0;  // metad's
  };

  uint64_t Add(uint64_t ino, uint32_t flags, uint64_t handle);
  void Remove(uint64_t key);
  uint64_t Handle(uint64_t key) const;
  // False when `key` was removed meanwhile.
  bool Replace(uint64_t key, uint64_t handle);
  std::vector<Entry> Snapshot() const;
  size_t size() const;

 private:
  mutable std::mutex mu_;
  uint64_t next_key_ = 1;                       // GUARDED_BY(mu_)
  std::unordered_map<uint64_t, Entry> open_;    // GUARDED_BY(mu_)
};

}  // namespace opendfs::client
