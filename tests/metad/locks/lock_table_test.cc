#include "metad/locks/lock_table.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace opendfs::metad::locks {
namespace {

const Owner kA{1, 0xa};
const Owner kB{2, 0xb};
const Owner kC{3, 0xc};

LockRequest Req(Owner o, LockType t, uint64_t start, uint64_t end = kToEof,
                LockKind kind = LockKind::kPosix, uint64_t inode = 7) {
  LockRequest r;
  r.inode = inode;
  r.kind = kind;
  r.range.start = start;
  r.range.end = end;
  r.range.type = t;
  r.range.owner = o;
  r.range.pid = 42;
  return r;
}

std::string Ranges(const LockTable& t, Owner o, LockKind k = LockKind::kPosix) {
  std::string s;
  for (const LockRange& l : t.LocksOf(7, k, o))
    s += fmt::format("{}{}-{} ", l.type == LockType::kRead ? 'R' : 'W', l.start,
                     l.end == kToEof ? std::string("eof") : std::to_string(l.end));
  return s;
}

TEST(LockTable, WriteConflictsWithAnyOverlapOfAnotherOwner) {
  LockTable t;
  ASSERT_TRUE(t.Set(Req(kA, LockType::kWrite, 0, 99)).ok());
  LockRange held;
  Status s = t.Set(Req(kB, LockType::kRead, 50, 60), &held);
  EXPECT_EQ(s.code(), StatusCode::LockHeld);
  EXPECT_EQ(held.owner, kA);
  EXPECT_EQ(held.pid, 42u);
  EXPECT_TRUE(t.Set(Req(kB, LockType::kWrite, 100, 200)).ok());  // disjoint
  EXPECT_EQ(t.lock_count(), 2u);
}

TEST(LockTable, ReadLocksShare) {
  LockTable t;
  ASSERT_TRUE(t.Set(Req(kA, LockType::kRead, 0)).ok());
  ASSERT_TRUE(t.Set(Req(kB, LockType::kRead, 10, 20)).ok());
  EXPECT_EQ(t.Set(Req(kC, LockType::kWrite, 15, 15)).code(), StatusCode::LockHeld);
}

TEST(LockTable, OwnLocksNeverConflictAndConvert) {
  LockTable t;
  ASSERT_TRUE(t.Set(Req(kA, LockType::kRead, 0, 99)).ok());
  ASSERT_TRUE(t.Set(Req(kA, LockType::kWrite, 40, 59)).ok());
  EXPECT_EQ(Ranges(t, kA), "R0-39 W40-59 R60-99 ");
}

TEST(LockTable, UnlockSplitsARange) {
  LockTable t;
  ASSERT_TRUE(t.Set(Req(kA, LockType::kWrite, 0)).ok());
  ASSERT_TRUE(t.Set(Req(kA, LockType::kUnlock, 10, 19)).ok());
  EXPECT_EQ(Ranges(t, kA), "W0-9 W20-eof ");
  EXPECT_TRUE(t.Set(Req(kB, LockType::kWrite, 10, 19)).ok());
  EXPECT_EQ(t.Set(Req(kB, LockType::kWrite, 9, 10)).code(), StatusCode::LockHeld);
}

TEST(LockTable, AdjacentAndOverlappingSameTypeMerge) {
  LockTable t;
  ASSERT_TRUE(t.Set(Req(kA, LockType::kRead, 0, 9)).ok());
  ASSERT_TRUE(t.Set(Req(kA, LockType::kRead, 10, 19)).ok());
  ASSERT_TRUE(t.Set(Req(kA, LockType::kRead, 15, 30)).ok());
  EXPECT_EQ(Ranges(t, kA), "R0-30 ");
  EXPECT_EQ(t.lock_count(), 1u);
  ASSERT_TRUE(t.Set(Req(kA, LockType::kWrite, 31, 40)).ok());  // adjacent, other type
  EXPECT_EQ(Ranges(t, kA), "R0-30 W31-40 ");
}

TEST(LockTable, UnlockOfNothingIsOk) {
  LockTable t;
  EXPECT_TRUE(t.Set(Req(kA, LockType::kUnlock, 0)).ok());
  EXPECT_EQ(t.lock_count(), 0u);
}

TEST(LockTable, EmptyRangeIsInvalid) {
  LockTable t;
  EXPECT_EQ(t.Set(Req(kA, LockType::kWrite, 10, 9)).code(), StatusCode::Invalid);
}

TEST(LockTable, RangeToTheLastByteDoesNotOverflow) {
  LockTable t;
  ASSERT_TRUE(t.Set(Req(kA, LockType::kWrite, UINT64_MAX - 1, UINT64_MAX)).ok());
  ASSERT_TRUE(t.Set(Req(kA, LockType::kWrite, 0, 5)).ok());
  EXPECT_EQ(t.LocksOf(7, LockKind::kPosix, kA).size(), 2u);
}

TEST(LockTable, FlockAndPosixAreSeparateNamespaces) {
  LockTable t;
  ASSERT_TRUE(t.Set(Req(kA, LockType::kWrite, 0, kToEof, LockKind::kFlock)).ok());
  EXPECT_TRUE(t.Set(Req(kB, LockType::kWrite, 0)).ok());
  EXPECT_EQ(t.Set(Req(kB, LockType::kRead, 0, kToEof, LockKind::kFlock)).code(),
            StatusCode::LockHeld);
  // A flock conversion replaces the owner's one lock.
  ASSERT_TRUE(t.Set(Req(kA, LockType::kRead, 0, kToEof, LockKind::kFlock)).ok());
  EXPECT_EQ(Ranges(t, kA, LockKind::kFlock), "R0-eof ");
  EXPECT_TRUE(t.Set(Req(kB, LockType::kRead, 0, kToEof, LockKind::kFlock)).ok());
}

TEST(LockTable, OtherFilesAreIndependent) {
  LockTable t;
  ASSERT_TRUE(t.Set(Req(kA, LockType::kWrite, 0, kToEof, LockKind::kPosix, 7)).ok());
  EXPECT_TRUE(t.Set(Req(kB, LockType::kWrite, 0, kToEof, LockKind::kPosix, 8)).ok());
}

TEST(LockTable, TestReportsTheHolderAndIgnoresOwnLocks) {
  LockTable t;
  ASSERT_TRUE(t.Set(Req(kA, LockType::kRead, 100, 199)).ok());
  EXPECT_FALSE(t.Test(Req(kB, LockType::kRead, 0)).has_value());
  auto h = t.Test(Req(kB, LockType::kWrite, 150, 150));
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->owner, kA);
  EXPECT_EQ(h->start, 100u);
  EXPECT_EQ(h->end, 199u);
  EXPECT_FALSE(t.Test(Req(kA, LockType::kWrite, 0)).has_value());
}

