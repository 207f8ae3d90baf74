// BlockStore operations. Crash safety rests on one rule: the meta file is the
// commit record. A replica is exactly "the first meta.length bytes of the data
// file, at meta.version, each chunk matching its CRC in the meta".
//
// A write, under the block's stripe lock:
//   1. computes the CRCs of the touched chunks; a partial chunk is completed
//      from the old bytes, which are first checked against their old CRC (so
//      corruption is never laundered into a fresh CRC);
//   2. writes the complete new meta to blk_<id>.meta.tmp (fsync if `sync`).
//      A full disk fails here, before any data byte is touched;
//   3. writes the part of the range beyond the old length (append). This does
//      not touch committed bytes: if it fails (ENOSPC) the file is truncated
//      back and the old replica stands;
//   4. writes the part inside the old length (overwrite in place);
//   5. fdatasync of the data if `sync`;
//   6. renames the temp meta over blk_<id>.meta (atomic), then fsyncs the
//      directory if `sync`.
// A crash before 6 leaves the old meta: after an append the old bytes are
// untouched, so the old replica reads back; after an in-place overwrite the
// touched chunks no longer match the old CRCs, so every reader (client,
// ReadVerified, scanner) sees Corrupt. A crash after 6 without `sync` may leave
// the new meta over data that never reached the disk: a file shorter than the
// meta's length (caught at start-up) or chunks that fail their CRC (caught at
// start-up for the last chunk, else on read). So no crash makes wrong bytes
// read back as good. Data bytes beyond meta.length are an uncommitted append
// and are truncated at start-up. A data file without a meta is an uncommitted
// create and is removed at start-up, as are *.tmp files.
//
// A write without sync to an existing replica skips steps 2 and 6: its meta
// stays in memory (Entry::unsynced, answered by every reader) until the next
// synced write of the block, a clean shutdown, or a delete. A crash before
// that leaves the last meta file, as a crash before step 6 would: an append
// is trimmed, an in-place overwrite fails its old CRCs, and the replica is at
// its old version — never acknowledged by a commit, which always ends with a
// synced piece. (A client streaming 4 KiB random writes no longer pays a meta
// file create, write and rename per write on every replica.)
//
// If step 4, 5 or 6 fails after bytes were overwritten in place, neither meta
// describes the file: the replica is marked corrupt and its meta removed, so a
// restart will not serve it either (the other replicas are intact; metad
// re-replicates). Delete removes the meta first (uncommit), then the data.
#include "blockd/disk/block_store.h"

#include <fcntl.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "blockd/disk/block_layout.h"
#include "libnet/crc32c.h"
#include "blockd/disk/file_io.h"
#include "libnet/check.h"

namespace opendfs::disk {
namespace {

Status NoSuchBlock(uint64_t id) {
  return Status(StatusCode::NoSuchBlock, fmt::format("block {} not on this blockd", id));
}

Status CorruptReplica(uint64_t id) {
  return Status(StatusCode::Corrupt, fmt::format("block {}: replica is marked corrupt", id));
}

Status WriteMetaTemp(const std::string& path, const BlockMeta& meta, bool sync) {
  std::string bytes = EncodeBlockMeta(meta);
  auto fd = OpenFile(path, O_WRONLY | O_CREAT | O_TRUNC);
  if (!fd.ok()) return fd.status();
  Status s = PWriteFull(fd->get(), bytes.data(), bytes.size(), 0, path);
  if (s.ok() && sync) s = FullSync(fd->get(), path);
  if (!s.ok()) (void)RemoveIfExists(path);
  return s;
}

uint64_t RoundUpToChunk(uint64_t x) {
  return (x + kChunkSize - 1) / kChunkSize * kChunkSize;
}

}  // namespace

std::vector<std::string> SplitDataDirs(std::string_view list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = list.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    while (item.size() > 1 && item.back() == '/') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    start = comma + 1;
  }
  return out;
}

BlockStore::BlockStore(StoreOptions options, Logger& log)
    : options_(std::move(options)),
      log_(log),
      stripes_(new Stripe[kLockStripes]) {
  for (const std::string& path : options_.data_dirs) {
    dirs_.push_back(std::make_unique<Dir>());
    dirs_.back()->path = path;
  }
}

