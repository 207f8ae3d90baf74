// BlockStore: block replicas on the local disks of one blockd, each chunk of
// 64 KiB protected by a CRC32C from the moment it is written until a client
// verifies it after a read.
//
// Happy path: Write() creates a block (in the data dir with the most free
// space) or appends/overwrites a range of it, recomputing the CRCs of the
// touched chunks; Read() hands back an open fd and the chunk-aligned range to
// sendfile plus the stored CRCs of those chunks, so the client checks the
// bytes end to end; ReadVerified() reads into memory and checks (scanner,
// copies to another blockd, tests); Delete(), Stat(), List(), Usage().
//
// Failure modes, each a precise code: unknown block -> NoSuchBlock; a version
// older than the replica's (write) or different from it (read) -> StaleVersion;
// an offset or length outside the block -> OutOfRange; a full disk -> NoSpace
// with the old replica intact; a CRC mismatch or an undecodable meta file ->
// Corrupt naming the block and chunk, and the replica is marked corrupt (never
// served again, listed for the block report); anything else the kernel reports
// -> Io with the path and strerror. See block_store.cc for the crash-safety
// protocol.
//
// Threads: every method is synchronous disk I/O meant for the blockd's disk
// thread pool (never a loop thread), and every method may be called from any
// thread concurrently. Locking: a block id hashes to one of kLockStripes
// stripes; the stripe's mutex guards that stripe's part of the block table AND
// all file I/O on those blocks, so operations on one block are serialised
// while blocks in other stripes proceed in parallel. No method holds two
// stripe locks at once; per-dir counters are atomics read without locks.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "blockd/disk/block_meta.h"
#include "blockd/disk/unique_fd.h"
#include "libnet/log.h"
#include "libnet/status.h"

namespace opendfs::disk {

struct StoreOptions {
  // Data dirs, each on its own disk ideally; created if missing.
  std::vector<std::string> data_dirs = {};
  // Largest block accepted (offset + length of any write).
  uint64_t max_block_bytes = uint64_t{4} << 30;
  // At start-up, read each block's last chunk and check it against its CRC,
  // catching the typical torn tail of a crash (costs one read per block).
  bool verify_last_chunk_on_open = true;
};

// The seed's `data_dir = "/data01/block,/data02/block"`: split on commas,
// spaces trimmed, empty entries dropped.
std::vector<std::string> SplitDataDirs(std::string_view list);

struct BlockInfo {
  uint64_t block_id = 0;
  uint64_t version = 0;   // 0 when the meta file could not be read
  uint64_t length = 0;
  uint32_t crc32c = 0;    // CRC32C of the whole replica (from the chunk CRCs)
  bool corrupt = false;
};

struct WriteOptions {
  bool sync = false;    // fdatasync data and meta before returning
  bool create = true;   // create the block if missing (else NoSuchBlock)
};

// A range to send zero-copy. [offset, offset + length) is the requested range
// widened to whole chunks (the last chunk ends at the block's end), and
// chunk_crcs[i] is the CRC of chunk first_chunk + i, so the receiver can check
// every byte. The fd stays valid (and keeps the data reachable even if the
// block is deleted) until the handle or the released fd is closed.
struct ReadHandle {
  UniqueFd fd;
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t first_chunk = 0;
  std::vector<uint32_t> chunk_crcs;
  uint64_t version = 0;
  uint64_t block_length = 0;
};

struct DirUsage {
  std::string path;
  uint64_t capacity_bytes = 0;  // statvfs of the file system
  uint64_t free_bytes = 0;      // available to us (f_bavail)
  uint64_t used_bytes = 0;      // sum of replica lengths in this dir
  uint64_t block_count = 0;
};

class BlockStore {
 public:
  static constexpr size_t kLockStripes = 1024;

  // Scans every dir: removes temporaries and data files that never got a meta
  // (uncommitted creates), trims uncommitted appends, rebuilds the block table
  // from the meta files (one thread per dir), and marks inconsistent replicas
  // corrupt. `log` must outlive the store.
  static Result<std::unique_ptr<BlockStore>> Open(StoreOptions options, Logger& log);

  BlockStore(const BlockStore&) = delete;
  BlockStore& operator=(const BlockStore&) = delete;
  ~BlockStore();  // writes the metas of unsynced writes (FlushUnsynced)

