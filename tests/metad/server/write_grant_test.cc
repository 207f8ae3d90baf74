// PlanWriteGrant: every branch of the WriteBlock decision, from the state
// the handler read (no server, no network).
#include "metad/server/write_grant.h"

#include <gtest/gtest.h>

namespace opendfs::metad {
namespace {

using Kind = WriteGrantPlan::Kind;

WriteGrantInput Existing(BlockInfo b, uint64_t session = 9) {
  WriteGrantInput in;
  in.ino = 42;
  in.session = session;
  in.existing = b;
  return in;
}

BlockLock LockOf(uint64_t session, uint32_t new_version) {
  BlockLock l;
  l.session = session;
  l.inode = 42;
  l.old_version = new_version - 1;
  l.new_version = new_version;
  l.replicas = {"10.0.0.1:8100"};
  return l;
}

TEST(WriteGrant, EmptyIndexGetsANewTaggedBlock) {
  WriteGrantPlan p = PlanWriteGrant(Existing({}));
  EXPECT_EQ(p.kind, Kind::kNewBlock);
  EXPECT_TRUE(p.tag);
}

TEST(WriteGrant, UnlockedBlockMovesPastEveryBurnedVersion) {
  WriteGrantInput in = Existing({7, 3, 100});
  EXPECT_EQ(PlanWriteGrant(in).new_version, 4u);
  in.write.burned_version = 5;  // a settled-back write used 4 and 5
  WriteGrantPlan p = PlanWriteGrant(in);
  EXPECT_EQ(p.kind, Kind::kNextVersion);
  EXPECT_EQ(p.new_version, 6u);
}

TEST(WriteGrant, SameSessionKeepsItsLock) {
  WriteGrantInput in = Existing({7, 4, 100});
  in.held = LockOf(9, 4);
  WriteGrantPlan p = PlanWriteGrant(in);
  ASSERT_EQ(p.kind, Kind::kRenew);
  EXPECT_EQ(p.renew.new_version, 4u);
  EXPECT_EQ(p.renew.replicas, in.held->replicas);
}

TEST(WriteGrant, AnotherSessionsLockIsLockHeld) {
  WriteGrantInput in = Existing({7, 4, 100});
  in.held = LockOf(11, 4);
  WriteGrantPlan p = PlanWriteGrant(in);
  EXPECT_EQ(p.kind, Kind::kFail);
  EXPECT_EQ(p.failure.code(), StatusCode::LockHeld);
  EXPECT_NE(p.failure.message().find("session 11"), std::string::npos) << p.failure.ToString();
}

TEST(WriteGrant, UnsettledWriteWithoutLockIsLockHeld) {
  WriteGrantInput in = Existing({7, 4, 100});
  in.write.open = true;
  in.write.from_version = 3;
  WriteGrantPlan p = PlanWriteGrant(in);
  EXPECT_EQ(p.kind, Kind::kFail);
  EXPECT_EQ(p.failure.code(), StatusCode::LockHeld);
}

TEST(WriteGrant, RetryOfAFailedRequestFailsTheSameWay) {
  WriteGrantInput in = Existing({});
  in.done = StoredResult{5, StatusCode::NoSpace, "no room", 0};
  WriteGrantPlan p = PlanWriteGrant(in);
  EXPECT_EQ(p.kind, Kind::kFail);
  EXPECT_EQ(p.failure.code(), StatusCode::NoSpace);
  EXPECT_EQ(p.failure.message(), "no room");
}

TEST(WriteGrant, RetryWhileItsWriteIsOpenGetsThatWrite) {
  WriteGrantInput in = Existing({77, 1, 0});
  in.write.open = true;
  in.write.from_version = 0;
  in.write.granted = {"10.0.0.1:8100", "10.0.0.2:8100"};
  in.done = StoredResult{5, StatusCode::Ok, "", 42};
  WriteGrantPlan p = PlanWriteGrant(in);
  ASSERT_EQ(p.kind, Kind::kRetried);
  EXPECT_TRUE(p.retried.new_block);
  EXPECT_EQ(p.retried.block.id, 77u);
  EXPECT_EQ(p.retried.replicas, in.write.granted);
}

TEST(WriteGrant, RetryAfterItsWriteWasSettledIsAFreshUntaggedGrant) {
  WriteGrantInput in = Existing({77, 2, 4096});
  in.done = StoredResult{5, StatusCode::Ok, "", 42};
  WriteGrantPlan p = PlanWriteGrant(in);
  EXPECT_EQ(p.kind, Kind::kNextVersion);
  EXPECT_EQ(p.new_version, 3u);
  EXPECT_FALSE(p.tag);  // the request table already holds this request id
}

}  // namespace
}  // namespace opendfs::metad