BlockStore::~BlockStore() { (void)FlushUnsynced(); }

Status BlockStore::FlushUnsynced() {
  Status first;
  for (size_t i = 0; i < kLockStripes; ++i) {
    Stripe& s = stripes_[i];
    std::lock_guard lock(s.mu);
    for (auto& [block_id, e] : s.blocks) {
      if (!e.unsynced) continue;
      const std::string& root = dirs_[e.dir]->path;
      const std::string tmp = BlockMetaTempPath(root, block_id);
      Status st = WriteMetaTemp(tmp, *e.unsynced, false);
      if (st.ok()) st = Rename(tmp, BlockMetaPath(root, block_id));
      if (!st.ok()) {
        log_.Warn("disk: writing the meta of block={} failed: {}", block_id, st.message());
        if (first.ok()) first = st;
        continue;
      }
      e.unsynced.reset();
    }
  }
  return first;
}

BlockStore::Stripe& BlockStore::StripeFor(uint64_t block_id) {
  return stripes_[(block_id * 0x9E3779B97F4A7C15ULL) >> 54];
}
static_assert(BlockStore::kLockStripes == (size_t{1} << 10),
              "StripeFor takes the top 10 bits of the hash");

BlockInfo BlockStore::InfoOf(uint64_t block_id, const Entry& e) const {
  return BlockInfo{block_id, e.version, e.length, e.replica_crc, e.corrupt};
}

Status BlockStore::CorruptLocked(uint64_t block_id, Entry& e, Status error) {
  e.unsynced.reset();  // never written out: the replica is not to be served
  if (!e.corrupt) {
    e.corrupt = true;
    corrupt_count_.fetch_add(1);
    log_.Error("disk: replica corrupt block={} dir={} why=\"{}\"", block_id,
               dirs_[e.dir]->path, error.message());
  }
  return error;
}

Result<BlockMeta> BlockStore::LoadMetaLocked(uint64_t block_id, Entry& e) {
  if (e.unsynced) return *e.unsynced;
  const std::string path = BlockMetaPath(dirs_[e.dir]->path, block_id);
  auto bytes = ReadSmallFile(path, kMaxMetaFileBytes);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::NotFound ||
        bytes.status().code() == StatusCode::Corrupt)
      return CorruptLocked(block_id, e,
                           Status(StatusCode::Corrupt, bytes.status().message()));
    return bytes.status();  // Io: the disk, not the replica, may be at fault
  }
  auto meta = DecodeBlockMeta(*bytes, path);
  if (!meta.ok()) return CorruptLocked(block_id, e, meta.status());
  if (meta->block_id != block_id || meta->version != e.version ||
      meta->length != e.length)
    return CorruptLocked(
        block_id, e,
        Status(StatusCode::Corrupt,
               fmt::format("meta {}: holds block {} v{} len {}, expected v{} len {}",
                           path, meta->block_id, meta->version, meta->length,
                           e.version, e.length)));
  return meta;
}

Result<uint32_t> BlockStore::ChooseDir() {
  uint32_t best = 0;
  uint64_t best_free = 0;
  bool found = false;
  for (uint32_t i = 0; i < dirs_.size(); ++i) {
    struct statvfs st;
    if (::statvfs(dirs_[i]->path.c_str(), &st) != 0) {
      log_.Warn("disk: statvfs failed dir={} err=\"{}\"", dirs_[i]->path,
                std::strerror(errno));
      continue;
    }
    uint64_t free_bytes = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
    if (!found || free_bytes > best_free) {
      best = i;
      best_free = free_bytes;
      found = true;
    }
  }
  if (!found) return Status(StatusCode::Io, "no usable data dir (statvfs failed on all)");
  return best;
}

