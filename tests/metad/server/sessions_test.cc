// Sessions: block write locks live as long as their session (a KeepAlive
// renews them), so a dead client's lock goes one lease after its last
// KeepAlive and the leader can settle the block (metad/server/settle.cc).
#include "metad/server/sessions.h"

#include <gtest/gtest.h>

namespace opendfs::metad {
namespace {

constexpr int64_t kLeaseMs = 3000;

BlockLock LockOf(uint64_t session) {
  BlockLock l;
  l.session = session;
  l.inode = 7;
  l.old_version = 1;
  l.new_version = 2;
  return l;
}

TEST(Sessions, KeepAliveRenewsTheSessionsLocks) {
  Sessions s(kLeaseMs);
  const uint64_t a = s.Open("host-a", 0);
  ASSERT_TRUE(s.LockBlock(10, LockOf(a), 0).ok());
  // A write of one block longer than a lease keeps its lock while the
  // client is alive.
  for (int64_t t = 1000; t <= 10'000; t += 1000) {
    ASSERT_TRUE(s.KeepAlive(a, t).ok());
    s.Expire(t);
  }
  EXPECT_TRUE(s.FindLock(10, nullptr, 10'500));
  const uint64_t b = s.Open("host-b", 10'500);
  EXPECT_EQ(s.LockBlock(10, LockOf(b), 10'500).code(), StatusCode::LockHeld);
}

TEST(Sessions, ADeadClientsLockGoesWithItsSession) {
  Sessions s(kLeaseMs);
  const uint64_t a = s.Open("host-a", 0);
  const uint64_t b = s.Open("host-b", 0);
  ASSERT_TRUE(s.LockBlock(10, LockOf(a), 0).ok());
  ASSERT_TRUE(s.KeepAlive(b, 2000).ok());
  s.Expire(kLeaseMs);  // a sent nothing for a lease
  EXPECT_FALSE(s.FindLock(10, nullptr, kLeaseMs));
  EXPECT_TRUE(s.LockBlock(10, LockOf(b), kLeaseMs).ok());
  EXPECT_EQ(s.KeepAlive(a, kLeaseMs).code(), StatusCode::SessionExpired);
}

TEST(Sessions, ALockOfAnUnknownSessionIsDroppedAtTheNextExpire) {
  Sessions s(kLeaseMs);
  ASSERT_TRUE(s.LockBlock(10, LockOf(99), 0).ok());  // a session of another leader
  s.Expire(1);
  EXPECT_FALSE(s.FindLock(10, nullptr, 1));
  // Session 0 (no session): one lease from LockBlock.
  ASSERT_TRUE(s.LockBlock(11, LockOf(0), 0).ok());
  s.Expire(kLeaseMs - 1);
  EXPECT_TRUE(s.FindLock(11, nullptr, kLeaseMs - 1));
  s.Expire(kLeaseMs);
  EXPECT_FALSE(s.FindLock(11, nullptr, kLeaseMs));
}

}  // namespace
}  // namespace opendfs::metad

namespace opendfs::metad {
namespace {

// ftruncate is authorised by a handle opened for writing (issue 12 item 2).
TEST(Sessions, WritableHandleIsKnownByInode) {
  Sessions s(kLeaseMs);
  const uint64_t a = s.Open("host-a", 0);
  const uint64_t ro = s.AddHandle(a, 7, false);
  const uint64_t rw = s.AddHandle(a, 7, true);
  EXPECT_FALSE(s.IsWritableHandle(ro, 7));
  EXPECT_TRUE(s.IsWritableHandle(rw, 7));
  EXPECT_FALSE(s.IsWritableHandle(rw, 8));  // another inode's
  EXPECT_FALSE(s.IsWritableHandle(999, 7));
  s.ReleaseHandle(rw, 7);
  EXPECT_FALSE(s.IsWritableHandle(rw, 7));
}

// A metad leading again after others led forgets what it knew: its mounts
// must open new sessions and re-assert their locks (lock_handlers.cc).
TEST(Sessions, ForgetAllLeavesNoSessionHandleOrLock) {
  Sessions s(kLeaseMs);
  const uint64_t a = s.Open("host-a", 0);
  const uint64_t h = s.AddHandle(a, 7, true);
  ASSERT_TRUE(s.LockBlock(10, LockOf(a), 0).ok());
  EXPECT_EQ(s.ForgetAll(), 1u);
  EXPECT_EQ(s.session_count(), 0u);
  EXPECT_FALSE(s.Alive(a, 1));
  EXPECT_EQ(s.KeepAlive(a, 1).code(), StatusCode::SessionExpired);
  EXPECT_FALSE(s.IsOpen(7));
  EXPECT_FALSE(s.IsWritableHandle(h, 7));
  EXPECT_FALSE(s.FindLock(10, nullptr, 1));
  EXPECT_TRUE(s.Expire(1).empty());  // nothing left to purge
  EXPECT_EQ(s.ForgetAll(), 0u);
}

}  // namespace
}  // namespace opendfs::metad
