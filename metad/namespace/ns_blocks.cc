// Block records of regular files: add a block, commit its length, bump its
// version for an overwrite; and GetBlocks for reads. The service checked
// access when the file was opened, so these take no caller. A record naming a
// block that is no longer at that index (truncated, replaced) fails with
// Stale; one naming an old version with StaleVersion.
#include <algorithm>

#include "metad/namespace/namespace.h"
#include "metad/namespace/ns_util.h"

namespace opendfs::metad {
namespace {

Status CheckRegular(const Inode* inode) {
  if (inode == nullptr) return Status(StatusCode::NotFound, "no such inode");
  if (inode->is_dir()) return Status(StatusCode::IsDir, "blocks of a directory");
  if (!inode->is_reg()) return Status(StatusCode::Invalid, "blocks of a special file");
  return Status::Ok();
}

// The block at `index` if it is still `block_id`.
Status CheckBlock(const Inode& inode, uint32_t index, BlockId block_id) {
  if (index >= inode.blocks.size() || inode.blocks[index].id != block_id ||
      block_id == 0)
    return Status(StatusCode::Stale, "block is no longer part of the file");
  return Status::Ok();
}

}  // namespace

ApplyResult Namespace::ApplyAddBlock(const fb::EditAddBlock& r) {
  Inode* inode = inodes_.Find(r.inode());
  NS_TRY(CheckRegular(inode));
  const uint32_t index = r.index();
  if (index < inode->blocks.size() && inode->blocks[index].id != 0)
    return Fail(StatusCode::Exists, "the file already has a block at that index");
  if (index != 0 && !InlineData(*inode).empty())
    return Fail(StatusCode::Stale, "a small file's inline data must move to block 0 first");
  if (index >= kMaxBlocksPerFile ||
      (uint64_t{index} + 1) * inode->block_size > kMaxFileSize)
    return Fail(StatusCode::FileTooBig, "block index beyond the largest file");
  // Block ids, like inode ids, are handed out in increasing order.
  if (r.block_id() == 0 || r.block_id() <= max_block_id_)
    return Fail(StatusCode::Invalid, "block id is not fresh");
  while (inode->blocks.size() <= index) inode->blocks.push_back(BlockInfo{});
  BlockInfo& b = inode->blocks[index];
  b = BlockInfo{r.block_id(), 1, 0};
  max_block_id_ = r.block_id();
  ApplyResult result;
  result.has_block = true;
  result.block_index = index;
  result.block = b;
  result.attr = MakeAttr(*inode);
  return result;
}

ApplyResult Namespace::ApplyCommitBlock(const fb::EditCommitBlock& r) {
  Inode* inode = inodes_.Find(r.inode());
  NS_TRY(CheckRegular(inode));
  NS_TRY(CheckBlock(*inode, r.index(), r.block_id()));
  BlockInfo& b = inode->blocks[r.index()];
  if (b.version != r.version())
    return Fail(StatusCode::StaleVersion, "block version moved on");
  if (r.length() > inode->block_size)
    return Fail(StatusCode::Invalid, "block length beyond the block size");
  if (r.file_size() > kMaxFileSize) return Fail(StatusCode::FileTooBig, "size too large");
  // Block 0 now holds a small file's data: the writer copied it there.
  const size_t inline_bytes = InlineData(*inode).size();
  if (inline_bytes != 0 && (r.index() != 0 || r.length() < inline_bytes))
    return Fail(StatusCode::Stale, "commit would lose the file's inline data");
  DropInline(*inode);
  b.length = r.length();
  const uint64_t end = uint64_t{r.index()} * inode->block_size + r.length();
  inode->size = std::max({inode->size, end, r.file_size()});
  inode->mtime_ns = inode->ctime_ns = r.time_ns();
  ApplyResult result;
  result.has_block = true;
  result.block_index = r.index();
  result.block = b;
  result.attr = MakeAttr(*inode);
  return result;
}

ApplyResult Namespace::ApplyBumpBlockVersion(const fb::EditBumpBlockVersion& r) {
  Inode* inode = inodes_.Find(r.inode());
  NS_TRY(CheckRegular(inode));
  NS_TRY(CheckBlock(*inode, r.index(), r.block_id()));
  BlockInfo& b = inode->blocks[r.index()];
  if (r.new_version() <= b.version)
    return Fail(StatusCode::Invalid, "new block version must be larger");
  b.version = r.new_version();
  ApplyResult result;
  result.has_block = true;
  result.block_index = r.index();
  result.block = b;
  result.attr = MakeAttr(*inode);
  return result;
}

const BlockInfo* Namespace::BlockAt(InodeId ino, uint32_t index) const {
  const Inode* inode = inodes_.Find(ino);
  if (inode == nullptr || !inode->is_reg() || index >= inode->blocks.size()) return nullptr;
  return &inode->blocks[index];
}

Result<FileBlocks> Namespace::GetBlocks(InodeId ino, uint32_t first_index,
                                        uint32_t count) const {
  const Inode* inode = inodes_.Find(ino);
  ODFS_RETURN_IF_ERROR(CheckRegular(inode));
  FileBlocks out;
  out.size = inode->size;
  out.block_size = inode->block_size;
  out.block_count = inode->blocks.size();
  out.first_index = first_index;
  count = std::min(count, kMaxBlocksPerLookup);
  for (uint32_t i = first_index; i < inode->blocks.size() && i - first_index < count; ++i)
    out.blocks.push_back(inode->blocks[i]);
  if (first_index == 0) out.inline_data = InlineData(*inode);
  return out;
}

}  // namespace opendfs::metad
