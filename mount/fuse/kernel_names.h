// KernelNames: which names of which directory this mount handed to the
// kernel (positive entries from lookup, create, mknod, mkdir, symlink, link
// and readdirplus; negative entries from lookup), so that they can be taken
// back (fuse_lowlevel_notify_inval_entry) when another mount may have
// changed them.
//
// Why: the kernel caches a name for entry_timeout (negative_timeout for
// "absent") and believes it until then. sqlite on two mounts decides whether
// a rollback journal is hot from its existence right after taking a lock:
// a `db-journal` the other mount just deleted (or created) must not be seen
// from the cache then. So when a cluster-wide lock is granted, Fs drops the
// cached names of the locked file's directories (fs_locks.cc), the way a
// granted lock already revalidates the file's data.
//
// The same table serves the leader's cache events (fs_events.h): DirNames
// (another mount was granted a directory's lease) takes back NamesIn(dir),
// a reset or a new subscription TakeAll() — FUSE has no "forget all
// entries" call.
//
// Happy path: Fs calls Record(parent, name, ino) for every entry it replies
// (ino 0 for a negative one), and NamesNear(ino) gives the (dir, name)
// pairs to invalidate: every name recorded in each directory `ino` was
// last seen in. Forgotten(ino) (the kernel dropped the inode) forgets it
// as a child and as a directory.
//
// Bounds: at most kMaxNames names in all (the oldest recorded is dropped
// first — its cached entry then simply times out as before; 2^18 is far
// beyond what a 1 s entry timeout leaves alive) and kMaxDirsPerChild
// directories per child (hard links). Invalidating a name the kernel no
// longer has is harmless (the notify answers ENOENT).
//
// Threads: thread-safe; one leaf mutex, never held across a call out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace opendfs::mountfs {

class KernelNames {
 public:
  static constexpr size_t kMaxNames = size_t{1} << 18;
  static constexpr size_t kMaxDirsPerChild = 4;
  using Name = std::pair<uint64_t, std::string>;  // (directory, name)

  // The kernel was given `name` in directory `parent`, naming `ino` (0: a
  // negative entry).
  void Record(uint64_t parent, std::string_view name, uint64_t ino);
  // (directory, name) pairs recorded in the directories `ino` was seen in.
  std::vector<Name> NamesNear(uint64_t ino) const;
  // Every name recorded in directory `dir`.
  std::vector<Name> NamesIn(uint64_t dir) const;
  // Every name recorded; the table is empty after.
  std::vector<Name> TakeAll();
  // The kernel forgot `ino`: drop it as a child and its names as a directory.
  void Forgotten(uint64_t ino);

  size_t dirs() const;
  size_t names_in(uint64_t dir) const;
  size_t size() const;

 private:
  // Drops the oldest names past kMaxNames; compacts order_ when it holds
  // mostly names already gone (Forgotten).
  void Bound();

  mutable std::mutex mu_;
  std::unordered_map<uint64_t, std::unordered_set<std::string>> names_;  // GUARDED_BY(mu_)
  std::unordered_map<uint64_t, std::vector<uint64_t>> parents_;          // GUARDED_BY(mu_)
  std::deque<Name> order_;  // GUARDED_BY(mu_): recording order, for the bound
  size_t count_ = 0;        // GUARDED_BY(mu_): names in names_
};

}  // namespace opendfs::mountfs