Result<BlockInfo> BlockStore::Write(uint64_t block_id, uint64_t version,
                                    uint64_t offset, std::string_view data,
                                    WriteOptions options) {
  if (version == 0 || version > kMaxVersion)
    return Status(StatusCode::Invalid, fmt::format("block {}: bad version {}", block_id, version));
  if (offset > options_.max_block_bytes ||
      data.size() > options_.max_block_bytes - offset)
    return Status(StatusCode::OutOfRange,
                  fmt::format("block {}: write [{}, +{}) beyond the {} byte block limit",
                              block_id, offset, data.size(), options_.max_block_bytes));
  Stripe& s = StripeFor(block_id);
  std::lock_guard lock(s.mu);
  auto it = s.blocks.find(block_id);
  if (it == s.blocks.end()) {
    if (!options.create) return NoSuchBlock(block_id);
    if (offset != 0)
      return Status(StatusCode::OutOfRange,
                    fmt::format("block {}: new block written at offset {}", block_id, offset));
    return CreateLocked(s, block_id, version, data, options.sync);
  }
  Entry& e = it->second;
  if (e.corrupt) return CorruptReplica(block_id);
  if (version < e.version)
    return Status(StatusCode::StaleVersion,
                  fmt::format("block {}: write at v{} but replica is at v{}", block_id,
                              version, e.version));
  if (offset > e.length)
    return Status(StatusCode::OutOfRange,
                  fmt::format("block {}: write at offset {} past its end {}", block_id,
                              offset, e.length));
  return UpdateLocked(block_id, e, version, offset, data, options.sync);
}

Result<BlockInfo> BlockStore::CreateLocked(Stripe& s, uint64_t block_id,
                                           uint64_t version, std::string_view data,
                                           bool sync) {
  ODFS_ASSIGN_OR_RETURN(uint32_t dir_index, ChooseDir());
  const std::string& root = dirs_[dir_index]->path;
  const std::string leaf = BlockLeafDir(root, block_id);
  const std::string data_path = BlockDataPath(root, block_id);
  const std::string tmp_path = BlockMetaTempPath(root, block_id);
  ODFS_RETURN_IF_ERROR(MakeDirs(leaf));

  BlockMeta meta;
  meta.block_id = block_id;
  meta.version = version;
  meta.length = data.size();
  meta.chunk_crcs.resize(ChunkCount(meta.length));
  for (uint64_t k = 0; k < meta.chunk_crcs.size(); ++k)
    meta.chunk_crcs[k] = Crc32c(data.data() + ChunkStart(k), ChunkLength(k, meta.length));

  ODFS_RETURN_IF_ERROR(WriteMetaTemp(tmp_path, meta, sync));
  auto undo = [&](Status st) {
    (void)RemoveIfExists(data_path);
    (void)RemoveIfExists(tmp_path);
    log_.Warn("disk: create failed block={} dir={} err=\"{}\"", block_id, root,
              st.message());
    return st;
  };
  auto fd = OpenFile(data_path, O_WRONLY | O_CREAT | O_TRUNC);
  if (!fd.ok()) return undo(fd.status());
  Status st = PWriteFull(fd->get(), data.data(), data.size(), 0, data_path);
  if (st.ok() && sync) st = DataSync(fd->get(), data_path);
  if (st.ok()) st = Rename(tmp_path, BlockMetaPath(root, block_id));
  if (!st.ok()) return undo(st);
  if (sync) {
    // The new names (and possibly new leaf folders) must survive a crash.
    const std::string level1 = leaf.substr(0, leaf.size() - 3);
    for (const std::string* d : {&leaf, &level1, &root}) {
      st = SyncDir(*d);
      if (!st.ok()) break;
    }
  }
  Entry& e = s.blocks[block_id];
  e.version = version;
  e.length = meta.length;
  e.replica_crc = meta.ReplicaCrc();
  e.dir = dir_index;
  dirs_[dir_index]->used_bytes.fetch_add(e.length);
  dirs_[dir_index]->block_count.fetch_add(1);
  if (!st.ok()) return st;  // committed, but its durability is in doubt
  return InfoOf(block_id, e);
}

