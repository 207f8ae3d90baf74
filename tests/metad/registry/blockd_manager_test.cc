#include "metad/registry/blockd_manager.h"

#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace opendfs::metad {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class FakeCatalog : public BlockCatalog {
 public:
  std::optional<uint64_t> CommittedVersion(BlockId block) const override {
    auto it = versions.find(block);
    if (it == versions.end()) return std::nullopt;
    return it->second;
  }
  std::map<BlockId, uint64_t> versions;
};

ReportedReplica R(BlockId id, uint64_t version) { return ReportedReplica{id, version, 64}; }

BlockdCommand Del(BlockId id, uint64_t version) {
  BlockdCommand c;
  c.block_id = id;
  c.version = version;
  return c;
}

class ManagerTest : public ::testing::Test {
 protected:
  static BlockdManagerOptions Options() {
    BlockdManagerOptions o;
    o.registry.dn_timeout_ms = 10'000;
    o.registry.max_commands_per_heartbeat = 2;
    o.registry.max_queued_commands = 4;
    o.placement.reserve_bytes = 0;
    return o;
  }
  ManagerTest() {
    for (BlockId b = 1; b <= 5; ++b) catalog_.versions[b] = 1;
  }
  BlockdId Register(const std::string& uuid, const std::string& address, int64_t now_ms = 0) {
    RegisterRequest r;
    r.uuid = uuid;
    r.data_address = address;
    r.stats.capacity_bytes = 1ull << 40;
    auto res = manager_.Register(r, now_ms);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    return res.ok() ? res->id : kNoBlockd;
  }
  std::vector<BlockdCommand> Drain(BlockdId id, const std::string& uuid, int64_t now_ms) {
    std::vector<BlockdCommand> all;
    for (;;) {
      HeartbeatResult hb = manager_.Heartbeat(id, uuid, BlockdStats{1ull << 40}, now_ms);
      EXPECT_FALSE(hb.reregister);
      if (hb.commands.empty()) return all;
      EXPECT_LE(hb.commands.size(), 2u);
      all.insert(all.end(), hb.commands.begin(), hb.commands.end());
    }
  }

  Topology topology_;
  FakeCatalog catalog_;
  BlockdManager manager_{&topology_, &catalog_, Options()};
};

TEST_F(ManagerTest, FullReportQueuesDeletesForUnwantedReplicas) {
  BlockdId a = Register("a", "10.0.0.1:1");
  catalog_.versions[2] = 3;
  auto out = manager_.FullReport("a", 1, 0, 1, std::vector{R(1, 1), R(2, 2), R(9, 1)}, 5);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(out->report_complete);
  EXPECT_EQ(out->blockd, a);
  EXPECT_EQ(out->deletes_queued, 2u);
  EXPECT_EQ(manager_.registry().Find(a)->last_full_report_ms, 5);
  EXPECT_THAT(Drain(a, "a", 6), ElementsAre(Del(2, 2), Del(9, 1)));
  EXPECT_EQ(manager_.block_map().replicas_on(a), 1u);
}

TEST_F(ManagerTest, InvalidateBlockSendsADeleteToEveryHolder) {
  BlockdId a = Register("a", "10.0.0.1:1");
  BlockdId b = Register("b", "10.0.0.2:1");
  ASSERT_TRUE(manager_.FullReport("a", 1, 0, 1, std::vector{R(1, 1), R(2, 1)}, 0).ok());
  ASSERT_TRUE(manager_.IncrementalReport("b", std::vector{R(1, 1)}, {}, {}).ok());
  EXPECT_EQ(manager_.InvalidateBlock(1), 2u);
  EXPECT_EQ(manager_.InvalidateBlock(1), 0u);
  EXPECT_THAT(Drain(a, "a", 1), ElementsAre(Del(1, 1)));
  EXPECT_THAT(Drain(b, "b", 1), ElementsAre(Del(1, 1)));
  EXPECT_TRUE(manager_.Locate(1, 1, "").empty());
  EXPECT_EQ(manager_.Locate(2, 1, "").size(), 1u);
}

