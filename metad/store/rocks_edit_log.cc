#include "metad/store/rocks_edit_log.h"

#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "metad/store/rocks_util.h"

namespace opendfs::store {
namespace {

constexpr char kRecordPrefix = 'L';
constexpr char kMetaPrefix = 'M';
constexpr char kFirstIndexKey[] = "S";

std::string RecordKey(uint64_t index) {
  std::string k(1, kRecordPrefix);
  PutBigEndian64(&k, index);
  return k;
}

std::string MetaKey(std::string_view name) {
  std::string k(1, kMetaPrefix);
  k.append(name);
  return k;
}

rocksdb::WriteOptions SyncedWrite() {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return wo;
}

std::string_view View(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

}  // namespace

Result<std::unique_ptr<RocksEditLog>> RocksEditLog::Open(const std::string& dir) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  options.keep_log_file_num = 4;
  options.max_background_jobs = 2;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, &raw);
  if (!s.ok()) return FromRocks(s, "open editlog " + dir);
  std::unique_ptr<RocksEditLog> log(new RocksEditLog(dir, raw));
  ODFS_RETURN_IF_ERROR(log->Validate());
  return log;
}

RocksEditLog::~RocksEditLog() {
  (void)db_->Close();
  delete db_;
}

Status RocksEditLog::Corrupt(std::string_view what) const {
  return Status(StatusCode::Corrupt, "editlog " + dir_ + ": " + std::string(what));
}

// One pass over every key: the records must be exactly first..last with no
// hole, and nothing but records, meta values and the first-index key exists.
Status RocksEditLog::Validate() {
  std::string first_value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), kFirstIndexKey, &first_value);
  uint64_t first = 1;
  if (s.ok()) {
    if (first_value.size() != 8) return Corrupt("first-index key is not 8 bytes");
    first = GetBigEndian64(first_value);
    if (first == 0) return Corrupt("first index is 0");
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "editlog " + dir_ + ": read first index");
  }

  uint64_t expected = first;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view key = View(it->key());
    if (key.empty()) return Corrupt("empty key");
    if (key[0] == kMetaPrefix || key == kFirstIndexKey) continue;
    if (key[0] != kRecordPrefix) return Corrupt("unexpected key with prefix byte " +
                                                std::to_string(static_cast<int>(key[0])));
    if (key.size() != 9) return Corrupt("record key of " + std::to_string(key.size()) + " bytes");
    uint64_t index = GetBigEndian64(key.substr(1));
    if (index < first) {
      return Corrupt("record " + std::to_string(index) + " below first index " +
                     std::to_string(first));
    }
    if (index != expected) {
      return Corrupt("hole: record " + std::to_string(index) + " follows " +
                     std::to_string(expected - 1) + " (missing " + std::to_string(expected) +
                     ")");
    }
    ++expected;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "editlog " + dir_ + ": scan");
  first_.store(first);
  last_.store(expected - 1);
  return Status::Ok();
}

Status RocksEditLog::Append(std::span<const LogRecord> records) {
  return AppendWith(records, true);
}

Status RocksEditLog::AppendUnsynced(std::span<const LogRecord> records) {
  return AppendWith(records, false);
}

Status RocksEditLog::Sync() {
  rocksdb::Status s = db_->SyncWAL();
  if (!s.ok()) return FromRocks(s, "editlog " + dir_ + ": sync");
  return Status::Ok();
}

