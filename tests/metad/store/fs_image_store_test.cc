// FsImageStore contract against RocksFsImageStore and MemFsImageStore;
// reopen, leftover generations and damage against RocksFsImageStore only.
#include <map>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "metad/store/image_stream.h"
#include "metad/store/mem_fs_image_store.h"
#include "metad/store/rocks_fs_image_store.h"
#include "metad/store/rocks_util.h"
#include "temp_dir.h"

namespace opendfs::store {
namespace {

using testing::TempDir;
using Entries = std::map<std::string, std::string>;

std::unique_ptr<RocksFsImageStore> OpenRocks(const std::string& dir, size_t batch_bytes_max = 1 << 20) {
  RocksFsImageStoreOptions options;
  options.batch_bytes_max = batch_bytes_max;
  auto store = RocksFsImageStore::Open(dir, options, Logger::Quiet());
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

// Reads a whole source, checking the keys come in increasing order.
Entries ReadAll(ImageSource& source) {
  Entries out;
  std::string_view key, value;
  std::string previous;
  bool first = true;
  while (source.Next(&key, &value)) {
    if (!first) {
      EXPECT_LT(previous, std::string(key));
    }
    first = false;
    previous = std::string(key);
    out.emplace(std::string(key), std::string(value));
  }
  EXPECT_TRUE(source.status().ok()) << source.status().ToString();
  return out;
}

Status WriteImage(FsImageStore& store, uint64_t covered, const Entries& entries) {
  ODFS_ASSIGN_OR_RETURN(auto writer, store.BeginImage(covered));
  // Out of key order on purpose: the store sorts.
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    ODFS_RETURN_IF_ERROR(writer->Put(it->first, it->second));
  }
  return writer->Commit();
}

std::pair<uint64_t, Entries> Load(FsImageStore& store) {
  auto source = store.LoadNewest();
  EXPECT_TRUE(source.ok()) << source.status().ToString();
  if (!source.ok()) return {};
  Entries entries = ReadAll(**source);
  return {(*source)->covered_index(), entries};
}

class FsImageStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "rocks") {
      store_ = OpenRocks(dir_.Sub("fsimage"));
    } else {
      store_ = std::make_unique<MemFsImageStore>();
    }
    ASSERT_NE(store_, nullptr);
  }

  TempDir dir_;
  std::unique_ptr<FsImageStore> store_;
};

TEST_P(FsImageStoreTest, FreshStoreHasAnEmptyImageCoveringZero) {
  auto [covered, entries] = Load(*store_);
  EXPECT_EQ(covered, 0u);
  EXPECT_TRUE(entries.empty());
  EXPECT_EQ(store_->current_covered_index(), 0u);
}

TEST_P(FsImageStoreTest, CommittedImageLoadsInKeyOrder) {
  Entries image = {{"a", "1"}, {"b/c", "2"}, {std::string("\0z", 2), "bin"}, {"zz", ""}};
  ASSERT_TRUE(WriteImage(*store_, 17, image).ok());
  auto [covered, entries] = Load(*store_);
  EXPECT_EQ(covered, 17u);
  EXPECT_EQ(entries, image);
  EXPECT_EQ(store_->current_covered_index(), 17u);
}

TEST_P(FsImageStoreTest, NewImageReplacesTheOldOneEntirely) {
  ASSERT_TRUE(WriteImage(*store_, 10, {{"old", "1"}, {"both", "old"}}).ok());
  ASSERT_TRUE(WriteImage(*store_, 20, {{"new", "2"}, {"both", "new"}}).ok());
  auto [covered, entries] = Load(*store_);
  EXPECT_EQ(covered, 20u);
  EXPECT_EQ(entries, (Entries{{"new", "2"}, {"both", "new"}}));
}

TEST_P(FsImageStoreTest, AbandonedWriterLeavesTheCurrentImage) {
  ASSERT_TRUE(WriteImage(*store_, 10, {{"kept", "1"}}).ok());
  {
    auto writer = store_->BeginImage(20);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Put("dropped", "x").ok());
  }
  auto [covered, entries] = Load(*store_);
  EXPECT_EQ(covered, 10u);
  EXPECT_EQ(entries, (Entries{{"kept", "1"}}));
  // And the slot is free again.
  ASSERT_TRUE(WriteImage(*store_, 20, {{"next", "2"}}).ok());
  EXPECT_EQ(Load(*store_).second, (Entries{{"next", "2"}}));
}

TEST_P(FsImageStoreTest, OpenSourceIsPinnedAcrossACommit) {
  ASSERT_TRUE(WriteImage(*store_, 10, {{"a", "old"}, {"b", "old"}}).ok());
  auto source = store_->LoadNewest();
  ASSERT_TRUE(source.ok());
  ASSERT_TRUE(WriteImage(*store_, 20, {{"c", "new"}}).ok());
  EXPECT_EQ((*source)->covered_index(), 10u);
  EXPECT_EQ(ReadAll(**source), (Entries{{"a", "old"}, {"b", "old"}}));
}

TEST_P(FsImageStoreTest, ImagesOnlyMoveForward) {
  ASSERT_TRUE(WriteImage(*store_, 10, {{"a", "1"}}).ok());
  EXPECT_EQ(store_->BeginImage(9).status().code(), StatusCode::Invalid);
  EXPECT_TRUE(store_->BeginImage(10).ok());  // the same index is allowed
}

TEST_P(FsImageStoreTest, OneWriterAtATime) {
  auto first = store_->BeginImage(1);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(store_->BeginImage(2).status().code(), StatusCode::Busy);
}

