#include "mount/fuse/inode_table.h"

#include <gtest/gtest.h>

namespace opendfs::mountfs {
namespace {

TEST(InodeTable, LookupCountsAndErase) {
  InodeTable t;
  t.Ref(5);
  t.Ref(5);
  EXPECT_EQ(t.lookups(5), 2u);
  t.Forget(5, 1);
  EXPECT_EQ(t.lookups(5), 1u);
  t.Forget(5, 1);
  EXPECT_EQ(t.size(), 0u);
}

TEST(InodeTable, OpenHandleKeepsForgottenInode) {
  InodeTable t;
  t.Ref(7);
  EXPECT_EQ(t.Open(7, false, nullptr), nullptr);
  t.Forget(7, 1);
  EXPECT_EQ(t.size(), 1u);  // still open
  t.Close(7, false);
  EXPECT_EQ(t.size(), 0u);
}

TEST(InodeTable, RootIsNeverErased) {
  InodeTable t;
  t.Ref(1);
  t.Forget(1, 1);
  t.Forget(1, 5);  // the kernel never forgets root, but must not crash
  t.Ref(1);
  EXPECT_EQ(t.lookups(1), 1u);
}

TEST(InodeTableDeathTest, UnderflowAborts) {
  InodeTable t;
  t.Ref(9);
  EXPECT_DEATH(t.Forget(9, 2), "underflow");
  EXPECT_DEATH(t.Forget(10, 1), "never looked up");
}

TEST(InodeTable, ContentTracking) {
  InodeTable t;
  t.Ref(3);
  EXPECT_FALSE(t.SameContent(3, 100, 10));  // first open: nothing known
  EXPECT_TRUE(t.SameContent(3, 100, 10));
  EXPECT_FALSE(t.SameContent(3, 200, 10));  // changed elsewhere
  t.RecordContent(3, 300, 20);              // our own commit
  EXPECT_TRUE(t.SameContent(3, 300, 20));
}

TEST(InodeTable, NoWriterForReadOnlyHandles) {
  InodeTable t;
  t.Ref(4);
  int made = 0;
  auto none = t.Open(4, false, [&] {
    ++made;
    return std::shared_ptr<client::FileWriter>();
  });
  EXPECT_EQ(none, nullptr);
  EXPECT_EQ(made, 0);
  EXPECT_EQ(t.Writer(4), nullptr);
  t.Close(4, false);
  EXPECT_TRUE(t.Writers().empty());
}

}  // namespace
}  // namespace opendfs::mountfs
