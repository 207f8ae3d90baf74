#include "metad/server/block_index.h"

#include "fsimage_generated.h"

namespace opendfs::metad {

void BlockIndex::Update(const ApplyResult& r) {
  if (!r.status.ok()) return;
  if (r.has_block && r.block.id != 0) Put(r.block.id, BlockRef{r.attr.ino, r.block_index});
  for (BlockId b : r.freed_blocks) Erase(b);
}

void BlockIndex::AddImageEntry(std::string_view key, std::string_view value) {
  if (key.empty() || key[0] != 'I') return;
  flatbuffers::Verifier v(reinterpret_cast<const uint8_t*>(value.data()), value.size());
  if (!v.VerifyBuffer<fb::ImageInode>(nullptr)) return;  // Load reports it
  const auto* inode = flatbuffers::GetRoot<fb::ImageInode>(value.data());
  if (!inode->blocks()) return;
  uint32_t index = 0;
  for (const fb::ImageBlock* b : *inode->blocks()) {
    if (b->id() != 0) Put(b->id(), BlockRef{inode->id(), index});
    ++index;
  }
}

size_t BlockIndex::Home(BlockId block) const {
  uint64_t h = block * 0x9E3779B97F4A7C15ull;  // Fibonacci hashing; ids are dense
  return static_cast<size_t>((static_cast<unsigned __int128>(h) * keys_.size()) >> 64);
}

size_t BlockIndex::Slot(BlockId block) const {
  size_t i = Home(block);
  while (keys_[i] != 0 && keys_[i] != block) i = i + 1 == keys_.size() ? 0 : i + 1;
  return i;
}

void BlockIndex::Put(BlockId block, BlockRef ref) {
  if (block == 0) return;
  if (ref.inode > kMaxPackedInode || ref.index >= (uint32_t{1} << kIndexBits)) {
    Erase(block);
    overflow_[block] = ref;
    return;
  }
  if (!overflow_.empty()) overflow_.erase(block);
  if ((size_ + 1) * 20 > keys_.size() * 17) Grow();  // keep below 85% full
  size_t i = Slot(block);
  if (keys_[i] == 0) {
    keys_[i] = block;
    ++size_;
  }
  vals_[i] = ref.inode << kIndexBits | ref.index;
}

void BlockIndex::Erase(BlockId block) {
  if (!overflow_.empty() && overflow_.erase(block) != 0) return;
  if (size_ == 0) return;
  size_t hole = Slot(block);
  if (keys_[hole] == 0) return;
  keys_[hole] = 0;
  --size_;
  // Backward shift: pull later members of the probe run into the hole when
  // their home is not between the hole and them.
  const size_t n = keys_.size();
  for (size_t j = hole + 1 == n ? 0 : hole + 1; keys_[j] != 0; j = j + 1 == n ? 0 : j + 1) {
    size_t home = Home(keys_[j]);
    bool home_in_gap = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (home_in_gap) continue;
    keys_[hole] = keys_[j];
    vals_[hole] = vals_[j];
    keys_[j] = 0;
    hole = j;
  }
}

std::optional<BlockRef> BlockIndex::Find(BlockId block) const {
  if (size_ != 0) {
    size_t i = Slot(block);
    if (keys_[i] == block)
      return BlockRef{vals_[i] >> kIndexBits,
                      static_cast<uint32_t>(vals_[i] & ((uint64_t{1} << kIndexBits) - 1))};
  }
  if (!overflow_.empty()) {
    auto it = overflow_.find(block);
    if (it != overflow_.end()) return it->second;
  }
  return std::nullopt;
}

void BlockIndex::Grow() {
  std::vector<uint64_t> keys = std::move(keys_), vals = std::move(vals_);
  size_t capacity = std::max<size_t>(1024, keys.size() + keys.size() / 2);
  keys_.assign(capacity, 0);
  vals_.assign(capacity, 0);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] == 0) continue;
    size_t j = Slot(keys[i]);
    keys_[j] = keys[i];
    vals_[j] = vals[i];
  }
}

}  // namespace opendfs::metad
