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

TEST(KernelNames, NamesInOneDirectoryForDirNames) {
  KernelNames k;
  k.Record(10, "a", 100);
  k.Record(10, "gone", 0);
  k.Record(20, "b", 200);
  EXPECT_THAT(k.NamesIn(10), UnorderedElementsAre("a", "gone"));
  EXPECT_THAT(k.NamesIn(30), IsEmpty());
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

TEST(KernelNames, BoundedPerDirectoryOldestFirst) {
  KernelNames k;
  for (size_t i = 0; i < KernelNames::kMaxNamesPerDir + 5; ++i)
    k.Record(10, "f" + std::to_string(i), 1000 + i);
  EXPECT_EQ(k.names_in(10), KernelNames::kMaxNamesPerDir);
  auto near = k.NamesNear(1000);
  EXPECT_EQ(near.size(), KernelNames::kMaxNamesPerDir);
  for (const auto& [dir, name] : near) EXPECT_NE(name, "f0");
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
