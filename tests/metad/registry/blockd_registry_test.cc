#include "metad/registry/blockd_registry.h"

#include <gtest/gtest.h>

namespace opendfs::metad {
namespace {

constexpr uint64_t kGiB = 1ull << 30;

BlockdStats Stats(uint64_t capacity = 100 * kGiB, uint64_t used = 0) {
  BlockdStats s;
  s.capacity_bytes = capacity;
  s.used_bytes = used;
  return s;
}

RegisterRequest Req(std::string uuid, std::string address, std::string hint = "") {
  RegisterRequest r;
  r.uuid = std::move(uuid);
  r.data_address = std::move(address);
  r.rack_hint = std::move(hint);
  r.peer_host = "10.9.9.9";
  r.stats = Stats();
  return r;
}

BlockdCommand Delete(BlockId id) {
  BlockdCommand c;
  c.kind = BlockdCommand::Kind::kDelete;
  c.block_id = id;
  c.version = 1;
  return c;
}

class RegistryTest : public ::testing::Test {
 protected:
  static RegistryOptions TestOptions() {
    RegistryOptions o;
    o.dn_timeout_ms = 10'000;
    o.max_commands_per_heartbeat = 2;
    o.max_queued_commands = 3;
    return o;
  }
  BlockdId MustRegister(const RegisterRequest& req, int64_t now_ms) {
    auto r = registry_.Register(req, now_ms);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->id : kNoBlockd;
  }

