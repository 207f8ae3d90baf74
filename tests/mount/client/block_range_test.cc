#include "mount/client/block_range.h"

#include <gtest/gtest.h>

namespace opendfs::client {
namespace {

TEST(SplitRange, InsideOneBlock) {
  auto p = SplitRange(10, 20, 100);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], (BlockPart{0, 10, 20, 0}));
}

TEST(SplitRange, SpansThreeBlocks) {
  auto p = SplitRange(150, 300, 100);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0], (BlockPart{1, 50, 50, 0}));
  EXPECT_EQ(p[1], (BlockPart{2, 0, 100, 50}));
  EXPECT_EQ(p[2], (BlockPart{3, 0, 100, 150}));
  EXPECT_EQ(p[3], (BlockPart{4, 0, 50, 250}));
}

TEST(SplitRange, EndsExactlyOnBoundary) {
  auto p = SplitRange(0, 200, 100);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[1], (BlockPart{1, 0, 100, 100}));
}

TEST(SplitRange, EmptyRange) { EXPECT_TRUE(SplitRange(500, 0, 100).empty()); }

TEST(SplitRange, LargeOffsets) {
  const uint64_t bs = 256ull << 20;
  auto p = SplitRange(5 * bs - 1, 2, bs);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0], (BlockPart{4, bs - 1, 1, 0}));
  EXPECT_EQ(p[1], (BlockPart{5, 0, 1, 1}));
}

}  // namespace
}  // namespace opendfs::client
