#include "mount/fuse/kernel_names.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace opendfs::mountfs {
namespace {

using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

TEST(KernelNames, NamesOfTheLockedFilesDirectory) {
  KernelNames k;
  k.Record(10, "db", 100);
  k.Record(10, "db-journal", 101);
  k.Record(10, "db-wal", 0);  // negative entry: still a cached name
  k.Record(20, "other", 200);
  EXPECT_THAT(k.NamesNear(100), UnorderedElementsAre(Pair(10, "db"), Pair(10, "db-journal"),
                                                     Pair(10, "db-wal")));
  EXPECT_THAT(k.NamesNear(200), UnorderedElementsAre(Pair(20, "other")));
  EXPECT_THAT(k.NamesNear(999), IsEmpty());
}

TEST(KernelNames, RecordingTwiceKeepsOneName) {
  KernelNames k;
  k.Record(10, "db-journal", 101);
  k.Record(10, "db-journal", 0);
  k.Record(10, "db-journal", 102);
  EXPECT_EQ(k.names_in(10), 1u);
}

TEST(KernelNames, HardLinksCoverEveryDirectory) {
  KernelNames k;
  k.Record(10, "a", 100);
  k.Record(11, "b", 100);
  k.Record(11, "c", 0);
  EXPECT_THAT(k.NamesNear(100),
              UnorderedElementsAre(Pair(10, "a"), Pair(11, "b"), Pair(11, "c")));
}

TEST(KernelNames, BoundedInAllOldestFirst) {
  KernelNames k;
  for (size_t i = 0; i < KernelNames::kMaxNames + 5; ++i)
    k.Record(10 + i % 3, "f" + std::to_string(i), 0);
  EXPECT_EQ(k.size(), KernelNames::kMaxNames);
  for (const auto& [dir, name] : k.NamesIn(10)) EXPECT_NE(name, "f0");
  EXPECT_EQ(k.names_in(10) + k.names_in(11) + k.names_in(12), KernelNames::kMaxNames);
}

TEST(KernelNames, ForgettingAndRecordingAgainStaysBounded) {
  KernelNames k;
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 1000; ++i) k.Record(100, "n" + std::to_string(i), 0);
    k.Forgotten(100);
  }
  EXPECT_EQ(k.size(), 0u);
  k.Record(100, "last", 0);
  EXPECT_THAT(k.NamesIn(100), UnorderedElementsAre(Pair(100, "last")));
}

TEST(KernelNames, NamesInOneDirectoryAndTakeAll) {
  KernelNames k;
  k.Record(10, "a", 100);
  k.Record(10, "gone", 0);
  k.Record(20, "b", 200);
  EXPECT_THAT(k.NamesIn(10), UnorderedElementsAre(Pair(10, "a"), Pair(10, "gone")));
  EXPECT_THAT(k.TakeAll(),
              UnorderedElementsAre(Pair(10, "a"), Pair(10, "gone"), Pair(20, "b")));
  EXPECT_EQ(k.size(), 0u);
  EXPECT_THAT(k.NamesNear(100), IsEmpty());
}

TEST(KernelNames, BoundedDirectoriesPerChild) {
  KernelNames k;
  for (uint64_t d = 1; d <= KernelNames::kMaxDirsPerChild + 2; ++d) k.Record(d, "x", 100);
  EXPECT_EQ(k.NamesNear(100).size(), KernelNames::kMaxDirsPerChild);
}

TEST(KernelNames, ForgottenDropsChildAndDirectory) {
  KernelNames k;
  k.Record(10, "db", 100);
  k.Record(100, "inside", 0);
  k.Forgotten(100);
  EXPECT_THAT(k.NamesNear(100), IsEmpty());
  EXPECT_EQ(k.names_in(100), 0u);
  EXPECT_EQ(k.names_in(10), 1u);
  k.Forgotten(10);
  EXPECT_EQ(k.dirs(), 0u);
}

}  // namespace
}  // namespace opendfs::mountfs
