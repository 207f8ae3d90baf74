// InodeTable and BlockVec: insert/find/erase against a model, slot reuse,
// block list growth and truncation.
#include "metad/namespace/inode_table.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace opendfs::metad {
namespace {

TEST(InodeTable, MatchesAModel) {
  std::mt19937_64 rng(3);
  InodeTable t;
  std::set<InodeId> model;
  for (int i = 0; i < 200000; ++i) {
    InodeId id = 1 + rng() % 50000;
    if (model.count(id)) {
      t.Erase(id);
      model.erase(id);
      EXPECT_EQ(t.Find(id), nullptr);
    } else {
      Inode* in = t.Insert(id);
      in->size = id * 3;
      model.insert(id);
    }
  }
  EXPECT_EQ(t.size(), model.size());
  for (InodeId id : model) {
    const Inode* in = t.Find(id);
    ASSERT_NE(in, nullptr) << id;
    EXPECT_EQ(in->size, id * 3);
  }
  size_t seen = 0;
  t.ForEach([&](const Inode& in) {
    EXPECT_TRUE(model.count(in.id));
    ++seen;
  });
  EXPECT_EQ(seen, model.size());
  EXPECT_EQ(t.Find(0), nullptr);
}

TEST(InodeTable, PointersStayValidAcrossGrowth) {
  InodeTable t;
  Inode* first = t.Insert(1);
  first->uid = 42;
  for (InodeId id = 2; id < 100000; ++id) t.Insert(id);
  EXPECT_EQ(t.Find(1), first);
  EXPECT_EQ(first->uid, 42u);
}

TEST(InodeTable, ErasedSlotsAreCleanWhenReused) {
  InodeTable t;
  Inode* a = t.Insert(5);
  a->blocks.push_back(BlockInfo{9, 1, 10});
  a->blocks.push_back(BlockInfo{10, 1, 10});
  a->flags = Inode::kHasXattrs;
  t.Erase(5);
  Inode* b = t.Insert(6);
  EXPECT_EQ(b->blocks.size(), 0u);
  EXPECT_EQ(b->flags, 0u);
  EXPECT_EQ(b->size, 0u);
}

TEST(BlockVec, InlineThenHeap) {
  BlockVec v;
  EXPECT_TRUE(v.empty());
  v.push_back(BlockInfo{1, 1, 1});
  EXPECT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].id, 1u);
  for (uint64_t i = 2; i <= 100; ++i) v.push_back(BlockInfo{i, 1, 1});
  EXPECT_EQ(v.size(), 100u);
  for (uint32_t i = 0; i < 100; ++i) EXPECT_EQ(v[i].id, i + 1u);
  BlockVec moved(std::move(v));
  EXPECT_EQ(moved.size(), 100u);
  EXPECT_EQ(v.size(), 0u);  // NOLINT: moved-from is empty by contract
  moved.truncate(1);
  EXPECT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].id, 1u);
  moved.truncate(0);
  EXPECT_TRUE(moved.empty());
  moved.push_back(BlockInfo{7, 1, 1});
  EXPECT_EQ(moved[0].id, 7u);
}

}  // namespace
}  // namespace opendfs::metad