Result<BlockInfo> BlockStore::UpdateLocked(uint64_t block_id, Entry& e,
                                           uint64_t version, uint64_t offset,
                                           std::string_view data, bool sync) {
  const std::string& root = dirs_[e.dir]->path;
  const std::string data_path = BlockDataPath(root, block_id);
  const std::string tmp_path = BlockMetaTempPath(root, block_id);
  ODFS_ASSIGN_OR_RETURN(BlockMeta meta, LoadMetaLocked(block_id, e));
  auto fd = OpenFile(data_path, O_RDWR);
  if (!fd.ok()) {
    if (fd.status().code() == StatusCode::NotFound)
      return CorruptLocked(block_id, e, Status(StatusCode::Corrupt, fd.status().message()));
    return fd.status();
  }

  const uint64_t old_length = e.length;
  const uint64_t end = offset + data.size();
  BlockMeta next = meta;
  next.version = version;
  next.length = std::max(old_length, end);
  next.chunk_crcs.resize(ChunkCount(next.length));
  if (!data.empty()) {
    std::string chunk;
    for (uint64_t k = offset / kChunkSize; k <= (end - 1) / kChunkSize; ++k) {
      const uint64_t start = ChunkStart(k);
      const uint64_t stop = start + ChunkLength(k, next.length);
      const uint64_t from = std::max(start, offset);
      const uint64_t to = std::min(stop, end);
      if (from == start && to == stop) {
        next.chunk_crcs[k] = Crc32c(data.data() + (start - offset), stop - start);
        continue;
      }
      // Partial chunk: complete it from the old bytes, checked first. (A
      // chunk wholly past the old end is always fully covered, since writes
      // leave no holes.)
      ODFS_CHECK(k < meta.chunk_crcs.size());
      const uint64_t old_bytes = ChunkLength(k, old_length);
      chunk.resize(old_bytes);
      ODFS_RETURN_IF_ERROR(PReadFull(fd->get(), chunk.data(), old_bytes, start, data_path));
      uint32_t crc = Crc32c(chunk);
      if (crc != meta.chunk_crcs[k])
        return CorruptLocked(
            block_id, e,
            Status(StatusCode::Corrupt,
                   fmt::format("block {} chunk {}: stored crc {:08x}, data has {:08x} ({})",
                               block_id, k, meta.chunk_crcs[k], crc, data_path)));
      chunk.resize(stop - start);
      std::memcpy(chunk.data() + (from - start), data.data() + (from - offset), to - from);
      next.chunk_crcs[k] = Crc32c(chunk);
    }
  }

  // Without sync the meta stays in memory (see the top of this file).
  if (sync) ODFS_RETURN_IF_ERROR(WriteMetaTemp(tmp_path, next, sync));
  // Append part first: it never touches committed bytes, so a full disk here
  // leaves the old replica exactly as it was.
  if (end > old_length) {
    const uint64_t from = std::max(offset, old_length);
    Status st = PWriteFull(fd->get(), data.data() + (from - offset), end - from, from, data_path);
    if (!st.ok()) {
      Status undo = Truncate(fd->get(), old_length, data_path);
      if (!undo.ok())  // harmless: bytes past meta.length are ignored and trimmed on start-up
        log_.Warn("disk: truncate after failed append failed block={} err=\"{}\"",
                  block_id, undo.message());
      (void)RemoveIfExists(tmp_path);
      return st;
    }
  }
  bool in_place = offset < old_length;
  Status st;
  if (in_place)
    st = PWriteFull(fd->get(), data.data(), std::min(end, old_length) - offset, offset, data_path);
  if (st.ok() && sync) st = DataSync(fd->get(), data_path);
  if (st.ok() && sync) st = Rename(tmp_path, BlockMetaPath(root, block_id));
  if (!st.ok()) {
    (void)RemoveIfExists(tmp_path);
    if (in_place) return FailInPlaceLocked(block_id, e, st);
    (void)Truncate(fd->get(), old_length, data_path);
    return st;
  }
  if (sync) {
    e.unsynced.reset();
    st = SyncDir(BlockLeafDir(root, block_id));
  } else {
    e.unsynced = std::make_shared<BlockMeta>(next);
  }
  e.version = version;
  e.length = next.length;
  e.replica_crc = next.ReplicaCrc();
  dirs_[e.dir]->used_bytes.fetch_add(next.length - old_length);
  if (!st.ok()) return st;  // committed, but its durability is in doubt
  return InfoOf(block_id, e);
}

