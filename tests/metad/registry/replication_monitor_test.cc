// Tests of the replication monitor, driven through BlockdManager (which owns
// it and feeds it report and death events). Deterministic: seeded RNG, time
// passed in.
#include "metad/registry/replication_monitor.h"

#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "metad/registry/blockd_manager.h"

namespace opendfs::metad {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Kind = ReplicationAction::Kind;
using Reason = ReplicationAction::Reason;

class FakeCatalog : public BlockCatalog {
 public:
  std::optional<uint64_t> CommittedVersion(BlockId block) const override {
    auto it = versions.find(block);
    if (it == versions.end()) return std::nullopt;
    return it->second;
  }
  uint8_t ReplicationGoal(BlockId block) const override {
    auto it = goals.find(block);
    return it == goals.end() ? kDefaultReplicationGoal : it->second;
  }
  ReplicaVerdict Judge(BlockId block, uint64_t version, BlockdId blockd) const override {
    ReplicaVerdict v = BlockCatalog::Judge(block, version, blockd);
    if (v == ReplicaVerdict::kGood && stale.contains({block, blockd})) return ReplicaVerdict::kStale;
    return v;
  }
  std::vector<BlockdId> StaleBlockds(BlockId block) const override {
    std::vector<BlockdId> out;
    for (const auto& [b, id] : stale)
      if (b == block) out.push_back(id);
    return out;
  }
  std::map<BlockId, uint64_t> versions;
  std::map<BlockId, uint8_t> goals;
  std::set<std::pair<BlockId, BlockdId>> stale;  // left out of an acknowledged set
};

constexpr uint64_t kVersion = 4;
constexpr uint64_t kLength = 1000;

ReportedReplica R(BlockId id) { return ReportedReplica{id, kVersion, kLength}; }

class MonitorTest : public ::testing::Test {
 protected:
  static BlockdManagerOptions Options(uint32_t max_copies, int64_t grace_ms = 0) {
    BlockdManagerOptions o;
    o.registry.dn_timeout_ms = 10'000;
    o.placement.reserve_bytes = 0;
    o.monitor.max_copies_per_blockd = max_copies;
    o.monitor.copy_timeout_ms = 5'000;
    o.monitor.deletion_timeout_ms = 5'000;
    o.monitor.report_grace_ms = grace_ms;
    return o;
  }

  explicit MonitorTest(uint32_t max_copies = 2, int64_t grace_ms = 0)
      : manager_(&topology_, &catalog_, Options(max_copies, grace_ms)) {
    for (BlockId b = 1; b <= 20; ++b) catalog_.versions[b] = kVersion;
  }

