// KernelEntries: the names (parent, name) this mount handed to the kernel
// recently, so that dropping every cache (fs_events.h) can invalidate the
// kernel's dentries by name — FUSE has no "forget all entries" call.
//
// Happy path: every reply that gives the kernel an entry (lookup, the create
// family, readdirplus) calls Note(); a dentry lives in the kernel at most
// the entry timeout given with it, so Note() forgets names older than
// `max_age_ms`. TakeAll() hands back and clears what may still be cached.
//
// Bounds: at most `max_entries` names; past that the oldest are dropped
// (their dentries then live out their entry timeout; a bound of 2^18 names
// is far beyond what a 1 s timeout leaves alive).
//
// Threads: thread-safe (one mutex, never held while calling out).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace opendfs::mountfs {

class KernelEntries {
 public:
  KernelEntries(size_t max_entries, int64_t max_age_ms)
      : max_entries_(max_entries), max_age_ms_(max_age_ms) {}

  void Note(uint64_t parent, std::string_view name, int64_t now_ms);
  // Every name that may still be cached, oldest first; the table is empty after.
  std::vector<std::pair<uint64_t, std::string>> TakeAll();
  size_t size() const;

 private:
  struct Noted {
    uint64_t parent;
    std::string name;
    int64_t at_ms;
  };
  static std::string Key(uint64_t parent, std::string_view name);

  const size_t max_entries_;
  const int64_t max_age_ms_;
  mutable std::mutex mu_;
  std::deque<Noted> order_;                       // GUARDED_BY(mu_), oldest first
  std::unordered_map<std::string, int64_t> last_; // GUARDED_BY(mu_): key -> newest at_ms
};

}  // namespace opendfs::mountfs