TEST(LockTable, ReleaseOwnerDropsOnlyThatOwnersLocksOfThatKind) {
  LockTable t;
  ASSERT_TRUE(t.Set(Req(kA, LockType::kWrite, 0, 9)).ok());
  ASSERT_TRUE(t.Set(Req(kA, LockType::kWrite, 20, 29)).ok());
  ASSERT_TRUE(t.Set(Req(kA, LockType::kWrite, 0, kToEof, LockKind::kFlock)).ok());
  ASSERT_TRUE(t.Set(Req(kB, LockType::kRead, 10, 19)).ok());
  EXPECT_EQ(t.ReleaseOwner(7, LockKind::kPosix, kA), 2u);
  EXPECT_EQ(t.lock_count(), 2u);
  EXPECT_TRUE(t.Set(Req(kC, LockType::kWrite, 0, 9)).ok());
  EXPECT_EQ(Ranges(t, kA, LockKind::kFlock), "W0-eof ");
}

TEST(LockTable, DropSessionsFreesDeadSessionsLocks) {
  LockTable t;
  ASSERT_TRUE(t.Set(Req(kA, LockType::kWrite, 0)).ok());
  ASSERT_TRUE(t.Set(Req(kB, LockType::kWrite, 0, kToEof, LockKind::kPosix, 8)).ok());
  EXPECT_EQ(t.DropSessions([](uint64_t s) { return s != kA.session; }), 1u);
  EXPECT_TRUE(t.Set(Req(kC, LockType::kWrite, 0)).ok());
  EXPECT_EQ(t.Set(Req(kC, LockType::kWrite, 0, kToEof, LockKind::kPosix, 8)).code(),
            StatusCode::LockHeld);
}

