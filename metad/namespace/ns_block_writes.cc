// Block write state (block_write.h): opening and closing writes, settling a
// block whose writer lost its lock (EditSettleBlock), forgetting stale
// replicas that are gone (EditForgetStaleReplica), and the "W" fsimage
// entries that carry the state across checkpoints and shipped snapshots.
//
// Settle, happy path: the leader found a replica at the open version and
// names it the authority; the block keeps that version with the authority's
// length and every other replica given to the writer is stale. Without an
// authority the write is undone: back to the version it started from (the
// version it used is burned), or, for a block the write created, a hole.
// Failure modes: a settle of a block with no open write, or at another
// version, is Stale / StaleVersion (a commit won the race); an authority that
// was not given to the writer is Invalid.
#include <algorithm>

#include <fmt/format.h>

#include "fsimage_generated.h"
#include "metad/namespace/namespace.h"
#include "metad/namespace/ns_util.h"

namespace opendfs::metad {
namespace {

constexpr char kWritePrefix = 'W';

std::string WriteKey(BlockId block) {
  std::string key(1, kWritePrefix);
  for (int i = 7; i >= 0; --i) key.push_back(static_cast<char>((block >> (8 * i)) & 0xff));
  return key;
}

std::vector<std::string> Strings(const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* v) {
  std::vector<std::string> out;
  if (v != nullptr)
    for (const flatbuffers::String* s : *v) out.push_back(s->str());
  return out;
}

bool ValidAddresses(const std::vector<std::string>& list) {
  if (list.size() > kMaxWriteReplicas) return false;
  return std::all_of(list.begin(), list.end(), [](const std::string& a) {
    return !a.empty() && a.size() <= Namespace::kMaxBlockdAddressBytes;
  });
}

}  // namespace

Result<std::vector<std::string>> Namespace::ReplicaAddresses(
    const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* list) {
  std::vector<std::string> out = Strings(list);
  if (!ValidAddresses(out))
    return Status(StatusCode::Invalid,
                  fmt::format("replica list: more than {} addresses, or one empty or over {} bytes",
                              kMaxWriteReplicas, kMaxBlockdAddressBytes));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

const BlockWrite* Namespace::WriteOf(BlockId block) const {
  if (block_writes_.empty()) return nullptr;  // the common case: no lookup
  auto it = block_writes_.find(block);
  return it == block_writes_.end() ? nullptr : &it->second;
}

BlockWrite* Namespace::MutableWriteOf(BlockId block) {
  return const_cast<BlockWrite*>(WriteOf(block));
}

void Namespace::OpenWrite(BlockId block, uint32_t from_version,
                          std::vector<std::string> granted) {
  BlockWrite& w = block_writes_[block];
  w.open = true;
  w.from_version = from_version;
  w.granted = std::move(granted);
  // The new version is past every burned one (the caller checked). The stale
  // list stays: it still describes from_version, which readers and the
  // monitor trust until the write closes.
  w.burned_version = 0;
}

void Namespace::CloseWrite(BlockId block, BlockWrite& w, const std::vector<std::string>& good) {
  std::vector<std::string> stale;
  for (std::string& a : w.granted)
    if (std::find(good.begin(), good.end(), a) == good.end()) stale.push_back(std::move(a));
  w.stale = std::move(stale);
  w.open = false;
  w.from_version = 0;
  w.granted.clear();
  if (w.Empty()) block_writes_.erase(block);
}

ApplyResult Namespace::ApplySettleBlock(const fb::EditSettleBlock& r) {
  Inode* inode = inodes_.Find(r.inode());
  if (inode == nullptr || !inode->is_reg())
    return Fail(StatusCode::Stale, "settle: the file is gone");
  if (r.index() >= inode->blocks.size() || inode->blocks[r.index()].id != r.block_id() ||
      r.block_id() == 0)
    return Fail(StatusCode::Stale, "settle: block is no longer part of the file");
  BlockInfo& b = inode->blocks[r.index()];
  BlockWrite* w = MutableWriteOf(b.id);
  if (w == nullptr || !w->open) return Fail(StatusCode::Stale, "settle: the block has no open write");
  if (b.version != r.version()) return Fail(StatusCode::StaleVersion, "settle: block version moved on");
  const std::string authority(Str(r.authority()));
  ApplyResult result;
  result.block_index = r.index();
  if (!authority.empty()) {
    if (!w->granted.empty() &&
        std::find(w->granted.begin(), w->granted.end(), authority) == w->granted.end())
      return Fail(StatusCode::Invalid, "settle: the authority was not given to the writer");
    if (r.length() > inode->block_size)
      return Fail(StatusCode::Invalid, "settle: block length beyond the block size");
    if (r.file_size() > kMaxFileSize) return Fail(StatusCode::FileTooBig, "settle: size too large");
    CloseWrite(b.id, *w, {authority});
    // A small file moving to blocks: its first piece was the inline data,
    // so a block 0 settled forward holds it (DESIGN §5, ns_inline.cc).
    if (r.index() == 0 && r.length() >= InlineData(*inode).size()) DropInline(*inode);
    b.length = r.length();
    const uint64_t end = uint64_t{r.index()} * inode->block_size + r.length();
    inode->size = std::max({inode->size, end, r.file_size()});
    inode->mtime_ns = inode->ctime_ns = r.time_ns();
  } else if (w->from_version == 0) {
    // The write created the block and no replica can show any of it: the
    // file never had data there, so it becomes a hole again.
    result.freed_blocks.push_back(b.id);
    block_writes_.erase(b.id);
    b = BlockInfo{};
    result.attr = MakeAttr(*inode);
    return result;
  } else {
    const uint32_t used = b.version;
    b.version = w->from_version;
    w->open = false;
    w->from_version = 0;
    w->granted.clear();
    w->burned_version = used;  // Empty() is false now: the entry stays
  }
  result.has_block = true;
  result.block = b;
  result.attr = MakeAttr(*inode);
  return result;
}

ApplyResult Namespace::ApplyForgetStaleReplica(const fb::EditForgetStaleReplica& r) {
  BlockWrite* w = MutableWriteOf(r.block_id());
  const std::string_view address = Str(r.address());
  if (w == nullptr || !w->IsStale(address))
    return Fail(StatusCode::NotFound, "no such stale replica");
  std::erase(w->stale, address);
  if (w->Empty()) block_writes_.erase(r.block_id());
  return ApplyResult{};
}

Status Namespace::SaveBlockWrites(std::vector<WriteRef> refs, ImageSink& sink) const {
  std::sort(refs.begin(), refs.end(),
            [](const WriteRef& a, const WriteRef& b) { return a.block < b.block; });
  flatbuffers::FlatBufferBuilder fbb(256);
  for (const WriteRef& ref : refs) {
    const BlockWrite& w = block_writes_.at(ref.block);
    fbb.Clear();
    auto granted = fbb.CreateVectorOfStrings(w.granted);
    auto stale = fbb.CreateVectorOfStrings(w.stale);
    fbb.Finish(fb::CreateImageBlockWrite(fbb, ref.block, ref.inode, ref.index, w.open,
                                         w.from_version, granted, stale, w.burned_version));
    ODFS_RETURN_IF_ERROR(sink.Put(
        WriteKey(ref.block),
        std::string_view(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize())));
  }
  return Status::Ok();
}

Status Namespace::LoadBlockWrite(std::string_view key, std::string_view value) {
  auto corrupt = [](const char* what) {
    return Status(StatusCode::Corrupt, std::string("fsimage: block write entry: ") + what);
  };
  flatbuffers::Verifier v(reinterpret_cast<const uint8_t*>(value.data()), value.size());
  if (key.size() != 9 || !v.VerifyBuffer<fb::ImageBlockWrite>(nullptr)) return corrupt("unreadable");
  const auto* r = flatbuffers::GetRoot<fb::ImageBlockWrite>(value.data());
  if (WriteKey(r->block_id()) != key) return corrupt("key and block id differ");
  const Inode* inode = inodes_.Find(r->inode());
  if (inode == nullptr || !inode->is_reg() || r->index() >= inode->blocks.size() ||
      inode->blocks[r->index()].id != r->block_id() || r->block_id() == 0)
    return corrupt("names a block the files do not hold");
  BlockWrite w;
  w.open = r->open();
  w.from_version = r->from_version();
  w.granted = Strings(r->granted());
  w.stale = Strings(r->stale());
  w.burned_version = r->burned_version();
  if (!ValidAddresses(w.granted) || !ValidAddresses(w.stale)) return corrupt("bad address list");
  if (w.Empty()) return corrupt("empty entry");
  block_writes_.emplace(r->block_id(), std::move(w));
  return Status::Ok();
}

}  // namespace opendfs::metad
