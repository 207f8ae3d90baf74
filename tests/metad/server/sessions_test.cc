// Sessions: block write locks — one writer per block, the lease, and
// KeepAlive renewing a live writer's locks.
#include <gtest/gtest.h>

#include "metad/server/sessions.h"

namespace opendfs::metad {
namespace {

TEST(Sessions, OneWriterPerBlockUntilTheLeaseRunsOut) {
  Sessions s(1000);
  uint64_t a = s.Open("a", 0), b = s.Open("b", 0);
  BlockLock la;
  la.session = a;
  ASSERT_TRUE(s.LockBlock(7, la, 0).ok());
  BlockLock lb;
  lb.session = b;
  EXPECT_EQ(s.LockBlock(7, lb, 500).code(), StatusCode::LockHeld);
  EXPECT_TRUE(s.LockBlock(7, la, 500).ok());  // the holder may lock again
  EXPECT_TRUE(s.FindLock(7, nullptr, 1499));
  EXPECT_FALSE(s.FindLock(7, nullptr, 1500));
  EXPECT_TRUE(s.LockBlock(7, lb, 1500).ok());
}

TEST(Sessions, KeepAliveRenewsTheSessionsLocks) {
  Sessions s(1000);
  uint64_t a = s.Open("a", 0), b = s.Open("b", 0);
  BlockLock la;
  la.session = a;
  ASSERT_TRUE(s.LockBlock(1, la, 0).ok());
  ASSERT_TRUE(s.LockBlock(2, la, 0).ok());
  BlockLock lb;
  lb.session = b;
  ASSERT_TRUE(s.LockBlock(3, lb, 0).ok());
  ASSERT_TRUE(s.KeepAlive(a, 900).ok());
  EXPECT_TRUE(s.FindLock(1, nullptr, 1800));
  EXPECT_TRUE(s.FindLock(2, nullptr, 1800));
  EXPECT_FALSE(s.FindLock(3, nullptr, 1800));  // b did not renew
  EXPECT_EQ(s.LockBlock(1, lb, 1800).code(), StatusCode::LockHeld);
  s.UnlockBlock(1, a);
  EXPECT_TRUE(s.LockBlock(1, lb, 1800).ok());
}

}  // namespace
}  // namespace opendfs::metad