  Topology topology_ = Topology::Parse("10.0.0.0/24=/r1").value();
  RegistryOptions options_ = TestOptions();
  BlockdRegistry registry_{&topology_, options_};
};

TEST_F(RegistryTest, RegisterAssignsSmallStableIdsAndRacks) {
  auto r1 = registry_.Register(Req("u1", "10.0.0.1:8100"), 0);
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_EQ(r1->id, 1u);
  EXPECT_TRUE(r1->block_report_wanted);
  EXPECT_TRUE(r1->replaced.empty());
  BlockdId id2 = MustRegister(Req("u2", "10.0.1.1:8100", "/hinted"), 0);
  BlockdId id3 = MustRegister(Req("u3", "10.0.2.1:8100"), 0);
  EXPECT_EQ(id2, 2u);
  EXPECT_EQ(id3, 3u);

  const BlockdInfo* b1 = registry_.Find(1);
  ASSERT_NE(b1, nullptr);
  EXPECT_EQ(b1->rack, "/r1");  // from the topology
  EXPECT_EQ(b1->host, "10.0.0.1");
  EXPECT_EQ(registry_.Find(id2)->rack, "/hinted");  // no topology entry: the hint
  EXPECT_EQ(registry_.Find(id3)->rack, "/default-rack");
  EXPECT_EQ(registry_.rack_count(), 3u);
  BlockdId id4 = MustRegister(Req("u4", "10.0.0.2:8100"), 0);
  EXPECT_EQ(registry_.Find(id4)->rack_id, registry_.Find(1)->rack_id);  // both /r1
  EXPECT_NE(registry_.Find(id3)->rack_id, registry_.Find(1)->rack_id);
  EXPECT_EQ(registry_.rack_count(), 3u);
  EXPECT_EQ(registry_.FindByUuid("u2")->id, id2);
  EXPECT_EQ(registry_.live_count(), 4u);
  EXPECT_EQ(registry_.Find(0), nullptr);
  EXPECT_EQ(registry_.Find(5), nullptr);
}

TEST_F(RegistryTest, TopologyWinsOverHint) {
  BlockdId id = MustRegister(Req("u1", "10.0.0.7:8100", "/elsewhere"), 0);
  EXPECT_EQ(registry_.Find(id)->rack, "/r1");
}

TEST_F(RegistryTest, WildcardHostTakesThePeerAddress) {
  BlockdId id = MustRegister(Req("u1", "0.0.0.0:8100"), 0);
  EXPECT_EQ(registry_.Find(id)->address, "10.9.9.9:8100");
  RegisterRequest r = Req("u2", ":8101");
  r.peer_host = "";
  EXPECT_EQ(registry_.Register(r, 0).status().code(), StatusCode::Invalid);
}

TEST_F(RegistryTest, BadRegistrationsAreInvalid) {
  EXPECT_EQ(registry_.Register(Req("", "10.0.0.1:1"), 0).status().code(), StatusCode::Invalid);
  EXPECT_EQ(registry_.Register(Req("a b", "10.0.0.1:1"), 0).status().code(), StatusCode::Invalid);
  EXPECT_EQ(registry_.Register(Req(std::string(129, 'u'), "10.0.0.1:1"), 0).status().code(),
            StatusCode::Invalid);
  EXPECT_EQ(registry_.Register(Req("u", "10.0.0.1"), 0).status().code(), StatusCode::Invalid);
  EXPECT_EQ(registry_.Register(Req("u", "10.0.1.1:1", "norack"), 0).status().code(),
            StatusCode::Invalid);
  EXPECT_EQ(registry_.all().size(), 0u);
}

TEST_F(RegistryTest, HeartbeatUpdatesStats) {
  BlockdId id = MustRegister(Req("u1", "10.0.0.1:8100"), 0);
  BlockdStats s = Stats(50 * kGiB, 20 * kGiB);
  s.active_connections = 7;
  s.block_count = 99;
  s.bad_blocks = 2;
  s.inflight_copies = 1;
  HeartbeatResult hb = registry_.Heartbeat(id, "u1", s, 3000);
  EXPECT_FALSE(hb.reregister);
  EXPECT_TRUE(hb.commands.empty());
  const BlockdInfo* b = registry_.Find(id);
  EXPECT_EQ(b->stats.capacity_bytes, 50 * kGiB);
  EXPECT_EQ(b->stats.free_bytes(), 30 * kGiB);
  EXPECT_EQ(b->stats.active_connections, 7u);
  EXPECT_EQ(b->stats.block_count, 99u);
  EXPECT_EQ(b->stats.bad_blocks, 2u);
  EXPECT_EQ(b->stats.inflight_copies, 1u);
  EXPECT_EQ(b->last_heartbeat_ms, 3000);
}

TEST_F(RegistryTest, UnknownIdOrUuidMismatchAsksToReregister) {
  BlockdId id = MustRegister(Req("u1", "10.0.0.1:8100"), 0);
  EXPECT_TRUE(registry_.Heartbeat(id + 1, "u1", Stats(), 1).reregister);
  EXPECT_TRUE(registry_.Heartbeat(id, "other", Stats(), 1).reregister);
  EXPECT_TRUE(registry_.Heartbeat(kNoBlockd, "u1", Stats(), 1).reregister);
  // A mismatched heartbeat must not have refreshed anything.
  EXPECT_EQ(registry_.Find(id)->last_heartbeat_ms, 0);
}

TEST_F(RegistryTest, DeadAfterDnTimeoutExactly) {
  BlockdId a = MustRegister(Req("a", "10.0.0.1:8100"), 0);
  BlockdId b = MustRegister(Req("b", "10.0.0.2:8100"), 0);
  EXPECT_FALSE(registry_.Heartbeat(b, "b", Stats(), 6000).reregister);
  EXPECT_TRUE(registry_.Tick(10'000).empty());  // silent for exactly the timeout: alive
  EXPECT_EQ(registry_.Tick(10'001), std::vector<BlockdId>{a});
  EXPECT_EQ(registry_.Find(a)->state, BlockdState::kDead);
  EXPECT_TRUE(registry_.Tick(10'002).empty());  // reported once
  EXPECT_EQ(registry_.Tick(16'001), std::vector<BlockdId>{b});
  EXPECT_EQ(registry_.live_count(), 0u);
  // A dead blockd's heartbeat asks it to register again.
  EXPECT_TRUE(registry_.Heartbeat(a, "a", Stats(), 16'002).reregister);
  EXPECT_EQ(registry_.LiveIdOf("a"), kNoBlockd);
}

TEST_F(RegistryTest, ReregisterKeepsIdAndUpdatesAddress) {
  BlockdId id = MustRegister(Req("u1", "10.0.0.1:8100"), 0);
  ASSERT_EQ(registry_.Tick(20'000).size(), 1u);
  auto again = registry_.Register(Req("u1", "10.0.5.5:8200"), 21'000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, id);
  EXPECT_TRUE(again->block_report_wanted);
  const BlockdInfo* b = registry_.Find(id);
  EXPECT_EQ(b->state, BlockdState::kLive);
  EXPECT_EQ(b->address, "10.0.5.5:8200");
  EXPECT_EQ(b->rack, "/default-rack");
  EXPECT_EQ(b->last_heartbeat_ms, 21'000);
  EXPECT_FALSE(registry_.Heartbeat(id, "u1", Stats(), 22'000).reregister);
  EXPECT_EQ(registry_.all().size(), 1u);
}

TEST_F(RegistryTest, MetadRestartMeansReregisterThenSameFlow) {
  BlockdId id = MustRegister(Req("u1", "10.0.0.1:8100"), 0);
  // A fresh registry (the metad restarted) knows nothing of id 1.
  BlockdRegistry fresh(&topology_, options_);
  EXPECT_TRUE(fresh.Heartbeat(id, "u1", Stats(), 5).reregister);
  auto r = fresh.Register(Req("u1", "10.0.0.1:8100"), 6);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->block_report_wanted);
  EXPECT_FALSE(fresh.Heartbeat(r->id, "u1", Stats(), 7).reregister);
}

TEST_F(RegistryTest, NewUuidOnALiveAddressReplacesTheOld) {
  BlockdId old_id = MustRegister(Req("old", "10.0.0.1:8100"), 0);
  auto r = registry_.Register(Req("new", "10.0.0.1:8100"), 5);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->id, old_id);
  EXPECT_EQ(r->replaced, std::vector<BlockdId>{old_id});
  EXPECT_EQ(registry_.Find(old_id)->state, BlockdState::kDead);
  EXPECT_TRUE(registry_.Tick(6).empty());  // already dead, not reported again
}

TEST_F(RegistryTest, CommandsDrainInOrderWithAPerHeartbeatLimit) {
  BlockdId id = MustRegister(Req("u1", "10.0.0.1:8100"), 0);
  ASSERT_TRUE(registry_.QueueCommand(id, Delete(1)).ok());
  ASSERT_TRUE(registry_.QueueCommand(id, Delete(2)).ok());
  ASSERT_TRUE(registry_.QueueCommand(id, Delete(3)).ok());
  Status full = registry_.QueueCommand(id, Delete(4));
  EXPECT_EQ(full.code(), StatusCode::Busy);
  EXPECT_EQ(registry_.queued_commands(id), 3u);

  HeartbeatResult hb1 = registry_.Heartbeat(id, "u1", Stats(), 1);
  ASSERT_EQ(hb1.commands.size(), 2u);  // the limit
  EXPECT_EQ(hb1.commands[0], Delete(1));
  EXPECT_EQ(hb1.commands[1], Delete(2));
  HeartbeatResult hb2 = registry_.Heartbeat(id, "u1", Stats(), 2);
  ASSERT_EQ(hb2.commands.size(), 1u);
  EXPECT_EQ(hb2.commands[0], Delete(3));
  EXPECT_TRUE(registry_.Heartbeat(id, "u1", Stats(), 3).commands.empty());

  // Nothing to an impostor, nothing queued for unknown or dead blockds.
  ASSERT_TRUE(registry_.QueueCommand(id, Delete(5)).ok());
  EXPECT_TRUE(registry_.Heartbeat(id, "x", Stats(), 4).commands.empty());
  EXPECT_EQ(registry_.queued_commands(id), 1u);
  EXPECT_EQ(registry_.QueueCommand(99, Delete(1)).code(), StatusCode::NotFound);
  ASSERT_EQ(registry_.Tick(100'000).size(), 1u);
  EXPECT_EQ(registry_.queued_commands(id), 0u);  // dropped with the blockd
  EXPECT_EQ(registry_.QueueCommand(id, Delete(1)).code(), StatusCode::NotFound);
}

TEST_F(RegistryTest, DecommissioningSurvivesReregister) {
  BlockdId id = MustRegister(Req("u1", "10.0.0.1:8100"), 0);
  ASSERT_TRUE(registry_.SetDecommissioning(id, true).ok());
  EXPECT_FALSE(registry_.Find(id)->accepts_new_replicas());
  EXPECT_TRUE(registry_.Find(id)->serves_reads());
  MustRegister(Req("u1", "10.0.0.1:8100"), 1);
  EXPECT_EQ(registry_.Find(id)->state, BlockdState::kDecommissioning);
  ASSERT_TRUE(registry_.SetDecommissioning(id, false).ok());
  EXPECT_EQ(registry_.Find(id)->state, BlockdState::kLive);
  EXPECT_EQ(registry_.SetDecommissioning(42, true).code(), StatusCode::NotFound);
}

TEST_F(RegistryTest, ListForStatus) {
  BlockdId a = MustRegister(Req("a", "10.0.0.1:8100"), 0);
  BlockdId b = MustRegister(Req("b", "10.0.1.1:8100"), 0);
  BlockdStats s = Stats(10 * kGiB, 4 * kGiB);
  s.block_count = 12;
  registry_.Heartbeat(b, "b", s, 9000);
  ASSERT_TRUE(registry_.QueueCommand(b, Delete(1)).ok());
  ASSERT_EQ(registry_.Tick(10'500).size(), 1u);
  auto rows = registry_.List(11'000);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].id, a);
  EXPECT_EQ(rows[0].state, BlockdState::kDead);
  EXPECT_EQ(BlockdStateName(rows[0].state), "dead");
  EXPECT_EQ(rows[0].rack, "/r1");
  EXPECT_EQ(rows[0].last_heartbeat_age_ms, 11'000);
  EXPECT_EQ(rows[1].address, "10.0.1.1:8100");
  EXPECT_EQ(rows[1].state, BlockdState::kLive);
  EXPECT_EQ(rows[1].capacity_bytes, 10 * kGiB);
  EXPECT_EQ(rows[1].used_bytes, 4 * kGiB);
  EXPECT_EQ(rows[1].block_count, 12u);
  EXPECT_EQ(rows[1].last_heartbeat_age_ms, 2000);
  EXPECT_EQ(rows[1].queued_commands, 1u);
}

}  // namespace
}  // namespace opendfs::metad
