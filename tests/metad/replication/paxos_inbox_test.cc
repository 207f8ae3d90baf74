#include "metad/replication/paxos_inbox.h"

#include <gtest/gtest.h>

namespace opendfs::replication {
namespace {

paxos::Message Beat(paxos::NodeId from, int64_t sent_ms) {
  paxos::Message m;
  m.from = from;
  m.body = paxos::Heartbeat{paxos::Ballot{}, 0, sent_ms};
  return m;
}

TEST(PaxosInbox, TakesEverythingInOrder) {
  PaxosInbox in(10, 1000);
  ASSERT_TRUE(in.Push(Beat(1, 5), 10));
  ASSERT_TRUE(in.Push(Beat(2, 6), 10));
  EXPECT_EQ(in.size(), 2u);
  EXPECT_EQ(in.bytes(), 20u);
  std::vector<paxos::Message> out = {Beat(3, 0)};  // emptied first
  EXPECT_EQ(in.TakeAll(out), 0u);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].from, 1u);
  EXPECT_EQ(std::get<paxos::Heartbeat>(out[1].body).sent_ms, 6);
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(in.bytes(), 0u);
}

TEST(PaxosInbox, DropsPastEitherBoundAndCountsUntilTheNextTake) {
  PaxosInbox by_count(2, 1 << 20);
  EXPECT_TRUE(by_count.Push(Beat(1, 1), 1));
  EXPECT_TRUE(by_count.Push(Beat(1, 2), 1));
  EXPECT_FALSE(by_count.Push(Beat(1, 3), 1));
  EXPECT_FALSE(by_count.Push(Beat(1, 4), 1));
  std::vector<paxos::Message> out;
  EXPECT_EQ(by_count.TakeAll(out), 2u);
  EXPECT_EQ(out.size(), 2u);
  EXPECT_TRUE(by_count.Push(Beat(1, 5), 1));  // room again after the take
  EXPECT_EQ(by_count.TakeAll(out), 0u);       // drops reported once

  PaxosInbox by_bytes(100, 100);
  EXPECT_TRUE(by_bytes.Push(Beat(1, 1), 60));
  EXPECT_FALSE(by_bytes.Push(Beat(1, 2), 41));  // 101 > 100
  EXPECT_TRUE(by_bytes.Push(Beat(1, 3), 40));   // exactly 100 fits
  EXPECT_EQ(by_bytes.TakeAll(out), 1u);
  EXPECT_EQ(out.size(), 2u);
}

}  // namespace
}  // namespace opendfs::replication
