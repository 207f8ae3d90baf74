// paxos::ReadyDriver: the order the shipped Replicator and the simulator both
// follow for one Ready (ready_driver.h), recorded step by step.
#include "metad/paxos/ready_driver.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace opendfs::paxos {
namespace {

class Recorder final : public ReadyHost {
 public:
  bool Persist(const std::optional<HardState>& hs, const std::vector<LogEntry>& entries,
               bool sync) override {
    steps.push_back(std::string(sync ? "sync" : "write") + (hs ? "+hs" : "") +
                    (entries.empty() ? "" : "+entries"));
    return !die_in_persist;
  }
  void Send(const Message& m) override {
    steps.push_back(std::holds_alternative<Accept>(m.body) ? "send accept" : "send other");
  }
  void Apply(const std::vector<LogEntry>& c) override {
    steps.push_back("apply " + std::to_string(c.size()));
  }
  void AfterApply() override { steps.push_back("after"); }
  void ShipSnapshot(const SnapshotNeeded&) override { steps.push_back("snapshot"); }
  void RoleChanged(const SoftState&) override { steps.push_back("role"); }

  std::vector<std::string> steps;
  bool die_in_persist = false;
};

Message AcceptTo(NodeId to) { return Message{1, to, Accept{}}; }
Message AcceptedTo(NodeId to) { return Message{2, to, Accepted{}}; }

Ready LeaderReady() {
  Ready rd;
  rd.entries.push_back(LogEntry{});
  rd.hard_state = HardState{Ballot{3, 1}, 4};
  rd.messages = {AcceptedTo(2), AcceptTo(2), AcceptTo(3)};
  rd.committed.push_back(LogEntry{});
  rd.snapshots_needed.push_back(SnapshotNeeded{3, 9});
  rd.soft_state = SoftState{Role::kLeader, 1, Ballot{3, 1}};
  return rd;
}

TEST(ReadyDriver, AcceptsLeaveFirstEverythingElseAfterTheSyncedWrite) {
  Recorder h;
  ReadyDriver d;
  ASSERT_TRUE(d.Drive(LeaderReady(), h));
  EXPECT_EQ(h.steps, (std::vector<std::string>{"send accept", "send accept", "sync+hs+entries",
                                                "send other", "apply 1", "after", "snapshot",
                                                "role"}));
  EXPECT_EQ(d.persisted_promise(), (Ballot{3, 1}));
}

TEST(ReadyDriver, OnlyACommitIndexChangeIsWrittenUnsynced) {
  Recorder h;
  ReadyDriver d(Ballot{3, 1});
  Ready rd;
  rd.hard_state = HardState{Ballot{3, 1}, 7};  // same promise, commit moved
  ASSERT_TRUE(d.Drive(rd, h));
  EXPECT_EQ(h.steps, (std::vector<std::string>{"write+hs", "after"}));

  h.steps.clear();
  rd.hard_state = HardState{Ballot{4, 2}, 7};  // a new promise must be durable
  rd.messages = {AcceptedTo(2)};               // (a Promise would be; any reply waits)
  ASSERT_TRUE(d.Drive(rd, h));
  EXPECT_EQ(h.steps, (std::vector<std::string>{"sync+hs", "send other", "after"}));
}

TEST(ReadyDriver, NothingToPersistMeansNoWrite) {
  Recorder h;
  ReadyDriver d;
  Ready rd;
  rd.messages = {AcceptedTo(3)};
  ASSERT_TRUE(d.Drive(rd, h));
  EXPECT_EQ(h.steps, (std::vector<std::string>{"send other", "after"}));
}

TEST(ReadyDriver, AHostThatDiesInPersistGetsNothingMore) {
  Recorder h;
  h.die_in_persist = true;
  ReadyDriver d;
  EXPECT_FALSE(d.Drive(LeaderReady(), h));
  EXPECT_EQ(h.steps, (std::vector<std::string>{"send accept", "send accept", "sync+hs+entries"}));
  EXPECT_EQ(d.persisted_promise(), Ballot{});  // the write did not happen
}

}  // namespace
}  // namespace opendfs::paxos
