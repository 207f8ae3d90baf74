#include "blockd/disk/block_layout.h"

#include <gtest/gtest.h>

#include <map>

namespace opendfs::disk {
namespace {

TEST(BlockLayout, PathsShareALeafOfTwoHexLevels) {
  std::string leaf = BlockLeafDir("/d", 42);
  ASSERT_EQ(leaf.size(), std::string("/d/aa/bb").size());
  EXPECT_TRUE(IsLayoutDirName(leaf.substr(3, 2)));
  EXPECT_TRUE(IsLayoutDirName(leaf.substr(6, 2)));
  EXPECT_EQ(BlockDataPath("/d", 42), leaf + "/blk_42");
  EXPECT_EQ(BlockMetaPath("/d", 42), leaf + "/blk_42.meta");
  EXPECT_EQ(BlockMetaTempPath("/d", 42), leaf + "/blk_42.meta.tmp");
}

TEST(BlockLayout, SequentialIdsSpreadOverLeaves) {
  std::map<std::string, int> per_leaf;
  const int kBlocks = 65536;
  for (uint64_t id = 1; id <= kBlocks; ++id) ++per_leaf[BlockLeafDir("", id)];
  int most = 0;
  for (auto& [leaf, n] : per_leaf) most = std::max(most, n);
  // Perfect spread would be 1 per leaf; a decent hash stays in single digits.
  EXPECT_GT(per_leaf.size(), 30000u);
  EXPECT_LT(most, 12);
}

TEST(BlockLayout, ParsesItsOwnNamesOnly) {
  auto d = ParseBlockFileName("blk_123");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->block_id, 123u);
  EXPECT_EQ(d->kind, BlockFileKind::kData);
  auto m = ParseBlockFileName("blk_18446744073709551615.meta");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->block_id, 18446744073709551615ULL);
  EXPECT_EQ(m->kind, BlockFileKind::kMeta);
  auto t = ParseBlockFileName("blk_5.meta.tmp");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->kind, BlockFileKind::kTemp);
  EXPECT_TRUE(IsTempFileName("blk_5.meta.tmp"));
  for (const char* bad : {"blk_", "blk_x", "blk_007", "blk_1.met", "foo", "blk_1.meta.",
                          "blk_18446744073709551616"})
    EXPECT_FALSE(ParseBlockFileName(bad)) << bad;
  EXPECT_FALSE(IsLayoutDirName("0g"));
  EXPECT_FALSE(IsLayoutDirName("AB"));
  EXPECT_TRUE(IsLayoutDirName("0f"));
}

}  // namespace
}  // namespace opendfs::disk