  // Registers `uuid` at `host`:9000 and sends its full report.
  BlockdId Add(const std::string& uuid, const std::string& host,
               std::vector<ReportedReplica> blocks = {}, bool report = true) {
    RegisterRequest r;
    r.uuid = uuid;
    r.data_address = host + ":9000";
    r.stats.capacity_bytes = 1ull << 40;
    auto res = manager_.Register(r, now_ms_);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    if (!res.ok()) return kNoBlockd;
    ids_[uuid] = res->id;
    if (report) {
      auto out = manager_.FullReport(uuid, 1, 0, 1, blocks, now_ms_);
      EXPECT_TRUE(out.ok()) << out.status().ToString();
    }
    return res->id;
  }
  void Report(const std::string& uuid, std::vector<ReportedReplica> added,
              std::vector<ReportedReplica> removed = {},
              std::vector<ReportedReplica> corrupt = {}) {
    auto out = manager_.IncrementalReport(uuid, added, removed, corrupt);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
  }
  std::vector<ReplicationAction> Scan(size_t max_commands = 100) {
    return manager_.MonitorReplication(now_ms_, max_commands, rng_);
  }
  std::string UuidOf(BlockdId id) const {
    for (const auto& [uuid, i] : ids_)
      if (i == id) return uuid;
    return "";
  }
  // Drains the commands queued for `id`.
  std::vector<BlockdCommand> Commands(BlockdId id) {
    HeartbeatResult hb = manager_.Heartbeat(id, UuidOf(id), BlockdStats{1ull << 40}, now_ms_);
    EXPECT_FALSE(hb.reregister);
    return hb.commands;
  }
  // The target of every copy lands: it reports the replica.
  void Land(const std::vector<ReplicationAction>& actions) {
    for (const ReplicationAction& a : actions)
      if (a.kind == Kind::kCopy) Report(UuidOf(a.target), {R(a.block)});
  }
  // Every delete is carried out and reported.
  void Execute(const std::vector<ReplicationAction>& actions) {
    for (const ReplicationAction& a : actions)
      if (a.kind == Kind::kDelete) Report(UuidOf(a.blockd), {}, {R(a.block)});
  }
  std::set<BlockdId> Holders(BlockId block, bool good_only = true) const {
    std::set<BlockdId> out;
    for (const Replica& r : manager_.block_map().Replicas(block))
      if (!good_only || !r.corrupt) out.insert(r.blockd);
    return out;
  }
  // The next Scan issues exactly one action, of `kind`.
  ReplicationAction ScanOne(Kind kind) {
    std::vector<ReplicationAction> a = Scan();
    EXPECT_EQ(a.size(), 1u);
    if (a.size() != 1) return {};
    EXPECT_EQ(a[0].kind, kind);
    return a[0];
  }
  // A bad (corrupt or stale) replica on `bad` with room on `spare`: a good
  // copy goes to `spare` first (never from `bad`), then `bad` is deleted.
  void ExpectCopiedThenDeleted(BlockdId bad, BlockdId spare) {
    ReplicationAction copy = ScanOne(Kind::kCopy);
    EXPECT_EQ(copy.target, spare);
    EXPECT_NE(copy.blockd, bad);
    EXPECT_EQ(counters().corrupt, 1u);
    EXPECT_EQ(manager_.monitor().CorruptBlocks(10).size(), 1u);
    Land({copy});
    ReplicationAction del = ScanOne(Kind::kDelete);
    EXPECT_EQ(del.reason, Reason::kCorrupt);
    EXPECT_EQ(del.blockd, bad);
    Execute({del});
    EXPECT_THAT(Scan(), IsEmpty());
    EXPECT_EQ(counters().corrupt, 0u);
    EXPECT_THAT(manager_.monitor().CorruptBlocks(10), IsEmpty());
  }
  std::string RackOf(BlockdId id) const { return manager_.registry().Find(id)->rack; }
  const ReplicationCounters& counters() const { return manager_.monitor().counters(); }

