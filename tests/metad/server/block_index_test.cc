// BlockIndex against a std::unordered_map model: random puts, overwrites and
// erases (backward-shift deletion must keep every other key findable),
// growth, the overflow side map for refs that do not pack, and updates from
// namespace ApplyResults.
#include "metad/server/block_index.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

namespace opendfs::metad {
namespace {

void ExpectSame(const BlockIndex& index, const std::unordered_map<BlockId, BlockRef>& model,
                BlockId max_id) {
  ASSERT_EQ(index.size(), model.size());
  for (BlockId b = 1; b <= max_id; ++b) {
    auto it = model.find(b);
    std::optional<BlockRef> got = index.Find(b);
    if (it == model.end()) {
      ASSERT_FALSE(got.has_value()) << "block " << b;
    } else {
      ASSERT_TRUE(got.has_value()) << "block " << b;
      ASSERT_EQ(*got, it->second) << "block " << b;
    }
  }
}

TEST(BlockIndex, MatchesAModelUnderRandomPutsAndErases) {
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    std::mt19937_64 rng(seed);
    BlockIndex index;
    std::unordered_map<BlockId, BlockRef> model;
    const BlockId max_id = 20000;
    for (int op = 0; op < 100000; ++op) {
      // Small id ranges make long probe runs, so erases shift a lot.
      BlockId b = 1 + rng() % (op % 3 == 0 ? 300 : max_id);
      if (rng() % 3 == 0) {
        index.Erase(b);
        model.erase(b);
      } else {
        BlockRef ref{1 + rng() % 1'000'000, static_cast<uint32_t>(rng() % 5000)};
        index.Put(b, ref);
        model[b] = ref;
      }
    }
    ExpectSame(index, model, max_id);
    for (auto& [b, ref] : std::unordered_map<BlockId, BlockRef>(model)) {
      index.Erase(b);
      model.erase(b);
    }
    ExpectSame(index, model, max_id);
  }
}

TEST(BlockIndex, RefsThatDoNotPackGoToTheSideMap) {
  BlockIndex index;
  const BlockRef big_inode{uint64_t{1} << 41, 3};
  const BlockRef big_index{7, 1u << 25};
  index.Put(10, big_inode);
  index.Put(11, big_index);
  index.Put(12, {7, 0});
  EXPECT_EQ(index.Find(10), big_inode);
  EXPECT_EQ(index.Find(11), big_index);
  EXPECT_EQ(index.size(), 3u);
  index.Put(10, {8, 1});  // moves back into the table
  EXPECT_EQ(index.Find(10), (BlockRef{8, 1}));
  EXPECT_EQ(index.size(), 3u);
  index.Erase(11);
  EXPECT_FALSE(index.Find(11));
  EXPECT_EQ(index.size(), 2u);
}

TEST(BlockIndex, FollowsApplyResults) {
  BlockIndex index;
  ApplyResult add;
  add.attr.ino = 42;
  add.has_block = true;
  add.block_index = 3;
  add.block.id = 9;
  index.Update(add);
  EXPECT_EQ(index.Find(9), (BlockRef{42, 3}));
  ApplyResult failed = add;
  failed.status = Status(StatusCode::Invalid, "no");
  failed.block.id = 10;
  index.Update(failed);
  EXPECT_FALSE(index.Find(10));
  ApplyResult freed;
  freed.freed_blocks = {9};
  index.Update(freed);
  EXPECT_FALSE(index.Find(9));
  EXPECT_EQ(index.size(), 0u);
}

TEST(BlockIndex, AMillionBlocksStayCompact) {
  BlockIndex index;
  for (BlockId b = 1; b <= 1'000'000; ++b) index.Put(b, {b + 1, 0});
  EXPECT_EQ(index.Find(777'777), (BlockRef{777'778, 0}));
  // Two uint64 per slot, at least 15% free: well under a node-based map.
  EXPECT_LE(index.memory_bytes() / 1'000'000.0, 40.0);
}

}  // namespace
}  // namespace opendfs::metad
