// A full disk: small tmpfs mounts as data dirs (needs root; skipped
// otherwise). Writes fail with NoSpace and every replica already there still
// reads back correctly, also after a restart.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "blockd/disk/block_layout.h"
#include "blockd/disk/block_store.h"
#include "disk_test_util.h"

namespace opendfs::disk {
namespace {

using testing::PatternData;
using testing::TempDir;

class NoSpaceTest : public ::testing::Test {
 protected:
  // Mounts a tmpfs of `size` (e.g. "2m") at <tmp>/<name>; false = skip.
  bool MountTmpfs(const std::string& name, const std::string& size) {
    std::string dir = tmp_.Sub(name);
    if (::mkdir(dir.c_str(), 0755) != 0) return false;
    std::string opts = "size=" + size;
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, opts.c_str()) != 0) return false;
    mounts_.push_back(dir);
    return true;
  }
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a tmpfs";
  }
  void TearDown() override {
    store_.reset();
    for (const std::string& m : mounts_) ::umount2(m.c_str(), MNT_DETACH);
  }
  std::string ReadAll(uint64_t id) {
    auto info = store_->Stat(id);
    if (!info.ok()) return "<" + info.status().ToString() + ">";
    auto r = store_->ReadVerified(id, kAnyVersion, 0, info->length);
    return r.ok() ? *r : "<" + r.status().ToString() + ">";
  }

  TempDir tmp_;
  std::vector<std::string> mounts_;
  std::unique_ptr<BlockStore> store_;
};

TEST_F(NoSpaceTest, FullDiskGivesNoSpaceAndKeepsReplicas) {
  if (!MountTmpfs("small", "2m")) GTEST_SKIP() << "cannot mount tmpfs";
  const std::string dir = mounts_[0];
  store_ = testing::OpenStore({dir});
  ASSERT_TRUE(store_);
  std::string a = PatternData(256 * 1024 + 333, 1);
  ASSERT_TRUE(store_->Write(1, 1, 0, a).ok());

  // Fill the disk with block 2 in odd-sized appends.
  std::string b;
  Status full;
  for (int i = 0; i < 100; ++i) {
    std::string piece = PatternData(kChunkSize + 1000, 100 + i);
    auto w = store_->Write(2, 1, b.size(), piece);
    if (!w.ok()) {
      full = w.status();
      break;
    }
    b += piece;
  }
  ASSERT_EQ(full.code(), StatusCode::NoSpace) << full.ToString();
  EXPECT_NE(full.message().find(dir), std::string::npos) << full.message();
  EXPECT_GT(b.size(), 0u);

  // Writes that need new space fail cleanly...
  EXPECT_EQ(store_->Write(1, 1, a.size(), PatternData(3 * kChunkSize, 7)).status().code(),
            StatusCode::NoSpace);
  EXPECT_EQ(store_->Write(3, 1, 0, PatternData(4 * kChunkSize, 9)).status().code(),
            StatusCode::NoSpace);
  EXPECT_EQ(store_->Stat(1)->version, 1u);
  // An overwrite in place needs only a page for its temp meta, which the
  // failed writes above may have given back: it either lands whole or not at
  // all.
  std::string patch = PatternData(2 * kChunkSize, 8);
  auto over = store_->Write(1, 2, 10, patch);
  if (over.ok()) {
    a.replace(10, patch.size(), patch);
  } else {
    EXPECT_EQ(over.status().code(), StatusCode::NoSpace) << over.status().ToString();
  }
  const uint64_t a_version = over.ok() ? 2 : 1;
  // ...and what is there reads back exactly as it should.
  EXPECT_EQ(store_->Stat(1)->version, a_version);
  EXPECT_EQ(store_->Stat(1)->length, a.size());
  EXPECT_EQ(store_->corrupt_count(), 0u);
  EXPECT_TRUE(ReadAll(1) == a);
  EXPECT_TRUE(ReadAll(2) == b);
  EXPECT_EQ(store_->Stat(3).status().code(), StatusCode::NoSuchBlock);

  // The same after a restart: nothing corrupt, no leftovers.
  store_.reset();
  store_ = testing::OpenStore({dir});
  ASSERT_TRUE(store_);
  EXPECT_EQ(store_->block_count(), 2u);
  EXPECT_EQ(store_->corrupt_count(), 0u);
  EXPECT_EQ(store_->Stat(1)->version, a_version);
  EXPECT_TRUE(ReadAll(1) == a);
  EXPECT_TRUE(ReadAll(2) == b);
  EXPECT_FALSE(testing::FileExists(BlockDataPath(dir, 3)));

  // Freeing space makes the disk writable again.
  ASSERT_TRUE(store_->Delete(2).ok());
  std::string more = PatternData(3 * kChunkSize, 10);
  ASSERT_TRUE(store_->Write(1, 3, a.size(), more, {.sync = true}).ok());
  EXPECT_TRUE(ReadAll(1) == a + more);
}

TEST_F(NoSpaceTest, NewBlockGoesToTheDirWithMostFreeSpace) {
  if (!MountTmpfs("small", "1m") || !MountTmpfs("big", "8m"))
    GTEST_SKIP() << "cannot mount tmpfs";
  store_ = testing::OpenStore({mounts_[0], mounts_[1]});
  ASSERT_TRUE(store_);
  ASSERT_TRUE(store_->Write(1, 1, 0, "x").ok());
  EXPECT_TRUE(testing::FileExists(BlockMetaPath(mounts_[1], 1)));
  EXPECT_FALSE(testing::FileExists(BlockMetaPath(mounts_[0], 1)));
  auto usage = store_->Usage();
  ASSERT_EQ(usage.size(), 2u);
  EXPECT_LT(usage[0].capacity_bytes, usage[1].capacity_bytes);
  EXPECT_EQ(usage[1].block_count, 1u);
}

}  // namespace
}  // namespace opendfs::disk