  Topology topology_ =
      Topology::Parse("10.0.1.0/24=/r1, 10.0.2.0/24=/r2, 10.0.3.0/24=/r3").value();
  FakeCatalog catalog_;
  BlockdManager manager_;
  SplitMix64 rng_{42};
  std::map<std::string, BlockdId> ids_;
  int64_t now_ms_ = 1'000;
};

TEST_F(MonitorTest, LostReplicaIsCopiedToAPlacementValidTarget) {
  BlockdId a1 = Add("a1", "10.0.1.1", {R(1)});
  Add("a2", "10.0.1.2");
  BlockdId b1 = Add("b1", "10.0.2.1", {R(1)});
  BlockdId b2 = Add("b2", "10.0.2.2");
  Add("c1", "10.0.3.1", {R(1)});
  EXPECT_THAT(Scan(), IsEmpty());
  // c1 stops heartbeating and is declared dead.
  now_ms_ = 9'000;
  for (const char* u : {"a1", "a2", "b1", "b2"}) Commands(ids_[u]);
  now_ms_ = 11'001;
  TickOutcome t = manager_.Tick(now_ms_);
  ASSERT_EQ(t.died, std::vector<BlockdId>{ids_["c1"]});

  std::vector<ReplicationAction> actions = Scan();
  ASSERT_EQ(actions.size(), 1u);
  const ReplicationAction& copy = actions[0];
  EXPECT_EQ(copy.kind, Kind::kCopy);
  EXPECT_EQ(copy.block, 1u);
  EXPECT_EQ(copy.version, kVersion);
  EXPECT_TRUE(copy.blockd == a1 || copy.blockd == b1);
  // With racks r1 and r2 left, the third replica goes to the second's rack
  // (r2), on a blockd that does not hold it: b2.
  EXPECT_EQ(copy.target, b2);
  EXPECT_EQ(counters().under_replicated, 1u);
  EXPECT_THAT(manager_.monitor().UnderReplicatedBlocks(10), ElementsAre(1));
  EXPECT_THAT(manager_.monitor().UnderReplicatedBlocks(0), IsEmpty());
  EXPECT_EQ(counters().pending_copies, 1u);

  BlockdCommand expected;
  expected.kind = BlockdCommand::Kind::kCopy;
  expected.block_id = 1;
  expected.version = kVersion;
  expected.length = kLength;
  expected.targets = {"10.0.2.2:9000"};
  EXPECT_THAT(Commands(copy.blockd), ElementsAre(expected));

  // Nothing more while the copy is in flight.
  EXPECT_THAT(Scan(), IsEmpty());
  Land(actions);
  EXPECT_THAT(Scan(), IsEmpty());
  EXPECT_EQ(counters().copies_completed, 1u);
  EXPECT_EQ(counters().pending_copies, 0u);
  EXPECT_EQ(counters().under_replicated, 0u);
  EXPECT_EQ(Holders(1), (std::set<BlockdId>{a1, b1, b2}));
}

TEST_F(MonitorTest, BlocksWithFewestGoodReplicasAreCopiedFirst) {
  Add("a1", "10.0.1.1", {R(2), R(5)});
  Add("a2", "10.0.1.2");
  Add("b1", "10.0.2.1", {R(2)});
  Add("b2", "10.0.2.2");
  Add("c1", "10.0.3.1");
  Add("c2", "10.0.3.2");
  // Block 5 has one replica, block 2 two: 5 comes first although its id is
  // larger, and keeps priority while it still needs a copy.
  std::vector<BlockId> order;
  for (int i = 0; i < 3; ++i) {
    std::vector<ReplicationAction> a = Scan(/*max_commands=*/1);
    ASSERT_EQ(a.size(), 1u);
    order.push_back(a[0].block);
  }
  EXPECT_THAT(order, ElementsAre(5, 5, 2));
}

TEST_F(MonitorTest, CopiesInFlightPerBlockdAreThrottled) {
  // Eight blocks, one replica each, spread over a1 and b1; goal 3.
  std::vector<ReportedReplica> on_a, on_b;
  for (BlockId b = 1; b <= 8; ++b) (b % 2 ? on_a : on_b).push_back(R(b));
  Add("a1", "10.0.1.1", on_a);
  Add("a2", "10.0.1.2");
  Add("b1", "10.0.2.1", on_b);
  Add("b2", "10.0.2.2");
  Add("c1", "10.0.3.1");
  Add("c2", "10.0.3.2");
  std::vector<ReplicationAction> actions = Scan();
  std::map<BlockdId, int> as_source, as_target;
  for (const ReplicationAction& a : actions) {
    ASSERT_EQ(a.kind, Kind::kCopy);
    ++as_source[a.blockd];
    ++as_target[a.target];
  }
  // Two sources with two copies each; no target takes more than two.
  EXPECT_EQ(actions.size(), 4u);
  for (const auto& [id, n] : as_source) EXPECT_LE(n, 2) << "source " << id;
  for (const auto& [id, n] : as_target) EXPECT_LE(n, 2) << "target " << id;
  EXPECT_EQ(counters().pending_copies, 4u);
  // While they are in flight no more copies start; once they land, more do.
  EXPECT_THAT(Scan(), IsEmpty());
  Land(actions);
  std::vector<ReplicationAction> next = Scan();
  EXPECT_FALSE(next.empty());
  std::map<BlockdId, int> busy;
  for (const ReplicationAction& a : next) {
    EXPECT_LE(++busy[a.blockd], 2);
  }
}

TEST_F(MonitorTest, CopyThatNeverLandsIsRetriedOnAnotherTarget) {
  Add("a1", "10.0.1.1", {R(1)});
  Add("b1", "10.0.2.1", {R(1)});
  Add("c1", "10.0.3.1");
  Add("c2", "10.0.3.2");
  std::vector<ReplicationAction> first = Scan();
  ASSERT_EQ(first.size(), 1u);
  BlockdId failed = first[0].target;
  now_ms_ += 4'999;
  EXPECT_THAT(Scan(), IsEmpty());
  EXPECT_EQ(counters().pending_copies, 1u);
  now_ms_ += 1;
  std::vector<ReplicationAction> retry = Scan();
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(retry[0].kind, Kind::kCopy);
  EXPECT_NE(retry[0].target, failed);
  EXPECT_EQ(RackOf(retry[0].target), "/r3");
  EXPECT_EQ(counters().copies_timed_out, 1u);
  EXPECT_EQ(counters().pending_copies, 1u);
}

TEST_F(MonitorTest, FailedTargetIsRetriedWhenItIsTheOnlyOne) {
  Add("a1", "10.0.1.1", {R(1)});
  Add("b1", "10.0.2.1", {R(1)});
  BlockdId c1 = Add("c1", "10.0.3.1");
  ASSERT_EQ(Scan().size(), 1u);
  now_ms_ += 5'000;
  std::vector<ReplicationAction> retry = Scan();
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(retry[0].target, c1);
}

TEST_F(MonitorTest, OverReplicationIsTrimmedFromTheMostCrowdedRacks) {
  BlockdId a1 = Add("a1", "10.0.1.1", {R(1)});
  BlockdId a2 = Add("a2", "10.0.1.2", {R(1)});
  BlockdId b1 = Add("b1", "10.0.2.1", {R(1)});
  BlockdId b2 = Add("b2", "10.0.2.2", {R(1)});
  BlockdId c1 = Add("c1", "10.0.3.1", {R(1)});
  manager_.RecheckReplication(std::vector<BlockId>{1});
  std::vector<ReplicationAction> actions = Scan();
  ASSERT_EQ(actions.size(), 2u);
  std::set<std::string> racks;
  for (const ReplicationAction& a : actions) {
    EXPECT_EQ(a.kind, Kind::kDelete);
    EXPECT_EQ(a.reason, Reason::kOverReplicated);
    EXPECT_NE(a.blockd, c1);  // the only replica on r3 stays
    racks.insert(RackOf(a.blockd));
  }
  EXPECT_EQ(racks, (std::set<std::string>{"/r1", "/r2"}));
  EXPECT_EQ(counters().pending_deletions, 2u);
  // No second round of deletes while they are pending.
  EXPECT_THAT(Scan(), IsEmpty());
  Execute(actions);
  EXPECT_THAT(Scan(), IsEmpty());
  EXPECT_EQ(counters().pending_deletions, 0u);
  EXPECT_EQ(Holders(1).size(), 3u);
  (void)a1, (void)a2, (void)b1, (void)b2;
}

TEST_F(MonitorTest, UnconfirmedDeleteIsSentAgain) {
  Add("a1", "10.0.1.1", {R(1)});
  Add("b1", "10.0.2.1", {R(1)});
  Add("b2", "10.0.2.2", {R(1)});
  Add("c1", "10.0.3.1", {R(1)});
  manager_.RecheckReplication(std::vector<BlockId>{1});
  std::vector<ReplicationAction> first = Scan();
  ASSERT_EQ(first.size(), 1u);
  now_ms_ += 5'000;
  std::vector<ReplicationAction> again = Scan();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0], first[0]);
}