TEST(LockTable, TwoOwnersWaitingForEachOtherIsADeadlock) {
  LockTable t;
  ASSERT_TRUE(t.Set(Req(kA, LockType::kWrite, 0, 0)).ok());
  ASSERT_TRUE(t.Set(Req(kB, LockType::kWrite, 1, 1)).ok());
  EXPECT_EQ(t.SetOrWait(Req(kA, LockType::kWrite, 1, 1), 1000).code(), StatusCode::LockHeld);
  EXPECT_EQ(t.SetOrWait(Req(kB, LockType::kWrite, 0, 0), 1000).code(), StatusCode::Deadlock);
}

TEST(LockTable, ThreeOwnerCycleIsADeadlock) {
  LockTable t;
  ASSERT_TRUE(t.Set(Req(kA, LockType::kWrite, 0, 0)).ok());
  ASSERT_TRUE(t.Set(Req(kB, LockType::kWrite, 1, 1)).ok());
  ASSERT_TRUE(t.Set(Req(kC, LockType::kWrite, 2, 2)).ok());
  EXPECT_EQ(t.SetOrWait(Req(kA, LockType::kWrite, 1, 1), 0).code(), StatusCode::LockHeld);
  EXPECT_EQ(t.SetOrWait(Req(kB, LockType::kWrite, 2, 2), 0).code(), StatusCode::LockHeld);
  EXPECT_EQ(t.SetOrWait(Req(kC, LockType::kWrite, 0, 0), 0).code(), StatusCode::Deadlock);
}

TEST(LockTable, AWaitThatWasNotRetriedExpires) {
  LockTable t;
  ASSERT_TRUE(t.Set(Req(kA, LockType::kWrite, 0, 0)).ok());
  ASSERT_TRUE(t.Set(Req(kB, LockType::kWrite, 1, 1)).ok());
  EXPECT_EQ(t.SetOrWait(Req(kA, LockType::kWrite, 1, 1), 0).code(), StatusCode::LockHeld);
  // A gave up (EINTR) long ago: B waiting for A is no deadlock.
  EXPECT_EQ(t.SetOrWait(Req(kB, LockType::kWrite, 0, 0), kWaitEdgeTtlMs + 1).code(),
            StatusCode::LockHeld);
}

TEST(LockTable, AGrantedWaiterNoLongerWaits) {
  LockTable t;
  ASSERT_TRUE(t.Set(Req(kA, LockType::kWrite, 0, 0)).ok());
  ASSERT_TRUE(t.Set(Req(kB, LockType::kWrite, 1, 1)).ok());
  EXPECT_EQ(t.SetOrWait(Req(kA, LockType::kWrite, 1, 1), 0).code(), StatusCode::LockHeld);
  ASSERT_TRUE(t.Set(Req(kB, LockType::kUnlock, 1, 1)).ok());
  ASSERT_TRUE(t.SetOrWait(Req(kA, LockType::kWrite, 1, 1), 10).ok());
  ASSERT_TRUE(t.Set(Req(kA, LockType::kUnlock, 1, 1)).ok());
  EXPECT_EQ(t.SetOrWait(Req(kB, LockType::kWrite, 0, 0), 20).code(), StatusCode::LockHeld);
}

TEST(LockTable, PerFileLimitIsNoLocks) {
  LockTable t;
  for (uint64_t i = 0; i < kMaxLocksPerFile; ++i)
    ASSERT_TRUE(t.Set(Req(kA, LockType::kWrite, i * 2, i * 2)).ok());
  EXPECT_EQ(t.Set(Req(kA, LockType::kWrite, kMaxLocksPerFile * 2 + 10, kMaxLocksPerFile * 2 + 10))
                .code(),
            StatusCode::NoLocks);
  // Filling a gap merges ranges: still allowed.
  EXPECT_TRUE(t.Set(Req(kA, LockType::kWrite, 1, 1)).ok());
}

}  // namespace
}  // namespace opendfs::metad::locks
