#include "mount/client/file_reader.h"

#include <algorithm>
#include <cstring>

#include "mount/client/block_range.h"

namespace opendfs::client {
namespace {

constexpr int kInFluxAttempts = 4;

}  // namespace

Result<LocationCache::Lookup> FileReader::Locate(const Cred& c, uint64_t ino,
                                                 uint64_t index) {
  LocationCache::Lookup l = cache_.Get(ino, index);
  if (l.known) return l;
  ODFS_ASSIGN_OR_RETURN(BlocksPage page,
                        meta_.GetBlocks(c, ino, index, kBlocksPerFetch));
  cache_.Put(ino, index, kBlocksPerFetch, page.attr.size(), page.blocks,
             std::move(page.inline_data));
  l = cache_.Get(ino, index);
  l.fresh = true;
  if (!l.known) {
    // The reply did not cover `index` (metad returned a full page ending
    // before it): treat as unknown once more rather than loop.
    return Status(StatusCode::Internal,
                  fmt::format("GetBlocks({}, {}) did not cover block {}", ino,
                              index, index));
  }
  return l;
}

Status FileReader::ReadPart(const Cred& c, uint64_t ino, uint64_t index,
                            uint64_t block_offset, uint64_t length, uint8_t* out) {
  BadReplicaReporter report = [&](const BlockLoc& b, const std::string& replica,
                                  const Status& why) {
    Status s = meta_.ReportBadReplica(c, b.block_id, b.version, replica,
                                      why.ToString());
    if (!s.ok()) {
      log_.Warn("file-reader: reporting bad replica {} of block {} failed: {}",
                replica, b.block_id, s.ToString());
    }
  };
  for (int attempt = 0;; ++attempt) {
    ODFS_ASSIGN_OR_RETURN(LocationCache::Lookup l, Locate(c, ino, index));
    if (l.inline_data) {
      // A small file: its data came with the locations.
      const std::string& d = *l.inline_data;
      uint64_t n = block_offset < d.size() ? std::min<uint64_t>(length, d.size() - block_offset) : 0;
      if (n > 0) std::memcpy(out, d.data() + block_offset, n);
      if (n < length) std::memset(out + n, 0, length - n);
      return Status::Ok();
    }
    uint64_t have = 0;  // bytes of the part backed by committed block data
    if (l.block && block_offset < l.block->length) {
      have = std::min<uint64_t>(length, l.block->length - block_offset);
    }
    if (have < length) std::memset(out + have, 0, length - have);
    if (have == 0) return Status::Ok();
    Result<std::string> r = blocks_.ReadBlock(*l.block, block_offset, have, out, report);
    if (r.ok()) return Status::Ok();
    // Every replica we knew of failed. The metad may know better ones (a
    // newer version, copies made since a blockd died): ask once more. After
    // that the data is unavailable: EIO, whatever the last replica said.
    // A block being rewritten may move on under a read (a commit, the next
    // write) more than once: a few more tries then.
    if (attempt >= (l.block->in_flux() ? kInFluxAttempts : 1))
      return Status(StatusCode::Io, r.status().message());
    log_.Info("file-reader: ino={} block index={} id={}: {}; refetching its locations",
              ino, index, l.block->block_id, r.status().ToString());
    cache_.InvalidateBlock(ino, index);
  }
}

Result<size_t> FileReader::Read(const Cred& c, uint64_t ino, uint64_t block_size,
                                uint64_t offset, size_t size, uint8_t* out,
                                uint64_t known_size) {
  if (block_size == 0) {
    return Status(StatusCode::Invalid, fmt::format("inode {} has no block size", ino));
  }
  if (size == 0) return size_t{0};
  ODFS_ASSIGN_OR_RETURN(LocationCache::Lookup first,
                        Locate(c, ino, offset / block_size));
  uint64_t file_size = std::max(first.file_size, known_size);
  if (offset + size > file_size && !first.fresh) {
    // The kernel only asks past the size it knows; when that is past the
    // size cached here, the cache is the one behind (another mount grew the
    // file): ask metad again before answering a short read, which the
    // kernel would take as the new end of file.
    cache_.Invalidate(ino);
    ODFS_ASSIGN_OR_RETURN(first, Locate(c, ino, offset / block_size));
    file_size = std::max(first.file_size, known_size);
  }
  if (offset >= file_size) return size_t{0};
  size = static_cast<size_t>(std::min<uint64_t>(size, file_size - offset));
  for (const BlockPart& part : SplitRange(offset, size, block_size)) {
    ODFS_RETURN_IF_ERROR(ReadPart(c, ino, part.index, part.block_offset,
                                  part.length, out + part.buf_offset));
  }
  return size;
}

}  // namespace opendfs::client
