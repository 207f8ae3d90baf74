// Scripted scenarios for the Multi-Paxos core: each test drives a TestCluster
// by hand (who ticks, which messages arrive, who crashes) and checks the
// outcome the papers promise. Golden output is used where the exact message
// exchange is the point (the first election).
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/metad/paxos/test_cluster.h"

namespace opendfs::paxos::testing {
namespace {

using Strings = std::vector<std::string>;

bool IsAccept(const Message& m) { return std::holds_alternative<Accept>(m.body); }
bool IsAccepted(const Message& m) { return std::holds_alternative<Accepted>(m.body); }

TEST(PaxosScenario, FirstElectionMessageExchange) {
  TestCluster c(3);
  c.Elect(1);
  // Pre-votes for (1,1) (no state changes), phase 1 once for all slots from
  // 1, then the read-barrier no-op in slot 1 and heartbeats, all at (1,1).
  const Strings golden = {
      "1->2 PreVote b=(1,1)",
      "1->3 PreVote b=(1,1)",
      "2->1 PreVoteReply b=(1,1) granted promised=(0,0)",
      "3->1 PreVoteReply b=(1,1) granted promised=(0,0)",
      "1->2 Prepare b=(1,1) from=1",
      "1->3 Prepare b=(1,1) from=1",
      "2->1 Promise b=(1,1) commit=0 acc=[]",
      "3->1 Promise b=(1,1) commit=0 acc=[]",
      "1->2 Heartbeat b=(1,1) commit=0 sent=1200",
      "1->3 Heartbeat b=(1,1) commit=0 sent=1200",
      "1->2 Accept b=(1,1) commit=0 [1:(1,1)noop]",
      "1->3 Accept b=(1,1) commit=0 [1:(1,1)noop]",
      "2->1 HeartbeatAck b=(1,1) echo=1200",
      "3->1 HeartbeatAck b=(1,1) echo=1200",
      "2->1 Accepted b=(1,1) slots=1,",
      "3->1 Accepted b=(1,1) slots=1,",
  };
  EXPECT_EQ(c.trace(), golden);
  EXPECT_EQ(c.node(1).role(), Role::kLeader);
  EXPECT_EQ(c.node(1).commit_index(), 1u);
  EXPECT_EQ(c.node(2).leader_hint(), 1u);
  EXPECT_EQ(c.node(3).ballot(), (Ballot{1, 1}));
}

TEST(PaxosScenario, SingleLeaderCommitsInOrderEverywhere) {
  TestCluster c(3);
  c.Elect(1);
  ASSERT_EQ(c.Leaders(), std::vector<NodeId>{1});
  EXPECT_EQ(c.Propose(1, "a"), 2u);
  EXPECT_EQ(c.Propose(1, "b"), 3u);
  c.Deliver();
  EXPECT_EQ(c.node(1).commit_index(), 3u);
  c.Heartbeat(1);  // followers learn the commit index
  for (NodeId id : {1, 2, 3}) {
    EXPECT_EQ(Render(c.applied(id)), (Strings{"noop", "a", "b"})) << "node " << id;
    EXPECT_EQ(c.node(id).applied_index(), 3u);
  }
  EXPECT_TRUE(c.node(1).LeaseValid(c.now()));
  EXPECT_FALSE(c.node(2).LeaseValid(c.now()));
}

TEST(PaxosScenario, ProposeOnFollowerRedirectsAndFullWindowIsBusy) {
  TestCluster c(3);
  c.Elect(1);
  ProposeResult r = c.node(2).Propose(Value::Of("x"));
  EXPECT_EQ(r.status, ProposeStatus::kNotLeader);
  EXPECT_EQ(r.leader_hint, 1u);
  // Nobody answers: the window (8 slots in flight) fills up.
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(c.node(1).Propose(Value::Of("v" + std::to_string(i))).status, ProposeStatus::kOk);
  EXPECT_EQ(c.node(1).Propose(Value::Of("late")).status, ProposeStatus::kBusy);
  c.Deliver();  // commits free the window
  EXPECT_EQ(c.node(1).Propose(Value::Of("late")).status, ProposeStatus::kOk);
}

TEST(PaxosScenario, CompetingProposersEndWithOneLeaderAndAgreement) {
  TestCluster c(3);
  // Both time out at the same instant: ballots (1,1) and (1,2) race.
  c.Advance(1200, {1, 2});
  c.Deliver();
  c.Heartbeat(1);
  c.Heartbeat(2);
  std::vector<NodeId> leaders = c.Leaders();
  ASSERT_EQ(leaders.size(), 1u);
  const NodeId leader = leaders[0];
  EXPECT_EQ(c.node(leader).ballot(), (Ballot{1, 2}));
  const NodeId loser = leader == 1 ? 2 : 1;
  EXPECT_EQ(c.node(loser).Propose(Value::Of("x")).leader_hint, leader);
  c.Propose(leader, "x");
  c.Deliver();
  c.Heartbeat(leader);
  EXPECT_EQ(c.applied(1), c.applied(2));
  EXPECT_EQ(c.applied(2), c.applied(3));
  EXPECT_EQ(Render(c.applied(3)).back(), "x");
}

TEST(PaxosScenario, DuellingCandidatesBackOffUntilOneWins) {
  TestCluster c(5, /*seed=*/7);
  // Everybody times out; keep ticking everybody with full delivery until a
  // leader emerges. Randomised timeouts must break the tie quickly.
  int64_t elapsed = 0;
  while (c.Leaders().empty() && elapsed < 20000) {
    c.Advance(10);
    c.Deliver();
    elapsed += 10;
  }
  ASSERT_EQ(c.Leaders().size(), 1u);
  EXPECT_LT(elapsed, 5000);
}

TEST(PaxosScenario, NewLeaderReproposesAcceptedButUncommittedValue) {
  TestCluster c(3);
  c.Elect(1);
  c.Heartbeat(1);
  c.Propose(1, "x");  // slot 2
  // Only node 2 accepts, and its Accepted is lost: nobody knows x is chosen.
  c.Deliver([](const Message& m) {
    return (IsAccept(m) && m.to == 3) || (IsAccepted(m) && m.from == 2);
  });
  EXPECT_EQ(c.node(1).commit_index(), 1u);
  c.Crash(1);
  // Node 3 campaigns after node 2's lease promise to node 1 ran out.
  c.Elect(3);
  ASSERT_EQ(c.Leaders(), std::vector<NodeId>{3});
  c.Heartbeat(3);
  EXPECT_EQ(Render(c.applied(3)), (Strings{"noop", "x", "noop"}));
  EXPECT_EQ(c.applied(2), c.applied(3));
}

TEST(PaxosScenario, NewLeaderFillsGapsWithNoops) {
  TestCluster c(3);
  c.Elect(1);
  c.Heartbeat(1);
  c.Propose(1, "a");  // slot 2
  c.Propose(1, "b");  // slot 3
  c.Propose(1, "c");  // slot 4
  // Only slot 4 reaches node 2; nothing reaches node 3.
  c.Deliver([](const Message& m) {
    if (!IsAccept(m)) return false;
    const auto& a = std::get<Accept>(m.body);
    return m.to == 3 || a.entries.size() != 1 || a.entries[0].slot != 4;
  });
  c.Crash(1);
  c.Elect(3);
  c.Heartbeat(3);
  EXPECT_EQ(Render(c.applied(3)), (Strings{"noop", "noop", "noop", "c", "noop"}));
  EXPECT_EQ(c.applied(2), c.applied(3));
  // The old leader comes back, learns the chosen values, and agrees.
  c.Restart(1);
  c.Heartbeat(3);
  c.Heartbeat(3);
  EXPECT_EQ(c.applied(1), c.applied(3));
}

TEST(PaxosScenario, LaggingFollowerCatchesUpFromLeaderLog) {
  TestCluster c(3);
  c.Elect(1);
  c.Isolate(3);
  for (int i = 0; i < 10; ++i) {
    c.Propose(1, "v" + std::to_string(i));
    c.Deliver();
  }
  c.Heartbeat(1);
  EXPECT_EQ(c.node(1).commit_index(), 11u);
  EXPECT_EQ(c.node(3).commit_index(), 0u);
  c.Heal();
  c.trace().clear();
  c.Heartbeat(1);
  c.Heartbeat(1);
  c.Heartbeat(1);
  const bool asked = std::any_of(c.trace().begin(), c.trace().end(), [](const std::string& s) {
    return s.find("3->1 CatchupRequest") == 0;
  });
  EXPECT_TRUE(asked);
  EXPECT_EQ(c.node(3).commit_index(), 11u);
  EXPECT_EQ(c.applied(3), c.applied(1));
}

// Issue 15 §5: a CatchupReply whose value for a slot we know is chosen
// differs from ours (a faulty or hostile peer) is refused whole: no abort,
// nothing stored, the commit index does not move.
TEST(PaxosScenario, ContradictingCatchupReplyIsRefused) {
  TestCluster c(3);
  c.Elect(1);
  for (int i = 0; i < 3; ++i) {
    c.Propose(1, "v" + std::to_string(i));
    c.Deliver();
  }
  c.Heartbeat(1);
  const Slot commit = c.node(2).commit_index();
  ASSERT_GE(commit, 3u);
  Message m;
  m.from = 3;
  m.to = 2;
  LogEntry forged{2, Ballot{1, 3}, Value::Of("forged")};
  LogEntry beyond{commit + 1, Ballot{1, 3}, Value::Of("next")};
  m.body = CatchupReply{commit + 1, {forged, beyond}};
  c.node(2).Step(m, c.now());
  EXPECT_EQ(c.node(2).refused_catchup_replies(), 1u);
  EXPECT_EQ(c.node(2).commit_index(), commit);  // `beyond` was not taken either
  c.Heartbeat(1);
  EXPECT_EQ(c.applied(2), c.applied(1));
}

TEST(PaxosScenario, TrimmedLogMeansSnapshotNeeded) {
  TestCluster c(3);
  c.Elect(1);
  c.Isolate(3);
  for (int i = 0; i < 6; ++i) c.Propose(1, "v" + std::to_string(i));
  c.Deliver();
  c.Heartbeat(1);
  ASSERT_EQ(c.node(1).applied_index(), 7u);
  // Leader checkpoints through slot 5 and trims its log.
  c.disk(1).SaveSnapshot(5, c.applied(1));
  c.node(1).Compact(5);
  c.Heal();
  c.Heartbeat(1);
  c.Heartbeat(1);
  ASSERT_FALSE(c.snapshots_needed(1).empty());
  EXPECT_EQ(c.snapshots_needed(1)[0], (SnapshotNeeded{3, 5}));
  // The driver ships the snapshot; node 3 installs it and catches up the rest.
  ASSERT_TRUE(c.ShipSnapshot(1, 3));
  EXPECT_FALSE(c.node(3).InstallSnapshot(4));  // stale: already past it
  c.Heartbeat(1);
  c.Heartbeat(1);
  EXPECT_EQ(c.node(3).commit_index(), 7u);
  EXPECT_EQ(c.node(3).snapshot_index(), 5u);
  c.Propose(1, "after");
  c.Deliver();
  c.Heartbeat(1);
  EXPECT_EQ(c.node(3).applied_index(), 8u);
  // A restart from the snapshot plus the log reaches the same state.
  c.Crash(3);
  c.Restart(3);
  EXPECT_EQ(c.applied(3), c.applied(1));
}

TEST(PaxosScenario, LostAcceptsAreRetransmittedOnHeartbeat) {
  TestCluster c(3);
  c.Elect(1);
  c.Propose(1, "a");
  c.Deliver([](const Message& m) { return IsAccept(m); });  // all lost
  EXPECT_EQ(c.node(1).commit_index(), 1u);
  c.Heartbeat(1);
  EXPECT_EQ(c.node(1).commit_index(), 2u);
  c.Heartbeat(1);
  EXPECT_EQ(Render(c.applied(2)), (Strings{"noop", "a"}));
}

TEST(PaxosScenario, CandidateBehindSnapshotsGetsOneThenWins) {
  TestCluster c(3);
  c.Elect(1);
  c.Isolate(3);
  for (int i = 0; i < 4; ++i) {
    c.Propose(1, "v" + std::to_string(i));
    c.Deliver();
  }
  c.Heartbeat(1);
  ASSERT_EQ(c.node(2).applied_index(), 5u);
  c.disk(2).SaveSnapshot(5, c.applied(2));
  c.node(2).Compact(5);
  c.Crash(1);
  c.Heal();
  c.Elect(3);  // from_slot 1 is below node 2's snapshot: refused
  EXPECT_NE(c.node(3).role(), Role::kLeader);
  ASSERT_FALSE(c.snapshots_needed(2).empty());
  EXPECT_EQ(c.snapshots_needed(2)[0], (SnapshotNeeded{3, 5}));
  ASSERT_TRUE(c.ShipSnapshot(2, 3));
  c.Elect(3);
  ASSERT_EQ(c.node(3).role(), Role::kLeader);
  c.Heartbeat(3);
  EXPECT_EQ(Render(c.applied(3)), (Strings{"noop", "v0", "v1", "v2", "v3", "noop"}));
  EXPECT_EQ(c.applied(2), c.applied(3));
}

TEST(PaxosScenario, LeaderBehindAcceptorSnapshotStepsDown) {
  TestCluster c(3);
  c.Elect(1);
  c.Isolate(3);
  for (int i = 0; i < 4; ++i) {
    c.Propose(1, "v" + std::to_string(i));
    c.Deliver();
  }
  c.Heartbeat(1);
  c.Crash(1);
  c.Heal();
  // Node 3 wins on node 2's promise, but its Accepts to node 2 are lost
  // while node 2 checkpoints past the slots node 3 still has open.
  c.Advance(1200, {3});
  c.Deliver([](const Message& m) { return IsAccept(m); });
  ASSERT_EQ(c.node(3).role(), Role::kLeader);
  c.disk(2).SaveSnapshot(5, c.applied(2));
  c.node(2).Compact(5);
  ASSERT_LT(c.node(3).commit_index(), 5u);
  c.Heartbeat(3);  // retransmitted Accepts hit the trimmed slots
  EXPECT_NE(c.node(3).role(), Role::kLeader);
  ASSERT_FALSE(c.snapshots_needed(2).empty());
  ASSERT_TRUE(c.ShipSnapshot(2, 3));
  EXPECT_EQ(c.node(3).commit_index(), 5u);
  EXPECT_EQ(c.applied(3), c.applied(2));
}

TEST(PaxosScenario, RestartedAcceptorKeepsItsPromise) {
  TestCluster c(3);
  c.Elect(2);  // nodes 1 and 3 promise (1,2), persisted before replying
  c.Crash(3);
  c.Restart(3);
  EXPECT_EQ(c.node(3).ballot(), (Ballot{1, 2}));
  c.network().clear();
  c.node(3).Step(Message{1, 3, Prepare{Ballot{1, 1}, 1}}, c.now());
  c.Process(3);
  ASSERT_EQ(c.network().size(), 1u);
  const auto* rej = std::get_if<Reject>(&c.network().front().body);
  ASSERT_NE(rej, nullptr);
  EXPECT_EQ(rej->promised, (Ballot{1, 2}));
  EXPECT_EQ(rej->reason, RejectReason::kHigherBallot);
}

TEST(PaxosScenario, PromiseLostInCrashWasNeverSent) {
  TestCluster c(3);
  c.Advance(1200, {1});
  // Node 3 handles the Prepare but crashes before its driver took the Ready:
  // neither the promise nor the reply exist afterwards.
  c.network().clear();
  c.node(3).Step(Message{1, 3, Prepare{Ballot{1, 1}, 1}}, c.now());
  c.Crash(3);
  c.Restart(3);
  EXPECT_EQ(c.node(3).ballot(), Ballot{});
  EXPECT_TRUE(c.network().empty());
}

TEST(PaxosScenario, RestartedNodeHonoursLeaseBeforePromising) {
  TestCluster c(3);
  c.Elect(1);
  c.Crash(2);
  c.Restart(2);
  c.network().clear();
  // Within lease_timeout_ms of its restart node 2 refuses a higher ballot.
  c.node(2).Step(Message{3, 2, Prepare{Ballot{5, 3}, 2}}, c.now() + 10);
  c.Process(2);
  ASSERT_EQ(c.network().size(), 1u);
  EXPECT_EQ(std::get<Reject>(c.network().front().body).reason, RejectReason::kLeaseHeld);
  c.network().clear();
  c.node(2).Step(Message{3, 2, Prepare{Ballot{5, 3}, 2}}, c.now() + 600);
  c.Process(2);
  ASSERT_EQ(c.network().size(), 1u);
  EXPECT_TRUE(std::holds_alternative<Promise>(c.network().front().body));
}

TEST(PaxosScenario, LeaseNeedsMajorityAcksAndExpires) {
  TestCluster c(3);
  c.Elect(1);
  EXPECT_TRUE(c.node(1).LeaseValid(c.now()));
  const int64_t expiry = c.node(1).LeaseExpiryMs();
  EXPECT_EQ(expiry, c.now() + 500 - 100);
  c.Isolate(2);
  c.Isolate(3);
  c.Heartbeat(1);  // no acks arrive: the lease is not renewed
  EXPECT_EQ(c.node(1).LeaseExpiryMs(), expiry);
  EXPECT_FALSE(c.node(1).LeaseValid(expiry));
  // A follower still inside its promise refuses a rival.
  c.Heal();
  c.network().clear();
  c.node(2).Step(Message{3, 2, Prepare{Ballot{2, 3}, 2}}, c.now());
  c.Process(2);
  EXPECT_EQ(std::get<Reject>(c.network().front().body).reason, RejectReason::kLeaseHeld);
}

TEST(PaxosScenario, IsolatedLeaderStepsDown) {
  TestCluster c(3);
  c.Elect(1);
  c.Isolate(1);
  for (int i = 0; i < 30; ++i) c.Advance(50, {1});
  EXPECT_NE(c.node(1).role(), Role::kLeader);
}

TEST(PaxosScenario, IsolatedLeaderKeepsItsBallotAndRejoinsAsFollower) {
  TestCluster c(3);
  c.Elect(1);
  const Ballot b1 = c.node(1).ballot();
  c.Isolate(1);
  // 15 s cut off: it steps down and asks for pre-votes nobody answers.
  for (int i = 0; i < 300; ++i) {
    c.Advance(50, {1});
    c.Deliver();
  }
  EXPECT_EQ(c.node(1).role(), Role::kFollower);
  EXPECT_EQ(c.node(1).ballot(), b1);  // never raised while cut off
  c.Elect(2);
  ASSERT_EQ(c.Leaders(), std::vector<NodeId>{2});
  c.Heal();
  c.Heartbeat(2);  // the leader's heartbeat is above node 1's ballot: it follows
  EXPECT_EQ(c.node(1).role(), Role::kFollower);
  EXPECT_EQ(c.node(1).leader_hint(), 2u);
  EXPECT_EQ(c.Leaders(), std::vector<NodeId>{2});
}

TEST(PaxosScenario, PreVoteDeniedWhileAMajorityHearsTheLeader) {
  TestCluster c(3);
  c.Elect(1);
  const Ballot b1 = c.node(1).ballot();
  // Only the link 1<->2 is down: node 2 hears no leader and asks; node 3,
  // which hears the leader, denies, so node 2 never campaigns.
  auto cut = [](const Message& m) {
    return (m.from == 1 && m.to == 2) || (m.from == 2 && m.to == 1);
  };
  for (int i = 0; i < 100; ++i) {
    c.Advance(50, {1, 2});
    c.Deliver(cut);
  }
  EXPECT_EQ(c.Leaders(), std::vector<NodeId>{1});
  EXPECT_NE(c.node(2).role(), Role::kCandidate);
  EXPECT_EQ(c.node(2).ballot(), b1);
  EXPECT_EQ(c.node(3).ballot(), b1);
  bool asked = false;
  for (const std::string& t : c.trace())
    asked = asked || t.rfind("2->3 PreVote", 0) == 0;
  EXPECT_TRUE(asked);
}

TEST(PaxosScenario, StaleLeaderIsDemotedByHigherBallot) {
  TestCluster c(3);
  c.Elect(1);
  c.Isolate(1);
  c.Elect(2);
  ASSERT_EQ(c.node(2).role(), Role::kLeader);
  c.Propose(2, "new");
  c.Deliver();
  c.Heal();
  c.Heartbeat(2);  // node 1 sees ballot (2,2) and follows
  EXPECT_EQ(c.node(1).role(), Role::kFollower);
  EXPECT_EQ(c.node(1).leader_hint(), 2u);
  c.Heartbeat(2);
  EXPECT_EQ(c.applied(1), c.applied(2));
}

TEST(PaxosScenario, SingleNodeGroupCommitsAtOnce) {
  TestCluster c(1);
  c.Advance(1200);
  ASSERT_EQ(c.node(1).role(), Role::kLeader);
  c.Propose(1, "solo");
  EXPECT_EQ(Render(c.applied(1)), (Strings{"noop", "solo"}));
}

TEST(PaxosConfig, ValidateRejectsUnsafeTimers) {
  TestCluster c(3);
  Config ok = c.MakeConfig(1);
  EXPECT_EQ(ok.Validate(), nullptr);
  Config bad = ok;
  bad.election_timeout_ms = 100;  // would campaign inside its own lease promise
  EXPECT_NE(bad.Validate(), nullptr);
  bad = ok;
  bad.max_clock_jump_ms = 500;  // no lease left
  EXPECT_NE(bad.Validate(), nullptr);
  bad = ok;
  bad.self_id = 9;
  EXPECT_NE(bad.Validate(), nullptr);
  bad = ok;
  bad.members = {1, 2, 2};
  EXPECT_NE(bad.Validate(), nullptr);
}

}  // namespace
}  // namespace opendfs::paxos::testing
