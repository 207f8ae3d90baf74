// Start-up: a new BlockStore over the same dirs keeps committed blocks,
// removes temporaries and uncommitted creates, trims uncommitted appends, and
// recognises every crash leftover that does not match its meta as corrupt.
#include <unistd.h>

#include <gtest/gtest.h>

#include "blockd/disk/block_layout.h"
#include "blockd/disk/block_store.h"
#include "disk_test_util.h"

namespace opendfs::disk {
namespace {

using testing::FileExists;
using testing::PatternData;
using testing::ReadWholeFile;
using testing::TempDir;
using testing::WriteWholeFile;

class RestartTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = testing::OpenStore({dir_}); }
  void Reopen(StoreOptions options = {}) {
    store_.reset();
    store_ = testing::OpenStore({dir_}, options);
    ASSERT_TRUE(store_);
  }
  std::string Data(uint64_t id) { return BlockDataPath(dir_, id); }
  std::string Meta(uint64_t id) { return BlockMetaPath(dir_, id); }
  std::string ReadAll(uint64_t id) {
    auto info = store_->Stat(id);
    if (!info.ok()) return "<" + info.status().ToString() + ">";
    auto r = store_->ReadVerified(id, kAnyVersion, 0, info->length);
    return r.ok() ? *r : "<" + r.status().ToString() + ">";
  }

  TempDir tmp_;
  std::string dir_ = tmp_.Sub("data");
  std::unique_ptr<BlockStore> store_;
};

TEST_F(RestartTest, BlocksSurviveIntact) {
  std::string a = PatternData(3 * kChunkSize + 5, 1), b = PatternData(10, 2);
  ASSERT_TRUE(store_->Write(1, 4, 0, a, {.sync = true}).ok());
  ASSERT_TRUE(store_->Write(2, 1, 0, b).ok());
  ASSERT_TRUE(store_->Write(3, 1, 0, "").ok());
  auto crc_before = store_->Stat(1)->crc32c;
  Reopen();
  EXPECT_EQ(store_->block_count(), 3u);
  EXPECT_EQ(store_->corrupt_count(), 0u);
  EXPECT_TRUE(ReadAll(1) == a);
  EXPECT_TRUE(ReadAll(2) == b);
  EXPECT_EQ(ReadAll(3), "");
  EXPECT_EQ(store_->Stat(1)->version, 4u);
  EXPECT_EQ(store_->Stat(1)->crc32c, crc_before);
  EXPECT_EQ(store_->TotalUsage().used_bytes, a.size() + b.size());
  // Still writable after the restart, with versions enforced.
  EXPECT_EQ(store_->Write(1, 3, 0, "x").status().code(), StatusCode::StaleVersion);
  ASSERT_TRUE(store_->Write(2, 1, 10, "more").ok());
  EXPECT_EQ(ReadAll(2), b + "more");
}

TEST_F(RestartTest, TemporariesAndUncommittedCreatesAreRemoved) {
  ASSERT_TRUE(store_->Write(1, 1, 0, "keep").ok());
  std::string leaf = BlockLeafDir(dir_, 1);
  WriteWholeFile(BlockMetaTempPath(dir_, 1), "half a meta");
  // A create that crashed before its meta was committed.
  ASSERT_EQ(0, ::system(("mkdir -p " + BlockLeafDir(dir_, 77)).c_str()));
  WriteWholeFile(Data(77), "uncommitted");
  WriteWholeFile(leaf + "/notes.txt", "not ours");
  Reopen();
  EXPECT_FALSE(FileExists(BlockMetaTempPath(dir_, 1)));
  EXPECT_FALSE(FileExists(Data(77)));
  EXPECT_TRUE(FileExists(leaf + "/notes.txt"));  // stray files are left alone
  EXPECT_EQ(store_->Stat(77).status().code(), StatusCode::NoSuchBlock);
  EXPECT_EQ(ReadAll(1), "keep");
}

