#include "metad/server/cache_interest.h"

#include <gtest/gtest.h>

namespace opendfs::metad {
namespace {

TEST(CacheInterestTest, OnlyWhatASessionAddedIsInteresting) {
  CacheInterest ci(10);
  EXPECT_TRUE(ci.Add(1, 100));
  EXPECT_TRUE(ci.Add(1, 100));  // twice: one entry
  EXPECT_TRUE(ci.Add(2, 200));
  EXPECT_TRUE(ci.Interested(1, 100));
  EXPECT_FALSE(ci.Interested(1, 200));
  EXPECT_FALSE(ci.Interested(2, 100));
  EXPECT_FALSE(ci.Interested(3, 100));  // unknown session
  EXPECT_EQ(ci.size(1), 1u);
  ci.Remove(1);
  EXPECT_FALSE(ci.Interested(1, 100));
  EXPECT_TRUE(ci.Interested(2, 200));
}

TEST(CacheInterestTest, OverflowClearsTheSetAndSaysSo) {
  CacheInterest ci(3);
  EXPECT_TRUE(ci.Add(1, 1));
  EXPECT_TRUE(ci.Add(1, 2));
  EXPECT_TRUE(ci.Add(1, 3));
  EXPECT_TRUE(ci.Add(1, 3));   // already there: no overflow
  EXPECT_FALSE(ci.Add(1, 4));  // a fourth: the caller must reset the mount
  EXPECT_EQ(ci.size(1), 0u);
  EXPECT_FALSE(ci.Interested(1, 1));
  EXPECT_TRUE(ci.Add(2, 9));  // other sessions have their own bound
}

TEST(CacheInterestTest, AllModeCoversEverythingAndKeepsWhatIsAddedMeanwhile) {
  CacheInterest ci(10);
  ci.Add(1, 5);
  ci.SetAll(1, true);  // a reset is on its way
  EXPECT_TRUE(ci.Interested(1, 5));
  EXPECT_TRUE(ci.Interested(1, 12345));
  EXPECT_EQ(ci.size(1), 0u);  // what was cached before goes with the reset
  ci.Add(1, 7);               // cached after the mount dropped its caches
  ci.SetAll(1, false);        // the reset was applied
  EXPECT_TRUE(ci.Interested(1, 7));
  EXPECT_FALSE(ci.Interested(1, 5));
  EXPECT_FALSE(ci.Interested(1, 12345));
  ci.Clear();
  EXPECT_FALSE(ci.Interested(1, 7));
}

}  // namespace
}  // namespace opendfs::metad
