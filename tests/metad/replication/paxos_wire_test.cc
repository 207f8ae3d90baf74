// paxos_wire decode as a gate for untrusted peer bytes (issue 15 §4): a
// ballot round above 2^62 anywhere in a message (its own ballot, a promised
// ballot, an entry's ballot) is refused; 2^62 itself still decodes.
#include "metad/replication/paxos_wire.h"

#include <gtest/gtest.h>

namespace opendfs::replication {
namespace {

constexpr uint64_t kMax = 1ull << 62;

std::optional<paxos::Message> RoundTrip(paxos::MessageBody body) {
  paxos::Message m;
  m.from = 2;
  m.to = 1;
  m.body = std::move(body);
  flatbuffers::FlatBufferBuilder b;
  uint16_t method = EncodeMessage(m, b);
  return DecodeMessage(method, b.GetBufferPointer(), 1);
}

TEST(PaxosWireTest, BallotRoundAboveTwoToThe62IsRefused) {
  EXPECT_TRUE(RoundTrip(paxos::Prepare{paxos::Ballot{kMax, 2}, 1}).has_value());
  EXPECT_FALSE(RoundTrip(paxos::Prepare{paxos::Ballot{kMax + 1, 2}, 1}).has_value());
  EXPECT_FALSE(RoundTrip(paxos::Prepare{paxos::Ballot{UINT64_MAX, 2}, 1}).has_value());
  EXPECT_FALSE(RoundTrip(paxos::PreVoteReply{paxos::Ballot{1, 2}, false,
                                             paxos::Ballot{UINT64_MAX, 3}})
                   .has_value());
  paxos::LogEntry e{1, paxos::Ballot{UINT64_MAX, 2}, paxos::Value::Of("x")};
  EXPECT_FALSE(RoundTrip(paxos::CatchupReply{1, {e}}).has_value());
  e.ballot.round = 5;
  EXPECT_TRUE(RoundTrip(paxos::CatchupReply{1, {e}}).has_value());
}

}  // namespace
}  // namespace opendfs::replication
