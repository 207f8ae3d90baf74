#include "metad/store/rocks_fs_image_store.h"

#include <algorithm>

#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "metad/store/rocks_util.h"

namespace opendfs::store {
namespace {

constexpr char kCurrentKey[] = "C";
constexpr char kDataPrefix = 'D';
constexpr size_t kDataPrefixBytes = 9;

std::string GenerationPrefix(uint64_t generation) {
  std::string k(1, kDataPrefix);
  PutBigEndian64(&k, generation);
  return k;
}

std::string DataKey(uint64_t generation, std::string_view key) {
  std::string k = GenerationPrefix(generation);
  k.append(key);
  return k;
}

std::string_view View(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

}  // namespace

// Streams one generation's entries into unsynced batches; see the header.
class RocksImageWriter final : public ImageWriter {
 public:
  RocksImageWriter(RocksFsImageStore& store, uint64_t generation, uint64_t covered_index)
      : store_(store), generation_(generation), covered_index_(covered_index) {}

  ~RocksImageWriter() override {
    if (!committed_) store_.AbandonGeneration(generation_);
  }

  Status Put(std::string_view key, std::string_view value) override {
    ODFS_CHECK(!committed_);
    ODFS_RETURN_IF_ERROR(broken_);
    batch_.Put(DataKey(generation_, key), rocksdb::Slice(value.data(), value.size()));
    if (batch_.GetDataSize() >= store_.options_.batch_bytes_max) return Flush();
    return Status::Ok();
  }

  Status Commit() override {
    ODFS_CHECK(!committed_);
    ODFS_RETURN_IF_ERROR(broken_);
    ODFS_RETURN_IF_ERROR(Flush());
    // From here on the destructor must not drop the generation: a failed flip
    // may still be durable, and then this generation is the current image.
    committed_ = true;
    return store_.CommitGeneration(generation_, covered_index_);
  }

  uint64_t covered_index() const override { return covered_index_; }

 private:
  Status Flush() {
    if (batch_.Count() == 0) return Status::Ok();
    rocksdb::Status s = store_.db_->Write(rocksdb::WriteOptions(), &batch_);
    batch_.Clear();
    if (!s.ok()) {
      broken_ = FromRocks(s, "fsimage " + store_.dir_ + ": write generation " +
                                 std::to_string(generation_));
    }
    return broken_;
  }

  RocksFsImageStore& store_;
  const uint64_t generation_;
  const uint64_t covered_index_;
  rocksdb::WriteBatch batch_;
  bool committed_ = false;
  Status broken_;  // the first write error; every later call returns it
};

// Iterates one generation under a RocksDB snapshot taken with the 'C' read.
class RocksImageSource final : public ImageSource {
 public:
  RocksImageSource(rocksdb::DB* db, const rocksdb::Snapshot* snapshot, uint64_t generation,
                   uint64_t covered_index, std::string dir)
      : db_(db),
        snapshot_(snapshot),
        covered_index_(covered_index),
        upper_(GenerationPrefix(generation + 1)),
        upper_slice_(upper_),
        dir_(std::move(dir)) {
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot_;
    ro.iterate_upper_bound = &upper_slice_;
    it_.reset(db_->NewIterator(ro));
    it_->Seek(GenerationPrefix(generation));
  }
  ~RocksImageSource() override {
    it_.reset();
    db_->ReleaseSnapshot(snapshot_);
  }

  uint64_t covered_index() const override { return covered_index_; }
  bool Next(std::string_view* key, std::string_view* value) override {
    if (started_) {
      it_->Next();
    }
    started_ = true;
    if (!it_->Valid()) return false;
    *key = View(it_->key()).substr(kDataPrefixBytes);
    *value = View(it_->value());
    return true;
  }
  Status status() const override {
    return FromRocks(it_->status(), "fsimage " + dir_ + ": read");
  }

 private:
  rocksdb::DB* const db_;
  const rocksdb::Snapshot* const snapshot_;
  const uint64_t covered_index_;
  const std::string upper_;
  rocksdb::Slice upper_slice_;
  const std::string dir_;
  std::unique_ptr<rocksdb::Iterator> it_;
  bool started_ = false;  // the first Next returns the first pair
};

Result<std::unique_ptr<RocksFsImageStore>> RocksFsImageStore::Open(
    const std::string& dir, RocksFsImageStoreOptions options, Logger& logger) {
  rocksdb::Options ro;
  ro.create_if_missing = true;
  ro.paranoid_checks = true;
  ro.keep_log_file_num = 4;
  ro.max_background_jobs = 2;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(ro, dir, &raw);
  if (!s.ok()) return FromRocks(s, "open fsimage " + dir);
  std::unique_ptr<RocksFsImageStore> store(new RocksFsImageStore(dir, raw, options, logger));
  ODFS_RETURN_IF_ERROR(store->Recover());
  return store;
}

RocksFsImageStore::~RocksFsImageStore() {
  (void)db_->Close();
  delete db_;
}

Status RocksFsImageStore::Recover() {
  std::string current;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), kCurrentKey, &current);
  uint64_t generation = 0;
  uint64_t covered = 0;
  if (s.ok()) {
    if (current.size() != 16) {
      return Status(StatusCode::Corrupt, "fsimage " + dir_ + ": current-image record is " +
                                             std::to_string(current.size()) +
                                             " bytes, not 16");
    }
    generation = GetBigEndian64(current);
    covered = GetBigEndian64(std::string_view(current).substr(8));
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "fsimage " + dir_ + ": read current image");
  }

  uint64_t max_generation = generation;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  it->SeekToFirst();
  if (it->Valid() && View(it->key()) == kCurrentKey) it->Next();
  while (it->Valid()) {
    std::string_view key = View(it->key());
    if (key.size() < kDataPrefixBytes || key[0] != kDataPrefix) {
      return Status(StatusCode::Corrupt, "fsimage " + dir_ + ": unexpected key of " +
                                             std::to_string(key.size()) + " bytes");
    }
    uint64_t g = GetBigEndian64(key.substr(1));
    max_generation = std::max(max_generation, g);
    if (g != generation) {
      logger_.Info("fsimage: dropping abandoned generation dir={} generation={} current={}",
                   dir_, g, generation);
      ODFS_RETURN_IF_ERROR(DropGeneration(g));
    }
    it->Seek(GenerationPrefix(g + 1));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "fsimage " + dir_ + ": scan");

  std::lock_guard lock(mu_);
  current_generation_ = generation;
  covered_index_ = covered;
  next_generation_ = max_generation + 1;
  return Status::Ok();
}

