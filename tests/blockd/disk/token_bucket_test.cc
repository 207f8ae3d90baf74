#include "blockd/disk/token_bucket.h"

#include <gtest/gtest.h>

namespace opendfs::disk {
namespace {

constexpr uint64_t kSec = 1'000'000'000;

TEST(TokenBucket, BurstIsFreeThenRateApplies) {
  TokenBucket b(1000, 500, 0);  // 1000 B/s, burst 500
  EXPECT_EQ(b.Take(500, 0), 0u);
  EXPECT_EQ(b.Take(100, 0), kSec / 10);  // 100 B of debt at 1000 B/s
}

TEST(TokenBucket, RefillsWithTimeUpToBurst) {
  TokenBucket b(1000, 500, 0);
  EXPECT_EQ(b.Take(500, 0), 0u);
  EXPECT_EQ(b.Take(250, kSec / 4), 0u);  // 250 B refilled
  EXPECT_EQ(b.Take(500, 100 * kSec), 0u);  // capped at 500, not 100'000
  EXPECT_GT(b.Take(1, 100 * kSec), 0u);
}

TEST(TokenBucket, LongRunAverageIsTheRate) {
  TokenBucket b(1 << 20, 64 << 10, 0);
  uint64_t now = 0;
  const uint64_t total = 100 << 20;
  for (uint64_t done = 0; done < total; done += 1 << 20) now += b.Take(1 << 20, now);
  // 100 MiB at 1 MiB/s minus the initial burst: ~100 s of (fake) time.
  EXPECT_GE(now, 99 * kSec);
  EXPECT_LE(now, 100 * kSec);
}

TEST(TokenBucket, ClockGoingBackwardsGrantsNothingExtra) {
  TokenBucket b(1000, 100, 10 * kSec);
  EXPECT_EQ(b.Take(100, 10 * kSec), 0u);
  EXPECT_EQ(b.Take(100, 5 * kSec), kSec / 10);
}

}  // namespace
}  // namespace opendfs::disk
