// RocksFsImageStore: fsimages in a RocksDB at `fsimage_dir` (DESIGN §3).
//
// Key layout (bytewise order):
//   'C'                                  -> big-endian u64 generation G,
//                                           big-endian u64 covered index I
//   'D' + big-endian u64 generation + key -> value
// A new image is written under a fresh generation in unsynced WriteBatches of
// about batch_bytes_max; Commit writes the last batch and then flips 'C' in one
// synced write. RocksDB's WAL is a single ordered log and a synced write syncs
// every write before it, so once the flip is durable so is the whole image,
// and a crash before the flip leaves the old 'C' pointing at the old, intact
// generation. After the flip the previous generation is deleted with one
// DeleteRange (compaction reclaims it). Open deletes every generation other
// than the current one: the leftovers of a crash mid-image or before that
// delete.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include <rocksdb/db.h>

#include "libnet/log.h"
#include "metad/store/fs_image_store.h"

namespace opendfs::store {

struct RocksFsImageStoreOptions {
  size_t batch_bytes_max = 1 << 20;  // bytes per unsynced image WriteBatch
};

class RocksFsImageStore final : public FsImageStore {
 public:
  // Opens (creating if missing) the store in `dir`, drops abandoned
  // generations. `logger` must outlive the store.
  static Result<std::unique_ptr<RocksFsImageStore>> Open(const std::string& dir,
                                                         RocksFsImageStoreOptions options,
                                                         Logger& logger);
  ~RocksFsImageStore() override;

  Result<std::unique_ptr<ImageWriter>> BeginImage(uint64_t covered_index) override;
  Result<std::unique_ptr<ImageSource>> LoadNewest() override;
  uint64_t current_covered_index() const override;

  const std::string& dir() const { return dir_; }
  // Generation of the current image (0: none yet). For tests and logs.
  uint64_t current_generation() const;

 private:
  friend class RocksImageWriter;

  RocksFsImageStore(std::string dir, rocksdb::DB* db, RocksFsImageStoreOptions options,
                    Logger& logger)
      : dir_(std::move(dir)), db_(db), options_(options), logger_(logger) {}
  Status Recover();
  Status DropGeneration(uint64_t generation);
  // Called by the writer: flips 'C' to (generation, covered_index) durably and
  // drops the previous generation.
  Status CommitGeneration(uint64_t generation, uint64_t covered_index);
  // Called by a writer destroyed without Commit.
  void AbandonGeneration(uint64_t generation);

  const std::string dir_;
  rocksdb::DB* const db_;  // owned; closed in the destructor
  const RocksFsImageStoreOptions options_;
  Logger& logger_;

  mutable std::mutex mu_;
  uint64_t current_generation_ = 0;  // GUARDED_BY(mu_)
  uint64_t covered_index_ = 0;       // GUARDED_BY(mu_)
  uint64_t next_generation_ = 1;     // GUARDED_BY(mu_)
  bool writer_open_ = false;         // GUARDED_BY(mu_)
};

}  // namespace opendfs::store
