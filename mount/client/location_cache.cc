#include "mount/client/location_cache.h"

namespace opendfs::client {

bool LocationCache::Covered(const InodeLocs& il, uint64_t index) const {
  auto it = il.windows.upper_bound(index);
  if (it == il.windows.begin()) return false;
  --it;
  return index >= it->first && index < it->second;
}

void LocationCache::Touch(uint64_t ino, InodeLocs& il) {
  lru_.erase(il.lru);
  lru_.push_front(ino);
  il.lru = lru_.begin();
}

LocationCache::Lookup LocationCache::Get(uint64_t ino, uint64_t index) {
  std::lock_guard<std::mutex> lock(mu_);
  Lookup out;
  auto it = inodes_.find(ino);
  if (it == inodes_.end()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return out;
  }
  InodeLocs& il = it->second;
  Touch(ino, il);
  auto b = il.blocks.find(index);
  if (b != il.blocks.end()) {
    out.known = true;
    out.block = b->second;
  } else {
    out.known = Covered(il, index);
  }
  if (index == 0 && out.known) out.inline_data = il.inline_data;
  out.file_size = il.file_size;
  (out.known ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
  return out;
}

void LocationCache::Put(uint64_t ino, uint64_t first_index, uint32_t requested,
                        uint64_t file_size,
                        const std::vector<BlockLoc>& blocks,
                        std::string inline_data) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = inodes_.find(ino);
  if (it == inodes_.end()) {
    if (inodes_.size() >= max_inodes_ && !lru_.empty()) {
      inodes_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(ino);
    it = inodes_.emplace(ino, InodeLocs{}).first;
    it->second.lru = lru_.begin();
  } else {
    Touch(ino, it->second);
  }
  InodeLocs& il = it->second;
  if (il.blocks.size() + blocks.size() > max_blocks_per_inode_) {
    il.blocks.clear();
    il.windows.clear();
  }
  uint64_t end = first_index + requested;
  if (requested > 0 && blocks.size() >= requested) {
    end = blocks.back().index + 1;
  }
  // A newer reply replaces what overlapping windows said.
  for (auto w = il.windows.begin(); w != il.windows.end();) {
    if (w->first < end && w->second > first_index) {
      w = il.windows.erase(w);
    } else {
      ++w;
    }
  }
  il.blocks.erase(il.blocks.lower_bound(first_index), il.blocks.lower_bound(end));
  il.windows[first_index] = end;
  for (const BlockLoc& b : blocks) {
    if (b.index >= first_index && b.index < end) il.blocks[b.index] = b;
  }
  if (first_index == 0) {
    il.inline_data.reset();
    if (!inline_data.empty())
      il.inline_data = std::make_shared<const std::string>(std::move(inline_data));
  }
  il.file_size = file_size;
}

void LocationCache::Invalidate(uint64_t ino) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = inodes_.find(ino);
  if (it == inodes_.end()) return;
  lru_.erase(it->second.lru);
  inodes_.erase(it);
}

void LocationCache::InvalidateBlock(uint64_t ino, uint64_t index) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = inodes_.find(ino);
  if (it == inodes_.end()) return;
  InodeLocs& il = it->second;
  il.blocks.erase(index);
  if (index == 0) il.inline_data.reset();
  // Split the window containing index so only that block is unknown.
  auto w = il.windows.upper_bound(index);
  if (w == il.windows.begin()) return;
  --w;
  if (index < w->first || index >= w->second) return;
  uint64_t start = w->first, end = w->second;
  il.windows.erase(w);
  if (start < index) il.windows[start] = index;
  if (index + 1 < end) il.windows[index + 1] = end;
}

size_t LocationCache::inode_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return inodes_.size();
}

}  // namespace opendfs::client