TEST_F(RestartTest, CrashDuringAppendLeavesOldReplica) {
  std::string a = PatternData(kChunkSize + 100, 3);
  ASSERT_TRUE(store_->Write(1, 1, 0, a).ok());
  std::string old_meta = ReadWholeFile(Meta(1));
  ASSERT_TRUE(store_->Write(1, 2, a.size(), PatternData(5000, 4)).ok());
  store_.reset();
  WriteWholeFile(Meta(1), old_meta);  // the meta rename never happened
  Reopen();
  EXPECT_EQ(store_->corrupt_count(), 0u);
  EXPECT_EQ(store_->Stat(1)->version, 1u);
  EXPECT_TRUE(ReadAll(1) == a);
  EXPECT_EQ(testing::FileSizeOf(Data(1)), a.size());  // uncommitted tail trimmed
}

TEST_F(RestartTest, UnsyncedWritesKeepTheirMetaInMemoryUntilASyncedWrite) {
  std::string a = PatternData(3 * kChunkSize, 6);
  ASSERT_TRUE(store_->Write(1, 1, 0, a, {.sync = true}).ok());
  const std::string old_meta = ReadWholeFile(Meta(1));
  // Unsynced: an overwrite moving to v2 and an append. The meta file is not
  // touched (no temp file, no rename); readers get the new meta.
  ASSERT_TRUE(store_->Write(1, 2, 100, "new bytes").ok());
  std::string tail = PatternData(5000, 7);
  ASSERT_TRUE(store_->Write(1, 2, a.size(), tail).ok());
  EXPECT_EQ(ReadWholeFile(Meta(1)), old_meta);
  EXPECT_FALSE(FileExists(BlockMetaTempPath(dir_, 1)));
  std::string want = a;
  want.replace(100, 9, "new bytes");
  want += tail;
  EXPECT_TRUE(ReadAll(1) == want);
  EXPECT_EQ(store_->Stat(1)->version, 2u);
  // The commit's synced piece (empty) writes the meta durably.
  ASSERT_TRUE(store_->Write(1, 2, want.size(), "", {.sync = true}).ok());
  EXPECT_NE(ReadWholeFile(Meta(1)), old_meta);
  const std::string synced_meta = ReadWholeFile(Meta(1));
  store_.reset();
  WriteWholeFile(Meta(1), synced_meta);  // a crash right after: nothing lost
  Reopen();
  EXPECT_EQ(store_->corrupt_count(), 0u);
  EXPECT_EQ(store_->Stat(1)->version, 2u);
  EXPECT_TRUE(ReadAll(1) == want);
}

TEST_F(RestartTest, CleanShutdownWritesTheUnsyncedMetas) {
  std::string a = PatternData(2 * kChunkSize, 8);
  ASSERT_TRUE(store_->Write(1, 1, 0, a, {.sync = true}).ok());
  ASSERT_TRUE(store_->Write(1, 3, kChunkSize + 7, "later").ok());
  Reopen();
  a.replace(kChunkSize + 7, 5, "later");
  EXPECT_EQ(store_->corrupt_count(), 0u);
  EXPECT_EQ(store_->Stat(1)->version, 3u);
  EXPECT_TRUE(ReadAll(1) == a);
}

TEST_F(RestartTest, CrashDuringOverwriteIsRecognisedNotServed) {
  std::string a = PatternData(3 * kChunkSize, 5);
  ASSERT_TRUE(store_->Write(1, 1, 0, a).ok());
  std::string old_meta = ReadWholeFile(Meta(1));
  ASSERT_TRUE(store_->Write(1, 2, 100, "new bytes in chunk zero").ok());
  store_.reset();
  WriteWholeFile(Meta(1), old_meta);  // data overwritten, meta not committed
  Reopen();
  // The last chunk is intact, so start-up cannot tell; every read can.
  auto r = store_->ReadVerified(1, kAnyVersion, 0, a.size());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::Corrupt);
  EXPECT_NE(r.status().message().find("chunk 0"), std::string::npos);
}

TEST_F(RestartTest, MetaAheadOfDataIsCorrupt) {
  // Without sync the new meta may reach the disk before the data: a file
  // shorter than the meta says, or a last chunk that fails its CRC.
  ASSERT_TRUE(store_->Write(1, 1, 0, PatternData(2 * kChunkSize, 6)).ok());
  ASSERT_TRUE(store_->Write(2, 1, 0, PatternData(kChunkSize + 10, 7)).ok());
  store_.reset();
  ASSERT_EQ(0, ::truncate(Data(1).c_str(), kChunkSize));
  testing::FlipBit(Data(2), kChunkSize + 3);
  Reopen();
  EXPECT_EQ(store_->corrupt_count(), 2u);
  EXPECT_TRUE(store_->Stat(1)->corrupt);
  EXPECT_TRUE(store_->Stat(2)->corrupt);
  EXPECT_EQ(store_->Read(1, kAnyVersion, 0, 1).status().code(), StatusCode::Corrupt);
}