TEST_F(MonitorTest, CorruptReplicaIsReplacedThenDeleted) {
  BlockdId a1 = Add("a1", "10.0.1.1", {R(1)});
  BlockdId b1 = Add("b1", "10.0.2.1", {R(1)});
  BlockdId c1 = Add("c1", "10.0.3.1", {R(1)});
  BlockdId c2 = Add("c2", "10.0.3.2");
  Report("c1", {}, {}, {R(1)});
  ExpectCopiedThenDeleted(c1, c2);
  EXPECT_EQ(Holders(1, /*good_only=*/false), (std::set<BlockdId>{a1, b1, c2}));
}

TEST_F(MonitorTest, CorruptReplicaOnTheOnlyFreeBlockdIsDeletedFirst) {
  BlockdId a1 = Add("a1", "10.0.1.1", {R(1)});
  BlockdId b1 = Add("b1", "10.0.2.1", {R(1)});
  BlockdId c1 = Add("c1", "10.0.3.1", {R(1)});
  Report("c1", {}, {}, {R(1)});
  std::vector<ReplicationAction> del = Scan();
  ASSERT_EQ(del.size(), 1u);
  EXPECT_EQ(del[0].kind, Kind::kDelete);
  EXPECT_EQ(del[0].blockd, c1);
  // Until c1 confirms the delete no copy may race it there.
  EXPECT_THAT(Scan(), IsEmpty());
  Execute(del);
  std::vector<ReplicationAction> copy = Scan();
  ASSERT_EQ(copy.size(), 1u);
  EXPECT_EQ(copy[0].kind, Kind::kCopy);
  EXPECT_EQ(copy[0].target, c1);
  Land(copy);
  EXPECT_THAT(Scan(), IsEmpty());
  EXPECT_EQ(Holders(1), (std::set<BlockdId>{a1, b1, c1}));
}

