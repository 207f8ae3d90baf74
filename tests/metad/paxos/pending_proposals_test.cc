// PendingProposals (metad/paxos/pending_proposals.h) on a scripted cluster:
// committed proposals come back once, a leader that stops leading hands back
// exactly those above its commit index, a leader hands back nothing.
#include "metad/paxos/pending_proposals.h"

#include <gtest/gtest.h>

#include "tests/metad/paxos/test_cluster.h"

namespace opendfs::paxos::testing {
namespace {

TEST(PendingProposals, CommittedComesBackOnceAndOnlyThere) {
  PendingProposals<int> p;
  p.Add(4, 40);
  p.Add(5, 50);
  EXPECT_EQ(p.TakeCommitted(3), std::nullopt);
  EXPECT_EQ(p.TakeCommitted(4), 40);
  EXPECT_EQ(p.TakeCommitted(4), std::nullopt);
  EXPECT_EQ(p.size(), 1u);
  auto all = p.TakeAll();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0], (std::pair<Slot, int>{5, 50}));
  EXPECT_TRUE(p.empty());
}

TEST(PendingProposals, LeaderKeepsItsOpenProposals) {
  TestCluster c(3);
  c.Elect(1);
  PendingProposals<int> p;
  c.Isolate(1);  // nothing it proposes can commit
  p.Add(c.Propose(1, "a"), 1);
  EXPECT_TRUE(p.TakeLost(c.node(1)).empty());
  EXPECT_EQ(p.size(), 1u);
}

TEST(PendingProposals, SteppedDownLeaderHandsBackWhatItCannotAnswer) {
  TestCluster c(3);
  c.Elect(1);
  PendingProposals<int> p;
  const Slot committed = c.Propose(1, "a");
  p.Add(committed, 1);
  c.Deliver();  // chosen: stays with the driver, answered from `committed`
  c.Isolate(1);
  const Slot open1 = c.Propose(1, "b");
  const Slot open2 = c.Propose(1, "c");
  p.Add(open1, 2);
  p.Add(open2, 3);
  for (int i = 0; i < 30 && c.node(1).role() == Role::kLeader; ++i) c.Advance(50, {1});
  ASSERT_NE(c.node(1).role(), Role::kLeader);
  ASSERT_GE(c.node(1).commit_index(), committed);
  auto lost = p.TakeLost(c.node(1));
  ASSERT_EQ(lost.size(), 2u);
  EXPECT_EQ(lost[0], (std::pair<Slot, int>{open1, 2}));
  EXPECT_EQ(lost[1], (std::pair<Slot, int>{open2, 3}));
  EXPECT_EQ(p.TakeCommitted(committed), 1);  // still answered as committed
  EXPECT_TRUE(p.TakeLost(c.node(1)).empty());
}

}  // namespace
}  // namespace opendfs::paxos::testing
