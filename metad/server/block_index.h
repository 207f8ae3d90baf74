// BlockIndex: block id -> where the namespace keeps it (owning inode and its
// index in the file), for every block the namespace references. The block
// map asks the metad (as a BlockCatalog) whether a replica a blockd reports
// is wanted, and the replication monitor which file a block belongs to; both
// go through here to the namespace's own BlockInfo, so versions live in one
// place only.
//
// Memory is the point (DESIGN §3: ~200 bytes per one-block file in all): an
// open-addressing table of two parallel uint64 arrays (key, packed
// inode << 24 | index), linear probing with backward-shift deletion, grown
// by half when 85% full — about 16-23 bytes per block against ~56 for a
// node-based map. Blocks whose inode id needs more than 40 bits or whose
// index more than 24 (a file of 16M blocks) go to a small side map.
//
// It is derived state: updated from each ApplyResult (block records add or
// move a block, freed_blocks drop them) and, at start-up, from the fsimage
// entries as Namespace::Load reads them (IndexingSource wraps the source).
// Guarded by the same lock as the namespace.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "metad/namespace/image.h"
#include "metad/namespace/types.h"

namespace opendfs::metad {

struct BlockRef {
  InodeId inode = 0;
  uint32_t index = 0;  // position in the file
  bool operator==(const BlockRef&) const = default;
};

class BlockIndex {
 public:
  void Update(const ApplyResult& r);
  // Indexes the blocks of one fsimage inode entry (other keys are ignored).
  void AddImageEntry(std::string_view key, std::string_view value);

  void Put(BlockId block, BlockRef ref);
  void Erase(BlockId block);
  std::optional<BlockRef> Find(BlockId block) const;
  size_t size() const { return size_ + overflow_.size(); }
  // Bytes held by the table (for benchmarks).
  size_t memory_bytes() const { return (keys_.capacity() + vals_.capacity()) * sizeof(uint64_t); }

 private:
  static constexpr int kIndexBits = 24;
  static constexpr uint64_t kMaxPackedInode = (uint64_t{1} << (64 - kIndexBits)) - 1;

  size_t Home(BlockId block) const;
  size_t Slot(BlockId block) const;  // its slot, or the empty slot ending its probe
  void Grow();

  std::vector<uint64_t> keys_;  // 0 = empty (block ids start at 1)
  std::vector<uint64_t> vals_;  // inode << kIndexBits | index
  size_t size_ = 0;
  std::unordered_map<BlockId, BlockRef> overflow_;
};

// An ImageSource that feeds every entry it yields to a BlockIndex too.
class IndexingSource : public ImageSource {
 public:
  IndexingSource(ImageSource& inner, BlockIndex& index) : inner_(inner), index_(index) {}
  bool Next(std::string_view* key, std::string_view* value) override {
    if (!inner_.Next(key, value)) return false;
    index_.AddImageEntry(*key, *value);
    return true;
  }
  Status status() const override { return inner_.status(); }

 private:
  ImageSource& inner_;
  BlockIndex& index_;
};

}  // namespace opendfs::metad