// A write's acknowledged set left c1 out (DESIGN §5 step 3); three blockds
// for goal 3. The stale replica is never a source, goes first to make room,
// and c1 takes a good copy only once its stale replica is forgotten.
TEST_F(MonitorTest, StaleReplicaIsDeletedAndItsBlockdRefilledOnlyOnceForgotten) {
  catalog_.stale.insert({1, 3});
  BlockdId a1 = Add("a1", "10.0.1.1", {R(1)});
  BlockdId b1 = Add("b1", "10.0.2.1", {R(1)});
  BlockdId c1 = Add("c1", "10.0.3.1", {R(1)});
  ASSERT_EQ(c1, 3u);
  EXPECT_EQ(Holders(1), (std::set<BlockdId>{a1, b1}));
  Execute({ScanOne(Kind::kDelete)});
  EXPECT_EQ(Holders(1, /*good_only=*/false), (std::set<BlockdId>{a1, b1}));
  // Gone, but still listed stale: no copy may go there yet.
  EXPECT_THAT(Scan(), IsEmpty());
  EXPECT_EQ(counters().under_replicated, 1u);
  catalog_.stale.clear();  // EditForgetStaleReplica applied
  manager_.RecheckReplication(std::vector<BlockId>{1});
  ReplicationAction copy = ScanOne(Kind::kCopy);
  EXPECT_EQ(copy.target, c1);
  Land({copy});
  EXPECT_THAT(Scan(), IsEmpty());
  EXPECT_EQ(Holders(1), (std::set<BlockdId>{a1, b1, c1}));
}

// With room elsewhere the good copy comes first, then the stale one goes.
TEST_F(MonitorTest, StaleReplicaIsReplacedElsewhereThenDeleted) {
  catalog_.stale.insert({1, 3});
  BlockdId a1 = Add("a1", "10.0.1.1", {R(1)});
  BlockdId b1 = Add("b1", "10.0.2.1", {R(1)});
  BlockdId c1 = Add("c1", "10.0.3.1", {R(1)});
  BlockdId c2 = Add("c2", "10.0.3.2");
  ExpectCopiedThenDeleted(c1, c2);
  EXPECT_EQ(Holders(1, /*good_only=*/false), (std::set<BlockdId>{a1, b1, c2}));
}