TEST_F(RestartTest, LastChunkCheckCanBeSkipped) {
  ASSERT_TRUE(store_->Write(2, 1, 0, PatternData(kChunkSize + 10, 7)).ok());
  store_.reset();
  testing::FlipBit(Data(2), kChunkSize + 3);
  Reopen({.verify_last_chunk_on_open = false});
  EXPECT_EQ(store_->corrupt_count(), 0u);
  EXPECT_EQ(store_->ReadVerified(2, 1, 0, kChunkSize + 10).status().code(),
            StatusCode::Corrupt);
}

TEST_F(RestartTest, BadMetaOrMissingDataIsListedCorrupt) {
  ASSERT_TRUE(store_->Write(1, 3, 0, "aaaa").ok());
  ASSERT_TRUE(store_->Write(2, 3, 0, "bbbb").ok());
  ASSERT_TRUE(store_->Write(3, 3, 0, "cccc").ok());
  store_.reset();
  testing::FlipBit(Meta(1), 20);
  ASSERT_EQ(0, ::unlink(Data(2).c_str()));
  WriteWholeFile(Meta(3), "");
  Reopen();
  EXPECT_EQ(store_->block_count(), 3u);
  EXPECT_EQ(store_->corrupt_count(), 3u);
  for (uint64_t id : {1, 2, 3}) {
    auto info = store_->Stat(id);
    ASSERT_TRUE(info.ok());
    EXPECT_TRUE(info->corrupt) << id;
    EXPECT_EQ(store_->ReadVerified(id, kAnyVersion, 0, 0).status().code(),
              StatusCode::Corrupt);
  }
  EXPECT_EQ(store_->Stat(1)->version, 0u);  // unknown: its meta is unreadable
  EXPECT_EQ(store_->Stat(2)->version, 3u);
  // Delete clears them out for good.
  for (uint64_t id : {1, 2, 3}) EXPECT_TRUE(store_->Delete(id).ok());
  Reopen();
  EXPECT_EQ(store_->block_count(), 0u);
}

TEST(RestartDirs, SameBlockInTwoDirsKeepsTheNewer) {
  TempDir tmp;
  std::string a = tmp.Sub("a"), b = tmp.Sub("b");
  {
    auto sa = testing::OpenStore({a});
    ASSERT_TRUE(sa->Write(1, 1, 0, "old").ok());
    auto sb = testing::OpenStore({b});
    ASSERT_TRUE(sb->Write(1, 2, 0, "newer").ok());
  }
  auto both = testing::OpenStore({a, b});
  ASSERT_TRUE(both);
  EXPECT_EQ(both->block_count(), 1u);
  EXPECT_EQ(both->Stat(1)->version, 2u);
  EXPECT_EQ(*both->ReadVerified(1, 2, 0, 5), "newer");
  EXPECT_FALSE(FileExists(BlockMetaPath(a, 1)));
  EXPECT_FALSE(FileExists(BlockDataPath(a, 1)));
  EXPECT_EQ(both->Usage()[0].block_count, 0u);
  EXPECT_EQ(both->Usage()[1].block_count, 1u);
}

TEST(RestartDirs, BlocksInSeveralDirsAreAllFound) {
  TempDir tmp;
  std::vector<std::string> dirs = {tmp.Sub("a"), tmp.Sub("b")};
  {
    auto sa = testing::OpenStore({dirs[0]});
    auto sb = testing::OpenStore({dirs[1]});
    for (uint64_t id = 1; id <= 20; ++id)
      ASSERT_TRUE((id % 2 ? sa : sb)->Write(id, id, 0, PatternData(id * 100, id)).ok());
  }
  auto store = testing::OpenStore(dirs);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->block_count(), 20u);
  for (uint64_t id = 1; id <= 20; ++id) {
    auto r = store->ReadVerified(id, id, 0, id * 100);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(*r == PatternData(id * 100, id)) << id;
  }
}

}  // namespace
}  // namespace opendfs::disk
