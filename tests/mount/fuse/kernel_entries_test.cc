#include "mount/fuse/kernel_entries.h"

#include <gtest/gtest.h>

namespace opendfs::mountfs {
namespace {

using Names = std::vector<std::pair<uint64_t, std::string>>;

TEST(KernelEntriesTest, TakeAllGivesEachNameOnceAndEmpties) {
  KernelEntries k(100, 1000);
  k.Note(1, "a", 10);
  k.Note(1, "b", 11);
  k.Note(1, "a", 12);  // noted again: one name
  k.Note(2, "a", 13);  // same name, other directory
  EXPECT_EQ(k.size(), 3u);
  EXPECT_EQ(k.TakeAll(), (Names{{1, "b"}, {1, "a"}, {2, "a"}}));
  EXPECT_EQ(k.size(), 0u);
  EXPECT_TRUE(k.TakeAll().empty());
}

TEST(KernelEntriesTest, NamesOlderThanTheTimeoutAreForgotten) {
  KernelEntries k(100, 1000);
  k.Note(1, "old", 0);
  k.Note(1, "kept", 500);
  k.Note(1, "new", 1500);  // "old" is past its entry timeout now
  EXPECT_EQ(k.TakeAll(), (Names{{1, "kept"}, {1, "new"}}));
  // A name renewed after its first noting lives from the renewal.
  k.Note(1, "x", 0);
  k.Note(1, "x", 900);
  k.Note(1, "y", 1500);
  EXPECT_EQ(k.TakeAll(), (Names{{1, "x"}, {1, "y"}}));
}

TEST(KernelEntriesTest, BoundDropsTheOldest) {
  KernelEntries k(2, 1000000);
  k.Note(1, "a", 1);
  k.Note(1, "b", 2);
  k.Note(1, "c", 3);
  EXPECT_EQ(k.TakeAll(), (Names{{1, "b"}, {1, "c"}}));
}

}  // namespace
}  // namespace opendfs::mountfs