  // Writes every meta still held in memory for writes made without sync (a
  // clean shutdown). Returns the first error; the others are logged.
  Status FlushUnsynced();

  // Writes `data` at `offset` of block (block_id, version). A missing block is
  // created (offset must be 0); otherwise offset <= length (append or
  // overwrite, no holes). A version newer than the replica's moves it to that
  // version; an older one is StaleVersion. version must be in 1..kMaxVersion.
  // An empty `data` only moves the version. Returns the block after the write.
  Result<BlockInfo> Write(uint64_t block_id, uint64_t version, uint64_t offset,
                          std::string_view data, WriteOptions options = {});

  // For sendfile: see ReadHandle. version may be kAnyVersion. The range must
  // lie within the block.
  Result<ReadHandle> Read(uint64_t block_id, uint64_t version, uint64_t offset,
                          uint64_t length);

  // Reads [offset, offset + length) and checks the covering chunks against
  // their CRCs. Holds the block's stripe for the whole read, so callers read
  // big blocks in slices (the scanner uses 1 MiB).
  Result<std::string> ReadVerified(uint64_t block_id, uint64_t version,
                                   uint64_t offset, uint64_t length);

  // Removes the replica if its version <= max_version (StaleVersion if newer).
  Status Delete(uint64_t block_id, uint64_t max_version = kAnyVersion);

  Result<BlockInfo> Stat(uint64_t block_id);
  // Every replica, corrupt ones included (flagged), in no particular order.
  std::vector<BlockInfo> List();

  // Marks a replica corrupt (e.g. a client reported a checksum failure).
  Status MarkCorrupt(uint64_t block_id, std::string_view why);

  std::vector<DirUsage> Usage() const;
  DirUsage TotalUsage() const;
  uint64_t block_count() const;
  uint64_t corrupt_count() const { return corrupt_count_.load(); }

  const std::vector<std::string>& data_dirs() const { return options_.data_dirs; }

 private:
  struct Entry {
    uint64_t version = 0;
    uint64_t length = 0;
    uint32_t replica_crc = 0;
    uint32_t dir = 0;
    bool corrupt = false;
    // The meta of writes made without sync, newer than the meta file; written
    // at the next synced write of the block or when the store closes.
    std::shared_ptr<BlockMeta> unsynced;  // copyable Entry; never shared
  };
  struct Stripe {
    std::mutex mu;
    std::unordered_map<uint64_t, Entry> blocks;  // GUARDED_BY(mu)
  };
  struct Dir {
    std::string path;
    std::atomic<uint64_t> used_bytes{0};
    std::atomic<uint64_t> block_count{0};
  };
  struct ScanResult;

  BlockStore(StoreOptions options, Logger& log);

  Stripe& StripeFor(uint64_t block_id);
  Status ScanDir(uint32_t dir_index, ScanResult* out);
  void CheckReplica(uint32_t dir_index, uint64_t block_id, bool has_data,
                    ScanResult* out);
  void AddScanned(ScanResult& result);

  Result<uint32_t> ChooseDir();
  Result<BlockInfo> CreateLocked(Stripe& s, uint64_t block_id, uint64_t version,
                                 std::string_view data, bool sync);
  Result<BlockInfo> UpdateLocked(uint64_t block_id, Entry& e, uint64_t version,
                                 uint64_t offset, std::string_view data, bool sync);
  Status FailInPlaceLocked(uint64_t block_id, Entry& e, Status error);
  // Loads and checks the meta of a live entry; a bad meta marks it corrupt.
  Result<BlockMeta> LoadMetaLocked(uint64_t block_id, Entry& e);
  Status CorruptLocked(uint64_t block_id, Entry& e, Status error);
  Result<ReadHandle> OpenRangeLocked(uint64_t block_id, Entry& e, uint64_t version,
                                     uint64_t offset, uint64_t length);
  BlockInfo InfoOf(uint64_t block_id, const Entry& e) const;

  const StoreOptions options_;
  Logger& log_;
  std::vector<std::unique_ptr<Dir>> dirs_;
  std::unique_ptr<Stripe[]> stripes_;
  std::atomic<uint64_t> corrupt_count_{0};
};

}  // namespace opendfs::disk