Status RocksEditLog::AppendWith(std::span<const LogRecord> records, bool sync) {
  if (records.empty()) return Status(StatusCode::Invalid, "editlog append: no records");
  std::lock_guard lock(write_mu_);
  uint64_t next = last_.load() + 1;
  rocksdb::WriteBatch batch;
  for (size_t i = 0; i < records.size(); ++i) {
    if (records[i].index != next + i) {
      return Status(StatusCode::Invalid,
                    "editlog " + dir_ + ": append of index " + std::to_string(records[i].index) +
                        " where " + std::to_string(next + i) + " is next");
    }
    batch.Put(RecordKey(records[i].index), records[i].bytes);
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  rocksdb::Status s = db_->Write(wo, &batch);
  if (!s.ok()) {
    return FromRocks(s, "editlog " + dir_ + ": append " + std::to_string(next) + ".." +
                            std::to_string(next + records.size() - 1));
  }
  last_.store(next + records.size() - 1);
  return Status::Ok();
}

Result<std::vector<LogRecord>> RocksEditLog::Read(uint64_t from_index, size_t max_records,
                                                  size_t max_bytes) {
  if (from_index == 0) return Status(StatusCode::Invalid, "editlog read: index 0");
  std::vector<LogRecord> out;
  uint64_t last = last_.load();
  if (from_index < first_.load()) {
    return Status(StatusCode::NotFound, "editlog " + dir_ + ": index " +
                                            std::to_string(from_index) + " trimmed (first is " +
                                            std::to_string(first_.load()) + ")");
  }
  if (from_index > last || max_records == 0) return out;

  std::string upper = RecordKey(last + 1);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
  size_t bytes = 0;
  uint64_t expected = from_index;
  for (it->Seek(RecordKey(from_index)); it->Valid(); it->Next()) {
    uint64_t index = GetBigEndian64(View(it->key()).substr(1));
    if (index != expected) {
      if (from_index < first_.load()) {
        return Status(StatusCode::NotFound,
                      "editlog " + dir_ + ": index " + std::to_string(from_index) +
                          " trimmed while reading");
      }
      return Corrupt("read found record " + std::to_string(index) + " where " +
                     std::to_string(expected) + " was expected");
    }
    out.push_back(LogRecord{index, it->value().ToString()});
    bytes += out.back().bytes.size();
    ++expected;
    if (out.size() >= max_records || bytes >= max_bytes) break;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "editlog " + dir_ + ": read");
  if (out.empty()) {
    if (from_index < first_.load()) {
      return Status(StatusCode::NotFound, "editlog " + dir_ + ": index " +
                                              std::to_string(from_index) +
                                              " trimmed while reading");
    }
    return Corrupt("record " + std::to_string(from_index) + " missing");
  }
  return out;
}

Status RocksEditLog::TrimBefore(uint64_t index) {
  if (index == 0) return Status(StatusCode::Invalid, "editlog trim: index 0");
  std::lock_guard lock(write_mu_);
  uint64_t first = first_.load();
  if (index <= first) return Status::Ok();
  rocksdb::WriteBatch batch;
  batch.DeleteRange(RecordKey(first), RecordKey(index));
  std::string value;
  PutBigEndian64(&value, index);
  batch.Put(kFirstIndexKey, value);
  rocksdb::Status s = db_->Write(SyncedWrite(), &batch);
  if (!s.ok()) return FromRocks(s, "editlog " + dir_ + ": trim before " + std::to_string(index));
  first_.store(index);
  if (last_.load() < index - 1) last_.store(index - 1);
  return Status::Ok();
}

Result<std::optional<std::string>> RocksEditLog::GetMeta(std::string_view name) {
  if (name.size() > kMetaNameBytesMax) return Status(StatusCode::Invalid, "meta name too long");
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), MetaKey(name), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "editlog " + dir_ + ": get meta " + std::string(name));
  return std::optional<std::string>(std::move(value));
}

Status RocksEditLog::PutMeta(std::string_view name, std::string_view value) {
  if (name.size() > kMetaNameBytesMax) return Status(StatusCode::Invalid, "meta name too long");
  if (value.size() > kMetaValueBytesMax) {
    return Status(StatusCode::Invalid, "meta value too long");
  }
  rocksdb::Status s = db_->Put(SyncedWrite(), MetaKey(name), rocksdb::Slice(value.data(), value.size()));
  return FromRocks(s, "editlog " + dir_ + ": put meta " + std::string(name));
}

}  // namespace opendfs::store
