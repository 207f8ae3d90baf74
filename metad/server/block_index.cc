#include "metad/server/block_index.h"

#include "fsimage_generated.h"

namespace opendfs::metad {

void BlockIndex::Update(const ApplyResult& r) {
  if (!r.status.ok()) return;
  if (r.has_block && r.block.id != 0) versions_[r.block.id] = r.block.version;
  for (BlockId b : r.freed_blocks) versions_.erase(b);
}

std::optional<uint32_t> BlockIndex::Version(BlockId block) const {
  auto it = versions_.find(block);
  if (it == versions_.end()) return std::nullopt;
  return it->second;
}

void BlockIndex::AddImageEntry(std::string_view key, std::string_view value) {
  if (key.empty() || key[0] != 'I') return;
  flatbuffers::Verifier v(reinterpret_cast<const uint8_t*>(value.data()), value.size());
  if (!v.VerifyBuffer<fb::ImageInode>(nullptr)) return;  // Load reports it
  const auto* inode = flatbuffers::GetRoot<fb::ImageInode>(value.data());
  if (!inode->blocks()) return;
  for (const fb::ImageBlock* b : *inode->blocks())
    if (b->id() != 0) versions_[b->id()] = b->version();
}

}  // namespace opendfs::metad