INSTANTIATE_TEST_SUITE_P(Impls, FsImageStoreTest, ::testing::Values("rocks", "mem"),
                         [](const auto& info) { return info.param; });

// Every key of the raw RocksDB, for checking what the store left behind.
std::vector<std::string> RawKeys(const std::string& path) {
  rocksdb::DB* db = nullptr;
  EXPECT_TRUE(rocksdb::DB::Open(rocksdb::Options(), path, &db).ok());
  std::vector<std::string> keys;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) keys.push_back(it->key().ToString());
  it.reset();
  delete db;
  return keys;
}

void RawPut(const std::string& path, const std::string& key, const std::string& value) {
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), path, &db).ok());
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), key, value).ok());
  delete db;
}

std::string DataKey(uint64_t generation, const std::string& key) {
  std::string k = "D";
  PutBigEndian64(&k, generation);
  return k + key;
}

TEST(RocksFsImageStoreTest, LargeImageInManyBatchesSurvivesReopen) {
  TempDir dir;
  std::string path = dir.Sub("fsimage");
  Entries image;
  for (int i = 0; i < 5000; ++i) image["inode/" + std::to_string(i)] = std::string(100, 'a' + i % 26);
  {
    auto store = OpenRocks(path, /*batch_bytes_max=*/4096);
    ASSERT_TRUE(WriteImage(*store, 12345, image).ok());
  }
  auto store = OpenRocks(path);
  EXPECT_EQ(store->current_covered_index(), 12345u);
  auto [covered, entries] = Load(*store);
  EXPECT_EQ(covered, 12345u);
  EXPECT_EQ(entries, image);
}

TEST(RocksFsImageStoreTest, PreviousGenerationIsDeletedAfterTheFlip) {
  TempDir dir;
  std::string path = dir.Sub("fsimage");
  uint64_t generation = 0;
  {
    auto store = OpenRocks(path);
    ASSERT_TRUE(WriteImage(*store, 1, {{"a", "1"}, {"b", "1"}}).ok());
    ASSERT_TRUE(WriteImage(*store, 2, {{"c", "2"}}).ok());
    generation = store->current_generation();
  }
  EXPECT_EQ(RawKeys(path), (std::vector<std::string>{"C", DataKey(generation, "c")}));
}

TEST(RocksFsImageStoreTest, OpenDropsLeftoverGenerations) {
  TempDir dir;
  std::string path = dir.Sub("fsimage");
  uint64_t generation = 0;
  {
    auto store = OpenRocks(path);
    ASSERT_TRUE(WriteImage(*store, 5, {{"a", "1"}}).ok());
    generation = store->current_generation();
  }
  // What a crash mid-image (or between flip and delete) leaves behind.
  RawPut(path, DataKey(generation - 1, "x"), "older");
  RawPut(path, DataKey(99, "half"), "written");
  {
    auto store = OpenRocks(path);
    EXPECT_EQ(store->current_generation(), generation);
    EXPECT_EQ(Load(*store), (std::pair<uint64_t, Entries>{5, {{"a", "1"}}}));
    ASSERT_TRUE(WriteImage(*store, 6, {{"b", "2"}}).ok());
    EXPECT_GT(store->current_generation(), 99u);  // never reuses a leftover's number
    generation = store->current_generation();
  }
  EXPECT_EQ(RawKeys(path), (std::vector<std::string>{"C", DataKey(generation, "b")}));
}

TEST(RocksFsImageStoreTest, MalformedCurrentRecordIsCorrupt) {
  TempDir dir;
  std::string path = dir.Sub("fsimage");
  { auto store = OpenRocks(path); }
  RawPut(path, "C", "short");
  auto store = RocksFsImageStore::Open(path, {}, Logger::Quiet());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::Corrupt);
  EXPECT_NE(store.status().message().find(path), std::string::npos);
}

TEST(RocksFsImageStoreTest, ForeignKeyIsCorrupt) {
  TempDir dir;
  std::string path = dir.Sub("fsimage");
  { auto store = OpenRocks(path); }
  RawPut(path, "X", "?");
  auto store = RocksFsImageStore::Open(path, {}, Logger::Quiet());
  EXPECT_EQ(store.status().code(), StatusCode::Corrupt);
}

// The framed form a leader ships to a follower (image_stream.h): every pair
// comes back, binary keys and empty values included; a cut stream is Corrupt.
TEST(FramedImage, RoundTripAndTruncation) {
  std::vector<std::pair<std::string, std::string>> pairs = {
      {"A", "meta"}, {std::string("I\0\0\1", 4), std::string(5000, 'x')}, {"D10.0.0.1:8100", ""}};
  std::string bytes;
  for (auto& [k, v] : pairs) AppendFramedPair(&bytes, k, v);
  FramedImageSource source(bytes);
  std::vector<std::pair<std::string, std::string>> got;
  FunctionImageSink sink([&](std::string_view k, std::string_view v) {
    got.emplace_back(k, v);
    return Status::Ok();
  });
  uint64_t n = 0;
  ASSERT_TRUE(CopyImage(source, sink, &n).ok());
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(got, pairs);

  for (size_t cut : {size_t{3}, size_t{12}, bytes.size() - 1}) {
    FramedImageSource cut_source(std::string_view(bytes).substr(0, cut));
    Status s = CopyImage(cut_source, sink);
    EXPECT_EQ(s.code(), StatusCode::Corrupt) << "cut at " << cut;
  }
}

}  // namespace
}  // namespace opendfs::store