Status BlockStore::FailInPlaceLocked(uint64_t block_id, Entry& e, Status error) {
  // Bytes inside the committed range may have changed and the old meta no
  // longer describes them: never serve this replica again, not even after a
  // restart.
  const std::string meta_path = BlockMetaPath(dirs_[e.dir]->path, block_id);
  Status rm = RemoveIfExists(meta_path);
  if (!rm.ok())
    log_.Error("disk: cannot remove meta of failed overwrite block={} err=\"{}\"",
               block_id, rm.message());
  (void)CorruptLocked(block_id, e,
                      Status(StatusCode::Corrupt, "overwrite failed: " + error.message()));
  return error;
}

Result<ReadHandle> BlockStore::OpenRangeLocked(uint64_t block_id, Entry& e,
                                               uint64_t version, uint64_t offset,
                                               uint64_t length) {
  if (e.corrupt) return CorruptReplica(block_id);
  if (version != kAnyVersion && version != e.version)
    return Status(StatusCode::StaleVersion,
                  fmt::format("block {}: read at v{} but replica is at v{}", block_id,
                              version, e.version));
  if (offset > e.length || length > e.length - offset)
    return Status(StatusCode::OutOfRange,
                  fmt::format("block {}: read [{}, +{}) outside its {} bytes", block_id,
                              offset, length, e.length));
  ODFS_ASSIGN_OR_RETURN(BlockMeta meta, LoadMetaLocked(block_id, e));
  const std::string data_path = BlockDataPath(dirs_[e.dir]->path, block_id);
  auto fd = OpenFile(data_path, O_RDONLY);
  if (!fd.ok()) {
    if (fd.status().code() == StatusCode::NotFound)
      return CorruptLocked(block_id, e, Status(StatusCode::Corrupt, fd.status().message()));
    return fd.status();
  }
  ODFS_ASSIGN_OR_RETURN(uint64_t file_size, FileSize(fd->get(), data_path));
  if (file_size < e.length)
    return CorruptLocked(block_id, e,
                         Status(StatusCode::Corrupt,
                                fmt::format("block {}: data file {} has {} of {} bytes",
                                            block_id, data_path, file_size, e.length)));
  ReadHandle h;
  h.fd = std::move(*fd);
  h.version = e.version;
  h.block_length = e.length;
  h.first_chunk = offset / kChunkSize;
  h.offset = ChunkStart(h.first_chunk);
  if (length > 0) {
    uint64_t stop = std::min(RoundUpToChunk(offset + length), e.length);
    h.length = stop - h.offset;
    h.chunk_crcs.assign(meta.chunk_crcs.begin() + h.first_chunk,
                        meta.chunk_crcs.begin() + ChunkCount(stop));
  } else {
    h.offset = offset;
  }
  return h;
}

Result<ReadHandle> BlockStore::Read(uint64_t block_id, uint64_t version,
                                    uint64_t offset, uint64_t length) {
  Stripe& s = StripeFor(block_id);
  std::lock_guard lock(s.mu);
  auto it = s.blocks.find(block_id);
  if (it == s.blocks.end()) return NoSuchBlock(block_id);
  return OpenRangeLocked(block_id, it->second, version, offset, length);
}

Result<std::string> BlockStore::ReadVerified(uint64_t block_id, uint64_t version,
                                             uint64_t offset, uint64_t length) {
  Stripe& s = StripeFor(block_id);
  std::lock_guard lock(s.mu);
  auto it = s.blocks.find(block_id);
  if (it == s.blocks.end()) return NoSuchBlock(block_id);
  Entry& e = it->second;
  ODFS_ASSIGN_OR_RETURN(ReadHandle h, OpenRangeLocked(block_id, e, version, offset, length));
  const std::string data_path = BlockDataPath(dirs_[e.dir]->path, block_id);
  std::string buf(h.length, '\0');
  ODFS_RETURN_IF_ERROR(PReadFull(h.fd.get(), buf.data(), h.length, h.offset, data_path));
  for (size_t i = 0; i < h.chunk_crcs.size(); ++i) {
    const uint64_t chunk = h.first_chunk + i;
    const uint64_t at = ChunkStart(chunk) - h.offset;
    uint32_t crc = Crc32c(buf.data() + at, ChunkLength(chunk, e.length));
    if (crc != h.chunk_crcs[i])
      return CorruptLocked(
          block_id, e,
          Status(StatusCode::Corrupt,
                 fmt::format("block {} chunk {}: stored crc {:08x}, data has {:08x} ({})",
                             block_id, chunk, h.chunk_crcs[i], crc, data_path)));
  }
  if (length == 0) return std::string();
  buf.erase(0, offset - h.offset);
  buf.resize(length);
  return buf;
}