TEST_F(ManagerTest, DeadBlockdLosesItsReplicasAndItsQueue) {
  BlockdId a = Register("a", "10.0.0.1:1");
  BlockdId b = Register("b", "10.0.0.2:1");
  ASSERT_TRUE(manager_.FullReport("a", 1, 0, 1, std::vector{R(1, 1), R(2, 1), R(7, 1)}, 0).ok());
  ASSERT_TRUE(manager_.FullReport("b", 1, 0, 1, std::vector{R(2, 1), R(3, 1)}, 0).ok());
  manager_.Heartbeat(a, "a", BlockdStats{}, 9000);
  TickOutcome t = manager_.Tick(10'001);
  EXPECT_EQ(t.died, std::vector<BlockdId>{b});
  EXPECT_THAT(t.lost_replica, ElementsAre(2, 3));
  EXPECT_EQ(manager_.block_map().replicas_on(b), 0u);
  EXPECT_THAT(manager_.Locate(2, 1, "").size(), 1u);
  // Its reports are refused until it registers again, then it reports anew.
  EXPECT_EQ(manager_.IncrementalReport("b", std::vector{R(4, 1)}, {}, {}).status().code(),
            StatusCode::NotFound);
  EXPECT_TRUE(manager_.Heartbeat(b, "b", BlockdStats{}, 10'002).reregister);
  EXPECT_EQ(Register("b", "10.0.0.2:1", 10'003), b);
  ASSERT_TRUE(manager_.FullReport("b", 2, 0, 1, std::vector{R(2, 1), R(3, 1)}, 10'004).ok());
  EXPECT_EQ(manager_.Locate(3, 1, "").size(), 1u);
}

TEST_F(ManagerTest, ChunkedReportsMustArriveInOrder) {
  BlockdId a = Register("a", "10.0.0.1:1");
  ASSERT_TRUE(manager_.FullReport("a", 1, 0, 1, std::vector{R(1, 1), R(2, 1), R(3, 1)}, 0).ok());
  auto c0 = manager_.FullReport("a", 7, 0, 2, std::vector{R(1, 1)}, 1);
  ASSERT_TRUE(c0.ok());
  EXPECT_FALSE(c0->report_complete);
  EXPECT_EQ(manager_.FullReport("a", 8, 1, 2, std::vector{R(2, 1)}, 2).status().code(),
            StatusCode::Invalid);  // another report id: abandons report 7
  EXPECT_EQ(manager_.FullReport("a", 7, 1, 2, std::vector{R(2, 1)}, 2).status().code(),
            StatusCode::Invalid);  // report 7 is gone
  EXPECT_EQ(manager_.FullReport("a", 7, 2, 2, {}, 2).status().code(), StatusCode::Invalid);
  EXPECT_EQ(manager_.FullReport("a", 7, 0, 0, {}, 2).status().code(), StatusCode::Invalid);
  EXPECT_EQ(manager_.block_map().replicas_on(a), 3u);  // nothing dropped by aborted reports

  ASSERT_TRUE(manager_.FullReport("a", 9, 0, 2, std::vector{R(1, 1)}, 3).ok());
  auto last = manager_.FullReport("a", 9, 1, 2, std::vector{R(3, 1)}, 4);
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->report_complete);
  EXPECT_THAT(last->dropped, ElementsAre(2));
  EXPECT_EQ(manager_.registry().Find(a)->last_full_report_ms, 4);
}

TEST_F(ManagerTest, UnknownUuidIsNotFound) {
  EXPECT_EQ(manager_.FullReport("ghost", 1, 0, 1, {}, 0).status().code(), StatusCode::NotFound);
  EXPECT_EQ(manager_.IncrementalReport("ghost", {}, {}, {}).status().code(), StatusCode::NotFound);
}

TEST_F(ManagerTest, ReplacedBlockdForgetsReplicas) {
  BlockdId old_id = Register("old", "10.0.0.1:1");
  ASSERT_TRUE(manager_.FullReport("old", 1, 0, 1, std::vector{R(1, 1), R(2, 1)}, 0).ok());
  RegisterRequest r;
  r.uuid = "new";
  r.data_address = "10.0.0.1:1";
  std::vector<BlockId> lost;
  auto res = manager_.Register(r, 1, &lost);
  ASSERT_TRUE(res.ok());
  EXPECT_THAT(res->replaced, ElementsAre(old_id));
  EXPECT_THAT(lost, ElementsAre(1, 2));
  EXPECT_EQ(manager_.block_map().replica_count(), 0u);
}

TEST_F(ManagerTest, FullQueueDropsDeletesAndCountsThem) {
  BlockdId a = Register("a", "10.0.0.1:1");
  std::vector<ReportedReplica> junk;
  for (BlockId id = 100; id < 106; ++id) junk.push_back(R(id, 1));
  auto out = manager_.FullReport("a", 1, 0, 1, junk, 0);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->deletes_queued, 4u);
  EXPECT_EQ(out->deletes_dropped, 2u);
  EXPECT_EQ(Drain(a, "a", 1).size(), 4u);
}

TEST_F(ManagerTest, ChooseTargetsUsesTheRegistry) {
  Register("a", "10.0.0.1:1");
  Register("b", "10.0.0.2:1");
  SplitMix64 rng(1);
  auto t = manager_.ChooseTargets(3, "10.0.0.2", {}, rng);
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ(manager_.registry().Find((*t)[0])->host, "10.0.0.2");
}

}  // namespace
}  // namespace opendfs::metad