TEST_F(MonitorTest, BlockWithOnlyCorruptReplicasIsMissingAndNotCopied) {
  Add("a1", "10.0.1.1", {R(3)});
  Add("b1", "10.0.2.1", {R(3)});
  Add("c1", "10.0.3.1");
  Add("c2", "10.0.3.2");
  Report("a1", {}, {}, {R(3)});
  Report("b1", {}, {}, {R(3)});
  EXPECT_THAT(Scan(), IsEmpty());
  EXPECT_EQ(counters().missing, 1u);
  EXPECT_EQ(counters().corrupt, 1u);
  EXPECT_EQ(counters().under_replicated, 0u);
  EXPECT_THAT(manager_.monitor().MissingBlocks(10), ElementsAre(3));
  EXPECT_TRUE(manager_.Locate(3, kVersion, "").empty());
  // A good replica turning up (a blockd comes back) ends it.
  Report("c1", {R(3)});
  manager_.RecheckReplication(std::vector<BlockId>{3});
  std::vector<ReplicationAction> a = Scan();
  EXPECT_EQ(counters().missing, 0u);
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a[0].kind, Kind::kCopy);
  EXPECT_EQ(a[0].blockd, ids_["c1"]);
}

TEST_F(MonitorTest, BlockWhoseLastHolderDiedIsMissing) {
  Add("a1", "10.0.1.1", {R(7)});
  Add("b1", "10.0.2.1");
  now_ms_ = 9'000;
  Commands(ids_["b1"]);
  now_ms_ = 11'001;
  manager_.Tick(now_ms_);
  EXPECT_THAT(Scan(), IsEmpty());
  EXPECT_THAT(manager_.monitor().MissingBlocks(10), ElementsAre(7));
}

TEST_F(MonitorTest, DecommissioningReplicasAreCopiedAndCountOnlyAsSources) {
  BlockdId a1 = Add("a1", "10.0.1.1", {R(1)});
  BlockdId b1 = Add("b1", "10.0.2.1", {R(1)});
  BlockdId c1 = Add("c1", "10.0.3.1", {R(1)});
  BlockdId c2 = Add("c2", "10.0.3.2");
  EXPECT_THAT(Scan(), IsEmpty());
  EXPECT_FALSE(manager_.monitor().Drained(a1));
  ASSERT_TRUE(manager_.SetDecommissioning(a1, true).ok());
  std::vector<ReplicationAction> actions = Scan();
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].block, 1u);
  EXPECT_EQ(actions[0].kind, Kind::kCopy);
  EXPECT_NE(actions[0].blockd, a1);  // live sources first
  EXPECT_EQ(actions[0].target, c2);
  Land(actions);
  // Three live replicas elsewhere: goal met, and a1's replica is not trimmed.
  EXPECT_THAT(Scan(), IsEmpty());
  EXPECT_EQ(Holders(1), (std::set<BlockdId>{a1, b1, c1, c2}));
  EXPECT_TRUE(manager_.monitor().Drained(a1));
  EXPECT_FALSE(manager_.monitor().Drained(b1));  // live: its replica counts

  // A block held only by the draining blockd is copied from it.
  Report("a1", {R(9)});
  manager_.RecheckReplication(std::vector<BlockId>{9});
  catalog_.goals[9] = 1;
  std::vector<ReplicationAction> from_drain = Scan();
  ASSERT_EQ(from_drain.size(), 1u);
  EXPECT_EQ(from_drain[0].blockd, a1);
  EXPECT_NE(from_drain[0].target, a1);
  EXPECT_FALSE(manager_.monitor().Drained(a1));
  Land(from_drain);
  EXPECT_TRUE(manager_.monitor().Drained(a1));
}

