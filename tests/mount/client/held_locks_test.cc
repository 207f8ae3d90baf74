#include "mount/client/held_locks.h"

#include <gtest/gtest.h>

namespace opendfs::client {
namespace {

LockArgs L(uint8_t type, uint64_t start, uint64_t end = INT64_MAX, uint8_t kind = 0) {
  LockArgs a;
  a.kind = kind;
  a.type = type;
  a.start = start;
  a.end = end;
  return a;
}

TEST(HeldLocks, SplitsAndMergesLikeMetad) {
  HeldLocks h;
  h.Apply(5, 1, L(1, 0, 99));
  h.Apply(5, 1, L(2, 10, 19));  // unlock the middle
  auto s = h.Snapshot();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].lock.end, 9u);
  EXPECT_EQ(s[1].lock.start, 20u);
  h.Apply(5, 1, L(1, 10, 19));  // fill it again: one range
  s = h.Snapshot();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].lock.start, 0u);
  EXPECT_EQ(s[0].lock.end, 99u);
}

TEST(HeldLocks, UnlockingEverythingForgetsTheOwner) {
  HeldLocks h;
  h.Apply(5, 1, L(0, 0));
  EXPECT_TRUE(h.Holds(5, 1, 0));
  EXPECT_FALSE(h.Holds(5, 1, 1));  // flock is another kind
  h.Apply(5, 1, L(2, 0));
  EXPECT_FALSE(h.Holds(5, 1, 0));
  EXPECT_EQ(h.size(), 0u);
}

TEST(HeldLocks, ForgetDropsOneOwnerAndKind) {
  HeldLocks h;
  h.Apply(5, 1, L(1, 0, INT64_MAX, 1));
  h.Apply(5, 1, L(1, 0, 9));
  h.Apply(5, 2, L(1, 10, 19));
  EXPECT_TRUE(h.Forget(5, 1, 0));
  EXPECT_FALSE(h.Forget(5, 1, 0));
  EXPECT_EQ(h.size(), 2u);
}

}  // namespace
}  // namespace opendfs::client