Status RocksFsImageStore::DropGeneration(uint64_t generation) {
  // Unsynced: if it is lost in a crash, the next Open drops it again.
  rocksdb::Status s = db_->DeleteRange(rocksdb::WriteOptions(), db_->DefaultColumnFamily(),
                                       GenerationPrefix(generation),
                                       GenerationPrefix(generation + 1));
  return FromRocks(s, "fsimage " + dir_ + ": drop generation " + std::to_string(generation));
}

Result<std::unique_ptr<ImageWriter>> RocksFsImageStore::BeginImage(uint64_t covered_index) {
  std::lock_guard lock(mu_);
  if (writer_open_) {
    return Status(StatusCode::Busy, "fsimage " + dir_ + ": another image is being written");
  }
  if (covered_index < covered_index_) {
    return Status(StatusCode::Invalid, "fsimage " + dir_ + ": new image covers " +
                                           std::to_string(covered_index) +
                                           ", below the current " +
                                           std::to_string(covered_index_));
  }
  writer_open_ = true;
  uint64_t generation = next_generation_++;
  return std::unique_ptr<ImageWriter>(new RocksImageWriter(*this, generation, covered_index));
}

Status RocksFsImageStore::CommitGeneration(uint64_t generation, uint64_t covered_index) {
  std::string current;
  PutBigEndian64(&current, generation);
  PutBigEndian64(&current, covered_index);
  rocksdb::WriteOptions synced;
  synced.sync = true;
  rocksdb::Status s = db_->Put(synced, kCurrentKey, current);
  if (!s.ok()) {
    // The flip may or may not be durable: keep the generation's data (the
    // writer does not drop it) and let the next Open decide by what 'C' says.
    std::lock_guard lock(mu_);
    writer_open_ = false;
    return FromRocks(s, "fsimage " + dir_ + ": flip to generation " + std::to_string(generation));
  }
  uint64_t previous;
  {
    std::lock_guard lock(mu_);
    previous = current_generation_;
    current_generation_ = generation;
    covered_index_ = covered_index;
    writer_open_ = false;
  }
  if (previous != 0) {
    Status dropped = DropGeneration(previous);
    if (!dropped.ok()) {
      logger_.Warn("fsimage: could not drop previous generation dir={} generation={} "
                   "status={}; the next open retries",
                   dir_, previous, dropped.ToString());
    }
  }
  return Status::Ok();
}

void RocksFsImageStore::AbandonGeneration(uint64_t generation) {
  Status dropped = DropGeneration(generation);
  if (!dropped.ok()) {
    logger_.Warn("fsimage: could not drop abandoned generation dir={} generation={} "
                 "status={}; the next open retries",
                 dir_, generation, dropped.ToString());
  }
  std::lock_guard lock(mu_);
  writer_open_ = false;
}

Result<std::unique_ptr<ImageSource>> RocksFsImageStore::LoadNewest() {
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  std::string current;
  rocksdb::Status s = db_->Get(ro, kCurrentKey, &current);
  uint64_t generation = 0;
  uint64_t covered = 0;
  if (s.ok() && current.size() == 16) {
    generation = GetBigEndian64(current);
    covered = GetBigEndian64(std::string_view(current).substr(8));
  } else if (s.ok()) {
    db_->ReleaseSnapshot(snapshot);
    return Status(StatusCode::Corrupt, "fsimage " + dir_ + ": current-image record malformed");
  } else if (!s.IsNotFound()) {
    db_->ReleaseSnapshot(snapshot);
    return FromRocks(s, "fsimage " + dir_ + ": read current image");
  }
  return std::unique_ptr<ImageSource>(
      new RocksImageSource(db_, snapshot, generation, covered, dir_));
}

uint64_t RocksFsImageStore::current_covered_index() const {
  std::lock_guard lock(mu_);
  return covered_index_;
}

uint64_t RocksFsImageStore::current_generation() const {
  std::lock_guard lock(mu_);
  return current_generation_;
}

}  // namespace opendfs::store
