// RocksEditLog: the EditLog in a RocksDB at `editlog_dir` (DESIGN §3).
//
// Key layout (one default column family, bytewise order):
//   'L' + big-endian u64 index  -> record bytes
//   'M' + name                  -> meta value
//   'S'                         -> big-endian u64 first index (written by the
//                                  first TrimBefore, in the same batch as its
//                                  DeleteRange, so the two never disagree)
// Appends are one WriteBatch written with sync=true; a trim is DeleteRange +
// the new 'S' in one synced batch, and compaction reclaims the space later.
//
// Open scans the record keys once and refuses (Corrupt, naming the directory)
// a log with a hole, records below the trim point, a malformed key or a
// foreign key; RocksDB's own checksum failures surface the same way.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include <rocksdb/db.h>

#include "metad/store/edit_log.h"

namespace opendfs::store {

class RocksEditLog final : public EditLog {
 public:
  // Opens (creating if missing) the editlog in `dir` and validates it.
  static Result<std::unique_ptr<RocksEditLog>> Open(const std::string& dir);
  ~RocksEditLog() override;

  Status Append(std::span<const LogRecord> records) override;
  Status AppendUnsynced(std::span<const LogRecord> records) override;
  Status Sync() override;
  Result<std::vector<LogRecord>> Read(uint64_t from_index, size_t max_records,
                                      size_t max_bytes) override;
  uint64_t first_index() const override { return first_.load(); }
  uint64_t last_index() const override { return last_.load(); }
  Status TrimBefore(uint64_t index) override;
  Result<std::optional<std::string>> GetMeta(std::string_view name) override;
  Status PutMeta(std::string_view name, std::string_view value) override;

  const std::string& dir() const { return dir_; }

 private:
  RocksEditLog(std::string dir, rocksdb::DB* db) : dir_(std::move(dir)), db_(db) {}
  Status Validate();
  Status AppendWith(std::span<const LogRecord> records, bool sync);
  Status Corrupt(std::string_view what) const;

  const std::string dir_;
  rocksdb::DB* const db_;         // owned; closed in the destructor
  std::mutex write_mu_;           // serializes Append, TrimBefore
  std::atomic<uint64_t> first_{1};
  std::atomic<uint64_t> last_{0};
};

}  // namespace opendfs::store
