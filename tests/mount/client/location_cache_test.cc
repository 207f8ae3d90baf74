#include "mount/client/location_cache.h"

#include <gtest/gtest.h>

namespace opendfs::client {
namespace {

BlockLoc Loc(uint64_t index, uint64_t id) {
  return BlockLoc{index, id, 1, 100, {"127.0.0.1:9000"}, 0, {}};
}

TEST(LocationCache, MissThenHitAndHoles) {
  LocationCache c;
  EXPECT_FALSE(c.Get(5, 0).known);
  // Window [0, 10) with blocks 0, 1 and 4: 2 and 3 are holes.
  c.Put(5, 0, 10, 450, {Loc(0, 100), Loc(1, 101), Loc(4, 104)});
  auto l = c.Get(5, 1);
  ASSERT_TRUE(l.known);
  ASSERT_TRUE(l.block.has_value());
  EXPECT_EQ(l.block->block_id, 101u);
  EXPECT_EQ(l.file_size, 450u);
  auto hole = c.Get(5, 3);
  EXPECT_TRUE(hole.known);
  EXPECT_FALSE(hole.block.has_value());
  EXPECT_TRUE(c.Get(5, 9).known);
  EXPECT_FALSE(c.Get(5, 10).known);
  EXPECT_FALSE(c.Get(6, 0).known);
}

TEST(LocationCache, FullReplyCoversOnlyUpToItsLastBlock) {
  LocationCache c;
  std::vector<BlockLoc> blocks;
  for (uint64_t i = 0; i < 3; ++i) blocks.push_back(Loc(i * 2, 200 + i));  // 0, 2, 4
  c.Put(1, 0, 3, 1000, blocks);
  EXPECT_TRUE(c.Get(1, 4).known);
  EXPECT_TRUE(c.Get(1, 3).known);   // hole between 2 and 4
  EXPECT_FALSE(c.Get(1, 5).known);  // metad may have stopped early
}

TEST(LocationCache, InvalidateDropsInode) {
  LocationCache c;
  c.Put(1, 0, 10, 100, {Loc(0, 1)});
  c.Invalidate(1);
  EXPECT_FALSE(c.Get(1, 0).known);
  EXPECT_EQ(c.inode_count(), 0u);
}

TEST(LocationCache, InvalidateBlockLeavesNeighboursKnown) {
  LocationCache c;
  c.Put(1, 0, 10, 1000, {Loc(0, 1), Loc(1, 2), Loc(2, 3)});
  c.InvalidateBlock(1, 1);
  EXPECT_TRUE(c.Get(1, 0).known);
  EXPECT_FALSE(c.Get(1, 1).known);
  EXPECT_TRUE(c.Get(1, 2).known);
  EXPECT_TRUE(c.Get(1, 9).known);
  // Refetching block 1 alone restores it.
  c.Put(1, 1, 10, 1000, {Loc(1, 22), Loc(2, 3)});
  EXPECT_EQ(c.Get(1, 1).block->block_id, 22u);
  EXPECT_EQ(c.Get(1, 0).block->block_id, 1u);
}

TEST(LocationCache, NewerReplyReplacesOverlappingWindow) {
  LocationCache c;
  c.Put(1, 0, 10, 1000, {Loc(0, 1), Loc(5, 5)});
  c.Put(1, 4, 10, 2000, {Loc(4, 44)});
  EXPECT_FALSE(c.Get(1, 5).block.has_value());  // block 5 gone in the new reply
  EXPECT_EQ(c.Get(1, 4).block->block_id, 44u);
  EXPECT_EQ(c.Get(1, 0).block->block_id, 1u);
  EXPECT_EQ(c.Get(1, 0).file_size, 2000u);
}

TEST(LocationCache, EvictsLeastRecentlyUsedInode) {
  LocationCache c(/*max_inodes=*/2);
  c.Put(1, 0, 10, 1, {Loc(0, 1)});
  c.Put(2, 0, 10, 1, {Loc(0, 2)});
  EXPECT_TRUE(c.Get(1, 0).known);  // 1 is now newer than 2
  c.Put(3, 0, 10, 1, {Loc(0, 3)});
  EXPECT_EQ(c.inode_count(), 2u);
  EXPECT_TRUE(c.Get(1, 0).known);
  EXPECT_FALSE(c.Get(2, 0).known);
  EXPECT_TRUE(c.Get(3, 0).known);
}

TEST(LocationCache, BoundedBlocksPerInode) {
  LocationCache c(16, /*max_blocks_per_inode=*/4);
  c.Put(1, 0, 3, 1, {Loc(0, 1), Loc(1, 2), Loc(2, 3)});
  c.Put(1, 3, 3, 1, {Loc(3, 4), Loc(4, 5)});
  EXPECT_FALSE(c.Get(1, 0).known);  // dropped to stay within bounds
  EXPECT_TRUE(c.Get(1, 4).known);
}

}  // namespace
}  // namespace opendfs::client
