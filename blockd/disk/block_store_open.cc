// BlockStore start-up: validate the data dirs, then scan each one (a thread
// per dir, as each is normally its own disk) reading only meta files and
// stat()ing data files, plus the last chunk of each block when
// verify_last_chunk_on_open is set.
//
// What the scan does with each file (see block_store.cc for why this is safe):
//   *.tmp                       removed (a meta write that never committed)
//   blk_<id> without a meta     removed (a create that never committed)
//   blk_<id>.meta undecodable   replica listed as corrupt (version 0)
//   data shorter than meta.length, or last chunk failing its CRC
//                               replica listed as corrupt
//   data longer than meta.length  trimmed (an append that never committed)
//   anything else / misplaced   left alone, logged
// The same block in two dirs (disks moved around): the better replica (not
// corrupt, then newer version, then longer) is kept and the other removed.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>
#include <tuple>

#include <fmt/format.h>

#include "blockd/disk/block_layout.h"
#include "blockd/disk/block_store.h"
#include "libnet/crc32c.h"
#include "blockd/disk/file_io.h"

namespace opendfs::disk {

struct BlockStore::ScanResult {
  struct Found {
    uint64_t block_id;
    Entry entry;
  };
  std::vector<Found> found;
  uint64_t temps_removed = 0;
  uint64_t orphans_removed = 0;
  uint64_t trimmed = 0;
  uint64_t corrupt = 0;
  uint64_t stray = 0;
};

namespace {

// Names in a directory; `dirs_only` keeps subdirectories, else regular files.
Result<std::vector<std::string>> ListDir(const std::string& path, bool dirs_only) {
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return IoError(errno, "opendir", path);
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* ent = ::readdir(d)) {
    std::string_view name = ent->d_name;
    if (name == "." || name == "..") continue;
    bool is_dir = ent->d_type == DT_DIR;
    if (ent->d_type == DT_UNKNOWN) {
      struct stat st;
      is_dir = ::stat((path + "/" + ent->d_name).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    }
    if (is_dir == dirs_only) names.emplace_back(name);
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return IoError(err, "readdir", path);
  return names;
}

}  // namespace

Result<std::unique_ptr<BlockStore>> BlockStore::Open(StoreOptions options, Logger& log) {
  if (options.data_dirs.empty())
    return Status(StatusCode::Invalid, "block store: no data_dir given");
  if (options.max_block_bytes == 0 ||
      MetaFileBytes(options.max_block_bytes) > kMaxMetaFileBytes)
    return Status(StatusCode::Invalid,
                  fmt::format("block store: max_block_bytes {} outside 1..{}",
                              options.max_block_bytes,
                              (kMaxMetaFileBytes - kMetaHeaderBytes - 4) / 4 * kChunkSize));
  std::set<std::string> seen;
  for (const std::string& dir : options.data_dirs) {
    if (dir.empty() || dir[0] != '/')
      return Status(StatusCode::Invalid, "block store: data_dir must be absolute: " + dir);
    if (!seen.insert(dir).second)
      return Status(StatusCode::Invalid, "block store: data_dir listed twice: " + dir);
    ODFS_RETURN_IF_ERROR(MakeDirs(dir));
    if (::access(dir.c_str(), R_OK | W_OK | X_OK) != 0)
      return IoError(errno, "access", dir);
  }

  std::unique_ptr<BlockStore> store(new BlockStore(std::move(options), log));
  const size_t n = store->dirs_.size();
  auto started = std::chrono::steady_clock::now();
  std::vector<ScanResult> results(n);
  std::vector<Status> statuses(n);
  {
    std::vector<std::thread> threads;
    for (uint32_t i = 0; i < n; ++i)
      threads.emplace_back([&, i] { statuses[i] = store->ScanDir(i, &results[i]); });
    for (auto& t : threads) t.join();
  }
  for (const Status& st : statuses) ODFS_RETURN_IF_ERROR(st);
  for (uint32_t i = 0; i < n; ++i) {
    const ScanResult& r = results[i];
    log.Info("disk: scanned dir={} blocks={} corrupt={} temps_removed={} "
             "orphans_removed={} trimmed={} stray={}",
             store->dirs_[i]->path, r.found.size(), r.corrupt, r.temps_removed,
             r.orphans_removed, r.trimmed, r.stray);
    store->AddScanned(results[i]);
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - started).count();
  log.Info("disk: store open dirs={} blocks={} corrupt={} ms={}", n,
           store->block_count(), store->corrupt_count(), ms);
  return store;
}

Status BlockStore::ScanDir(uint32_t dir_index, ScanResult* out) {
  const std::string& root = dirs_[dir_index]->path;
  ODFS_ASSIGN_OR_RETURN(auto level1, ListDir(root, true));
  for (const std::string& a : level1) {
    if (!IsLayoutDirName(a)) continue;
    ODFS_ASSIGN_OR_RETURN(auto level2, ListDir(root + "/" + a, true));
    for (const std::string& b : level2) {
      if (!IsLayoutDirName(b)) continue;
      const std::string leaf = root + "/" + a + "/" + b;
      ODFS_ASSIGN_OR_RETURN(auto names, ListDir(leaf, false));
      std::set<uint64_t> metas, datas;
      for (const std::string& name : names) {
        auto parsed = ParseBlockFileName(name);
        if (IsTempFileName(name) && (parsed || name.starts_with("blk_"))) {
          ODFS_RETURN_IF_ERROR(RemoveIfExists(leaf + "/" + name));
          ++out->temps_removed;
          continue;
        }
        if (!parsed || BlockLeafDir(root, parsed->block_id) != leaf) {
          log_.Warn("disk: stray file left alone path={}/{}", leaf, name);
          ++out->stray;
          continue;
        }
        (parsed->kind == BlockFileKind::kMeta ? metas : datas).insert(parsed->block_id);
      }
      for (uint64_t id : metas) CheckReplica(dir_index, id, datas.count(id) > 0, out);
      for (uint64_t id : datas) {
        if (metas.count(id)) continue;
        ODFS_RETURN_IF_ERROR(RemoveIfExists(BlockDataPath(root, id)));
        ++out->orphans_removed;
      }
    }
  }
  return Status::Ok();
}

void BlockStore::CheckReplica(uint32_t dir_index, uint64_t block_id, bool has_data,
                              ScanResult* out) {
  const std::string& root = dirs_[dir_index]->path;
  const std::string meta_path = BlockMetaPath(root, block_id);
  const std::string data_path = BlockDataPath(root, block_id);
  Entry e;
  e.dir = dir_index;
  auto mark = [&](const std::string& why) {
    e.corrupt = true;
    ++out->corrupt;
    log_.Error("disk: replica corrupt block={} dir={} why=\"{}\"", block_id, root, why);
  };
  auto check = [&]() {
    auto bytes = ReadSmallFile(meta_path, kMaxMetaFileBytes);
    if (!bytes.ok()) return mark(bytes.status().message());
    auto meta = DecodeBlockMeta(*bytes, meta_path);
    if (!meta.ok()) return mark(meta.status().message());
    if (meta->block_id != block_id)
      return mark(fmt::format("meta {} names block {}", meta_path, meta->block_id));
    e.version = meta->version;
    e.length = meta->length;
    e.replica_crc = meta->ReplicaCrc();
    if (!has_data) return mark("data file missing: " + data_path);
    auto fd = OpenFile(data_path, O_RDWR);
    if (!fd.ok()) return mark(fd.status().message());
    auto size = FileSize(fd->get(), data_path);
    if (!size.ok()) return mark(size.status().message());
    if (*size < meta->length)
      return mark(fmt::format("data file {} has {} of {} bytes", data_path, *size,
                              meta->length));
    if (*size > meta->length) {
      Status st = Truncate(fd->get(), meta->length, data_path);
      if (!st.ok()) return mark(st.message());
      ++out->trimmed;
    }
    if (options_.verify_last_chunk_on_open && meta->length > 0) {
      const uint64_t last = meta->chunk_crcs.size() - 1;
      std::string chunk(ChunkLength(last, meta->length), '\0');
      Status st = PReadFull(fd->get(), chunk.data(), chunk.size(), ChunkStart(last), data_path);
      if (!st.ok()) return mark(st.message());
      uint32_t crc = Crc32c(chunk);
      if (crc != meta->chunk_crcs[last])
        return mark(fmt::format("last chunk {}: stored crc {:08x}, data has {:08x}", last,
                                meta->chunk_crcs[last], crc));
    }
  };
  check();
  out->found.push_back({block_id, e});
}

void BlockStore::AddScanned(ScanResult& result) {
  for (auto& [id, e] : result.found) {
    Stripe& s = StripeFor(id);
    std::lock_guard lock(s.mu);
    auto [it, inserted] = s.blocks.try_emplace(id, e);
    if (!inserted) {
      Entry& old = it->second;
      auto rank = [](const Entry& x) {
        return std::make_tuple(!x.corrupt, x.version, x.length);
      };
      Entry& loser = rank(e) > rank(old) ? old : e;
      log_.Warn("disk: block in two dirs block={} keep={} remove={}", id,
                dirs_[(&loser == &old ? e : old).dir]->path, dirs_[loser.dir]->path);
      const std::string& root = dirs_[loser.dir]->path;
      (void)RemoveIfExists(BlockMetaPath(root, id));
      (void)RemoveIfExists(BlockDataPath(root, id));
      if (&loser == &e) continue;
      // Replace the old entry with the new one: undo its counters first.
      dirs_[old.dir]->used_bytes.fetch_sub(old.length);
      dirs_[old.dir]->block_count.fetch_sub(1);
      if (old.corrupt) corrupt_count_.fetch_sub(1);
      old = e;
    }
    dirs_[e.dir]->used_bytes.fetch_add(e.length);
    dirs_[e.dir]->block_count.fetch_add(1);
    if (e.corrupt) corrupt_count_.fetch_add(1);
  }
}

}  // namespace opendfs::disk
