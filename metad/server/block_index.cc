#include "metad/server/block_index.h"

#include "fsimage_generated.h"

namespace opendfs::metad {

void BlockIndex::Update(const ApplyResult& r) {
  if (!r.status.ok()) return;
  if (r.has_block && r.block.id != 0) blocks_[r.block.id] = Entry{r.block.version, r.attr.ino};
  for (BlockId b : r.freed_blocks) blocks_.erase(b);
}

std::optional<uint32_t> BlockIndex::Version(BlockId block) const {
  auto it = blocks_.find(block);
  if (it == blocks_.end()) return std::nullopt;
  return it->second.version;
}

InodeId BlockIndex::Owner(BlockId block) const {
  auto it = blocks_.find(block);
  return it == blocks_.end() ? 0 : it->second.inode;
}

void BlockIndex::AddImageEntry(std::string_view key, std::string_view value) {
  if (key.empty() || key[0] != 'I') return;
  flatbuffers::Verifier v(reinterpret_cast<const uint8_t*>(value.data()), value.size());
  if (!v.VerifyBuffer<fb::ImageInode>(nullptr)) return;  // Load reports it
  const auto* inode = flatbuffers::GetRoot<fb::ImageInode>(value.data());
  if (!inode->blocks()) return;
  for (const fb::ImageBlock* b : *inode->blocks())
    if (b->id() != 0) blocks_[b->id()] = Entry{b->version(), inode->id()};
}

}  // namespace opendfs::metad
