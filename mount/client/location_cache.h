// LocationCache: block locations per inode, as learnt from GetBlocks.
//
// Happy path: a reader misses on (ino, index), calls GetBlocks(ino, index,
// kBlocksPerFetch) and Put()s the reply, which marks the whole requested
// window as known: an index inside a known window with no entry is a hole
// (reads as zeros). Later reads of the next blocks hit.
//
// Invalidation: Invalidate(ino) on open (close-to-open) and after a write
// commit from this client; InvalidateBlock(ino, index) after a version error
// (StaleVersion / NoSuchBlock) so the next read refetches. A small file's
// inline data (DESIGN §5) is kept with window 0 and answered for index 0.
//
// Bounded: at most max_inodes inodes (the least recently used inode is
// evicted) and at most max_blocks_per_inode blocks each (when full the inode's
// windows are dropped and start over). Thread-safe (one mutex).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "mount/client/types.h"

namespace opendfs::client {

inline constexpr uint32_t kBlocksPerFetch = 10;  // the seed's GetBlocks batch

class LocationCache {
 public:
  struct Lookup {
    bool known = false;             // false: ask metad
    std::optional<BlockLoc> block;  // empty with known = hole
    uint64_t file_size = 0;         // size from the reply that filled it
    bool fresh = false;             // filled by a GetBlocks just now
    // Index 0 of a small file whose data is inline: its bytes (past them,
    // up to the size, zeros). Wins over `block` (a block 0 being written).
    std::shared_ptr<const std::string> inline_data;
  };

  explicit LocationCache(size_t max_inodes = 4096,
                         size_t max_blocks_per_inode = 1024)
      : max_inodes_(max_inodes), max_blocks_per_inode_(max_blocks_per_inode) {}

  Lookup Get(uint64_t ino, uint64_t index);
  // Get()s answered from the cache (known) and not, since start.
  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }
  // Records a GetBlocks reply for the window [first_index, first_index +
  // requested). When the reply is full (as many blocks as requested) only
  // up to its last block counts as known, since metad may have stopped early.
  // `inline_data`: the reply's (first_index 0 only; empty = none).
  void Put(uint64_t ino, uint64_t first_index, uint32_t requested,
           uint64_t file_size, const std::vector<BlockLoc>& blocks,
           std::string inline_data = {});
  void Invalidate(uint64_t ino);
  void InvalidateBlock(uint64_t ino, uint64_t index);
  size_t inode_count() const;

 private:
  struct InodeLocs {
    std::map<uint64_t, uint64_t> windows;  // first index -> end (exclusive)
    std::map<uint64_t, BlockLoc> blocks;
    uint64_t file_size = 0;
    std::shared_ptr<const std::string> inline_data;  // with window 0
    std::list<uint64_t>::iterator lru;
  };
  bool Covered(const InodeLocs& il, uint64_t index) const;
  void Touch(uint64_t ino, InodeLocs& il);

  const size_t max_inodes_;
  const size_t max_blocks_per_inode_;
  mutable std::mutex mu_;
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  std::unordered_map<uint64_t, InodeLocs> inodes_;  // GUARDED_BY(mu_)
  std::list<uint64_t> lru_;                         // GUARDED_BY(mu_), front = newest
};

}  // namespace opendfs::client
