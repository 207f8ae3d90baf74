// Block records of regular files: add a block, commit its length, bump its
// version for an overwrite; and GetBlocks for reads. The service checked
// access when the file was opened, so these take no caller. A record naming a
// block that is no longer at that index (truncated, replaced) fails with
// Stale; one naming an old version with StaleVersion. AddBlock and
// BumpBlockVersion open a write of the block and CommitBlock closes it
// (block_write.h): a commit without an open write at its version fails with
// StaleVersion (the writer's lock expired and the leader settled the block),
// and an overwrite of a block whose previous write is still open fails with
// LockHeld until that write is settled.
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
  NS_ASSIGN(std::vector<std::string> granted, ReplicaAddresses(r.replicas()));
  while (inode->blocks.size() <= index) inode->blocks.push_back(BlockInfo{});
  BlockInfo& b = inode->blocks[index];
  b = BlockInfo{r.block_id(), 1, 0};
  max_block_id_ = r.block_id();
  OpenWrite(r.block_id(), 0, std::move(granted));
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
  BlockWrite* w = MutableWriteOf(b.id);
  if (w == nullptr || !w->open)
    return Fail(StatusCode::StaleVersion,
                "no open write of the block: its writer's lock expired and the block was settled");
  if (r.length() > inode->block_size)
    return Fail(StatusCode::Invalid, "block length beyond the block size");
  if (r.file_size() > kMaxFileSize) return Fail(StatusCode::FileTooBig, "size too large");
  // Block 0 now holds a small file's data: the writer copied it there.
  const size_t inline_bytes = InlineData(*inode).size();
  if (inline_bytes != 0 && (r.index() != 0 || r.length() < inline_bytes))
    return Fail(StatusCode::Stale, "commit would lose the file's inline data");
  NS_ASSIGN(std::vector<std::string> acked, ReplicaAddresses(r.replicas()));
  if (!acked.empty() && !w->granted.empty() &&
      std::none_of(acked.begin(), acked.end(), [&](const std::string& a) {
        return std::find(w->granted.begin(), w->granted.end(), a) != w->granted.end();
      }))
    return Fail(StatusCode::Invalid, "no acknowledged replica was given to the writer");
  // Records without replicas (older logs) vouch for every granted replica.
  if (acked.empty()) acked = w->granted;
  CloseWrite(b.id, *w, acked);
  DropInline(*inode);
  b.length = r.length();
  const uint64_t end = uint64_t{r.index()} * inode->block_size + r.length();
  inode->size = std::max({inode->size, end, r.file_size()});
  inode->mtime_ns = inode->ctime_ns = r.time_ns();
  if (r.kill_setid()) inode->mode = KillSetidBits(inode->mode);
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
  const BlockWrite* w = WriteOf(b.id);
  // Versions a settled-back write used are never handed out again.
  const uint32_t used = std::max(b.version, w ? w->burned_version : 0);
  if (r.new_version() <= used)
    return Fail(StatusCode::Invalid, "new block version must be larger");
  if (w != nullptr && w->open)
    return Fail(StatusCode::LockHeld, "the block's previous write is not settled yet");
  NS_ASSIGN(std::vector<std::string> granted, ReplicaAddresses(r.replicas()));
  OpenWrite(b.id, b.version, std::move(granted));
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