Status BlockStore::Delete(uint64_t block_id, uint64_t max_version) {
  Stripe& s = StripeFor(block_id);
  std::lock_guard lock(s.mu);
  auto it = s.blocks.find(block_id);
  if (it == s.blocks.end()) return NoSuchBlock(block_id);
  Entry& e = it->second;
  if (e.version > max_version)
    return Status(StatusCode::StaleVersion,
                  fmt::format("block {}: delete up to v{} but replica is at v{}",
                              block_id, max_version, e.version));
  const std::string& root = dirs_[e.dir]->path;
  // Meta first: once it is gone the replica is uncommitted, whatever happens next.
  ODFS_RETURN_IF_ERROR(RemoveIfExists(BlockMetaPath(root, block_id)));
  Status st = RemoveIfExists(BlockDataPath(root, block_id));
  if (!st.ok())  // an orphan data file, removed at the next start-up
    log_.Warn("disk: delete left data file block={} err=\"{}\"", block_id, st.message());
  (void)RemoveIfExists(BlockMetaTempPath(root, block_id));
  dirs_[e.dir]->used_bytes.fetch_sub(e.length);
  dirs_[e.dir]->block_count.fetch_sub(1);
  if (e.corrupt) corrupt_count_.fetch_sub(1);
  s.blocks.erase(it);
  return Status::Ok();
}

Result<BlockInfo> BlockStore::Stat(uint64_t block_id) {
  Stripe& s = StripeFor(block_id);
  std::lock_guard lock(s.mu);
  auto it = s.blocks.find(block_id);
  if (it == s.blocks.end()) return NoSuchBlock(block_id);
  return InfoOf(block_id, it->second);
}

std::vector<BlockInfo> BlockStore::List() {
  std::vector<BlockInfo> out;
  out.reserve(block_count());
  for (size_t i = 0; i < kLockStripes; ++i) {
    std::lock_guard lock(stripes_[i].mu);
    for (const auto& [id, e] : stripes_[i].blocks) out.push_back(InfoOf(id, e));
  }
  return out;
}

Status BlockStore::MarkCorrupt(uint64_t block_id, std::string_view why) {
  Stripe& s = StripeFor(block_id);
  std::lock_guard lock(s.mu);
  auto it = s.blocks.find(block_id);
  if (it == s.blocks.end()) return NoSuchBlock(block_id);
  (void)CorruptLocked(block_id, it->second, Status(StatusCode::Corrupt, std::string(why)));
  return Status::Ok();
}

std::vector<DirUsage> BlockStore::Usage() const {
  std::vector<DirUsage> out;
  for (const auto& d : dirs_) {
    DirUsage u;
    u.path = d->path;
    struct statvfs st;
    if (::statvfs(d->path.c_str(), &st) == 0) {
      u.capacity_bytes = static_cast<uint64_t>(st.f_blocks) * st.f_frsize;
      u.free_bytes = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
    }
    u.used_bytes = d->used_bytes.load();
    u.block_count = d->block_count.load();
    out.push_back(std::move(u));
  }
  return out;
}

DirUsage BlockStore::TotalUsage() const {
  DirUsage total;
  for (const DirUsage& u : Usage()) {
    // Two dirs on one file system would count its space twice; the seed puts
    // each data dir on its own disk.
    total.capacity_bytes += u.capacity_bytes;
    total.free_bytes += u.free_bytes;
    total.used_bytes += u.used_bytes;
    total.block_count += u.block_count;
  }
  return total;
}

uint64_t BlockStore::block_count() const {
  uint64_t n = 0;
  for (const auto& d : dirs_) n += d->block_count.load();
  return n;
}

}  // namespace opendfs::disk
