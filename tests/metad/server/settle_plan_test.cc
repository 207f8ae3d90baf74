// PlanSettle: which replica becomes the authority of a block whose writer
// died, or whether the write is undone (DESIGN §5 step 3).
#include "metad/server/settle_plan.h"

#include <gtest/gtest.h>

#include <vector>

namespace opendfs::metad {
namespace {

using Kind = SettlePlan::Kind;

const std::string kA = "10.0.0.1:8100", kB = "10.0.0.2:8100", kC = "10.0.0.3:8100";

// An overwrite from version 4 to 5, given to A, B and C.
BlockWrite Overwrite() {
  BlockWrite w;
  w.open = true;
  w.from_version = 4;
  w.granted = {kA, kB, kC};
  return w;
}

TEST(SettlePlan, TheLongestReplicaAtTheOpenVersionIsTheAuthority) {
  std::vector<SettleReplica> r = {{kA, 5, 3000}, {kB, 5, 7000}, {kC, 4, 9000}};
  SettlePlan p = PlanSettle(Overwrite(), 5, r);
  EXPECT_EQ(p.kind, Kind::kForward);
  EXPECT_EQ(p.authority, kB);
  EXPECT_EQ(p.length, 7000u);
}

TEST(SettlePlan, TiesGoToTheSmallestAddress) {
  std::vector<SettleReplica> r = {{kC, 5, 7000}, {kA, 5, 7000}, {kB, 5, 10}};
  EXPECT_EQ(PlanSettle(Overwrite(), 5, r).authority, kA);
}

TEST(SettlePlan, CorruptAndUngrantedReplicasAreNeverTheAuthority) {
  std::vector<SettleReplica> r = {{kA, 5, 9000, /*corrupt=*/true},
                                  {"10.0.0.9:8100", 5, 9999},
                                  {kC, 5, 100}};
  SettlePlan p = PlanSettle(Overwrite(), 5, r);
  EXPECT_EQ(p.kind, Kind::kForward);
  EXPECT_EQ(p.authority, kC);
}

TEST(SettlePlan, WithoutAReplicaAtTheOpenVersionTheWriteIsUndone) {
  std::vector<SettleReplica> r = {{kA, 4, 3000}, {kB, 4, 3000}};
  SettlePlan p = PlanSettle(Overwrite(), 5, r);
  EXPECT_EQ(p.kind, Kind::kBack);
  EXPECT_TRUE(p.authority.empty());
}

TEST(SettlePlan, ANewBlockWithNothingWrittenIsUndone) {
  BlockWrite w;
  w.open = true;
  w.granted = {kA, kB};
  EXPECT_EQ(PlanSettle(w, 1, {}).kind, Kind::kBack);
}

TEST(SettlePlan, WaitsWhenNoReplicaHoldsEitherVersion) {
  // The holders are down (not listed) or only stale or corrupt ones remain:
  // undoing now could drop data a returning blockd still has.
  BlockWrite w = Overwrite();
  w.stale = {kB};
  std::vector<SettleReplica> r = {{kB, 4, 3000}, {kC, 4, 3000, /*corrupt=*/true}, {kA, 3, 10}};
  EXPECT_EQ(PlanSettle(w, 5, r).kind, Kind::kWait);
  EXPECT_EQ(PlanSettle(w, 5, {}).kind, Kind::kWait);
}

}  // namespace
}  // namespace opendfs::metad