TEST_F(MonitorTest, GoalChangesProduceCopiesThenDeletes) {
  Add("a1", "10.0.1.1", {R(4)});
  Add("a2", "10.0.1.2");
  Add("b1", "10.0.2.1");
  Add("c1", "10.0.3.1");
  catalog_.goals[4] = 1;
  manager_.RecheckReplication(std::vector<BlockId>{4});
  EXPECT_THAT(Scan(), IsEmpty());
  EXPECT_EQ(counters().under_replicated, 0u);

  catalog_.goals[4] = 3;
  manager_.RecheckReplication(std::vector<BlockId>{4});
  std::vector<ReplicationAction> copies = Scan();
  ASSERT_EQ(copies.size(), 2u);
  for (const ReplicationAction& a : copies) EXPECT_EQ(a.kind, Kind::kCopy);
  EXPECT_NE(copies[0].target, copies[1].target);
  Land(copies);
  EXPECT_THAT(Scan(), IsEmpty());
  ASSERT_EQ(Holders(4).size(), 3u);
  std::set<std::string> racks;
  for (BlockdId id : Holders(4)) racks.insert(RackOf(id));
  EXPECT_GE(racks.size(), 2u);

  catalog_.goals[4] = 2;
  manager_.RecheckReplication(std::vector<BlockId>{4});
  std::vector<ReplicationAction> trim = Scan();
  ASSERT_EQ(trim.size(), 1u);
  EXPECT_EQ(trim[0].kind, Kind::kDelete);
  Execute(trim);
  EXPECT_THAT(Scan(), IsEmpty());
  EXPECT_EQ(Holders(4).size(), 2u);
}

TEST_F(MonitorTest, GoalZeroLeavesABlockAlone) {
  Add("a1", "10.0.1.1", {R(1)});
  Add("b1", "10.0.2.1");
  catalog_.goals[1] = 0;  // an open write owns it
  manager_.RecheckReplication(std::vector<BlockId>{1});
  EXPECT_THAT(Scan(), IsEmpty());
  EXPECT_EQ(counters().under_replicated, 0u);
}

TEST_F(MonitorTest, SweepFindsBlocksNoEventNamed) {
  // Reported in full reports only: no event names these blocks.
  Add("a1", "10.0.1.1", {R(1), R(2), R(3)});
  Add("b1", "10.0.2.1");
  Add("c1", "10.0.3.1");
  std::set<BlockId> copied;
  for (int i = 0; i < 20 && copied.size() < 3; ++i) {
    std::vector<ReplicationAction> actions = Scan();
    for (const ReplicationAction& a : actions) copied.insert(a.block);
    Land(actions);
  }
  EXPECT_EQ(copied, (std::set<BlockId>{1, 2, 3}));
  EXPECT_GE(counters().sweep_rounds, 1u);
}

TEST_F(MonitorTest, FreedBlockIsForgotten) {
  Add("a1", "10.0.1.1", {R(1)});
  Add("b1", "10.0.2.1");
  EXPECT_EQ(Scan().size(), 1u);
  EXPECT_EQ(counters().pending_copies, 1u);
  catalog_.versions.erase(1);
  manager_.InvalidateBlock(1);
  manager_.RecheckReplication(std::vector<BlockId>{1});
  EXPECT_THAT(Scan(), IsEmpty());
  EXPECT_EQ(counters().pending_copies, 0u);
  EXPECT_EQ(counters().under_replicated, 0u);
  EXPECT_EQ(counters().missing, 0u);
}

class MonitorGraceTest : public MonitorTest {
 protected:
  MonitorGraceTest() : MonitorTest(2, /*grace_ms=*/60'000) {}
};

TEST_F(MonitorGraceTest, WaitsForFirstFullReportsAfterStart) {
  Add("a1", "10.0.1.1", {R(1)});
  Add("b1", "10.0.2.1", {}, /*report=*/false);
  EXPECT_THAT(Scan(), IsEmpty());
  EXPECT_TRUE(counters().waiting_for_reports);
  ASSERT_TRUE(manager_.FullReport("b1", 1, 0, 1, {}, now_ms_).ok());
  EXPECT_EQ(Scan().size(), 1u);
  EXPECT_FALSE(counters().waiting_for_reports);
}

TEST_F(MonitorGraceTest, ABlockdThatNeverReportsStopsHoldingItBackAfterTheGrace) {
  Add("a1", "10.0.1.1", {R(1)});
  Add("b1", "10.0.2.1", {}, /*report=*/false);
  now_ms_ += 60'000;
  EXPECT_EQ(Scan().size(), 1u);
}

}  // namespace
}  // namespace opendfs::metad
