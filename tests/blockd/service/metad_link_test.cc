// The blockd's side of registry.fbs against fake metads: registration with
// every metad, heartbeats, full and incremental reports, Delete and Copy
// commands from heartbeat replies, reregister, and a metad that comes up late.
#include <gtest/gtest.h>

#include "blockd/disk/block_layout.h"
#include "fake_metad.h"
#include "service_test_util.h"

namespace opendfs::blockd {
namespace {

using testing::BlockClient;
using testing::FakeMetad;
using testing::PatternData;

bool Has(const std::vector<ReplicaState>& v, uint64_t id, uint64_t version, uint64_t length) {
  for (const ReplicaState& r : v)
    if (r.block_id == id && r.version == version && r.length == length) return true;
  return false;
}
bool HasId(const std::vector<ReplicaState>& v, uint64_t id) {
  for (const ReplicaState& r : v)
    if (r.block_id == id) return true;
  return false;
}

NodeOptions FastOptions() {
  NodeOptions o;
  o.link_backoff_min = std::chrono::milliseconds(50);
  o.link_backoff_max = std::chrono::milliseconds(200);
  o.scan_pass_interval_ms = 100;
  return o;
}

class MetadLinkTest : public ::testing::Test {
 protected:
  std::unique_ptr<BlockdNode> StartNode(const std::string& dir, std::vector<Endpoint> metads,
                                        uint64_t scan_rate = 0) {
    BlockdSettings s = testing::TestSettings(dir);
    s.ns_srv = std::move(metads);
    s.scan_rate_bytes_per_s = scan_rate;
    auto n = BlockdNode::Start(s, Logger::Quiet(), FastOptions());
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? std::move(*n) : nullptr;
  }

  testing::TempDir tmp_;
  Client client_{ClientOptions{}, Logger::Quiet()};
};

TEST_F(MetadLinkTest, RegistersReportsAndHeartbeats) {
  // Blocks already on disk before the blockd meets its metad.
  {
    auto n = StartNode(tmp_.path(), {});
    ASSERT_TRUE(n);
    BlockClient bc(client_, n->bound());
    ASSERT_TRUE(bc.Write(1, 3, 0, PatternData(5000, 1)).ok());
    ASSERT_TRUE(bc.Write(2, 1, 0, PatternData(70000, 2)).ok());
  }
  FakeMetad metad;
  ASSERT_TRUE(metad.Start().ok());
  auto node = StartNode(tmp_.path(), {metad.bound()});
  ASSERT_TRUE(node);
  ASSERT_TRUE(FakeMetad::WaitFor([&] { return metad.full_reports() >= 1; }));
  EXPECT_EQ(metad.registrations(), 1);
  EXPECT_EQ(metad.last_uuid(), node->uuid());
  EXPECT_EQ(metad.last_data_address(), node->bound().ToString());
  auto full = metad.full_report();
  ASSERT_EQ(full.size(), 2u);
  EXPECT_EQ(full[1].version, 3u);
  EXPECT_EQ(full[1].length, 5000u);
  EXPECT_EQ(full[2].length, 70000u);

  // A write and a delete become incremental reports.
  BlockClient bc(client_, node->bound());
  ASSERT_TRUE(bc.Write(3, 2, 0, PatternData(100, 3)).ok());
  ASSERT_TRUE(bc.Write(3, 2, 100, PatternData(50, 4), {.create = false}).ok());
  ASSERT_TRUE(FakeMetad::WaitFor([&] { return Has(metad.added(), 3, 2, 150); }));
  ASSERT_TRUE(bc.Delete(1, 0).ok());
  ASSERT_TRUE(FakeMetad::WaitFor([&] { return HasId(metad.removed(), 1); }));

  // Heartbeats carry the block count.
  ASSERT_TRUE(FakeMetad::WaitFor([&] {
    return metad.heartbeats() >= 2 && metad.last_heartbeat_block_count() == 2;
  }));
}

TEST_F(MetadLinkTest, RegistersWithEveryMetad) {
  FakeMetad a, b;
  ASSERT_TRUE(a.Start().ok());
  ASSERT_TRUE(b.Start().ok());
  auto node = StartNode(tmp_.path(), {a.bound(), b.bound()});
  ASSERT_TRUE(node);
  ASSERT_TRUE(FakeMetad::WaitFor([&] { return a.registrations() && b.registrations(); }));
  BlockClient bc(client_, node->bound());
  ASSERT_TRUE(bc.Write(10, 1, 0, "abc").ok());
  EXPECT_TRUE(FakeMetad::WaitFor([&] { return Has(a.added(), 10, 1, 3); }));
  EXPECT_TRUE(FakeMetad::WaitFor([&] { return Has(b.added(), 10, 1, 3); }));
}

TEST_F(MetadLinkTest, DeleteCommandFromHeartbeatDeletesTheBlock) {
  FakeMetad metad;
  ASSERT_TRUE(metad.Start().ok());
  auto node = StartNode(tmp_.path(), {metad.bound()});
  ASSERT_TRUE(node);
  BlockClient bc(client_, node->bound());
  ASSERT_TRUE(bc.Write(20, 2, 0, PatternData(1000, 20)).ok());
  ASSERT_TRUE(bc.Write(21, 5, 0, PatternData(1000, 21)).ok());
  metad.QueueCommand({.copy = false, .block_id = 20, .version = 2, .targets = {}});
  // Version 4 must not delete a replica at version 5.
  metad.QueueCommand({.copy = false, .block_id = 21, .version = 4, .targets = {}});
  ASSERT_TRUE(FakeMetad::WaitFor([&] { return HasId(metad.removed(), 20); }));
  EXPECT_EQ(bc.Stat(20).status().code(), StatusCode::NoSuchBlock);
  EXPECT_FALSE(testing::Exists(disk::BlockDataPath(tmp_.path() + "/data", 20)));
  EXPECT_TRUE(bc.Stat(21).ok());
}

TEST_F(MetadLinkTest, CopyCommandReplicatesToTheTarget) {
  FakeMetad metad;
  ASSERT_TRUE(metad.Start().ok());
  testing::TempDir other_dir;
  auto source = StartNode(tmp_.path(), {metad.bound()});
  auto target = StartNode(other_dir.path(), {});
  ASSERT_TRUE(source && target);
  std::string data = PatternData(1500000, 30);
  BlockClient src(client_, source->bound());
  ASSERT_TRUE(src.Write(30, 6, 0, data).ok());
  metad.QueueCommand(
      {.copy = true, .block_id = 30, .version = 6, .targets = {target->bound().ToString()}});
  BlockClient dst(client_, target->bound());
  ASSERT_TRUE(FakeMetad::WaitFor([&] {
    auto i = dst.Stat(30);
    return i.ok() && i->length == data.size();
  }));
  Result<std::string> got = dst.Read(30, 6, 0, data.size());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, data);
}

TEST_F(MetadLinkTest, ReregisterTriggersRegistrationAndFullReport) {
  FakeMetad metad;
  metad.set_report_wanted(false);
  ASSERT_TRUE(metad.Start().ok());
  auto node = StartNode(tmp_.path(), {metad.bound()});
  ASSERT_TRUE(node);
  ASSERT_TRUE(FakeMetad::WaitFor([&] { return metad.heartbeats() >= 1; }));
  EXPECT_EQ(metad.full_reports(), 0);  // not wanted
  BlockClient bc(client_, node->bound());
  ASSERT_TRUE(bc.Write(40, 1, 0, "x").ok());
  metad.RequestReregister();
  ASSERT_TRUE(FakeMetad::WaitFor([&] { return metad.full_reports() >= 1; }));
  EXPECT_GE(metad.registrations(), 2);
  EXPECT_EQ(metad.full_report().count(40), 1u);
}

TEST_F(MetadLinkTest, MetadThatStartsLateIsReachedByRetries) {
  std::string addr = "127.0.0.1:" + std::to_string(testing::FreePort());
  auto node = StartNode(tmp_.path(), {*Endpoint::Parse(addr)});
  ASSERT_TRUE(node);
  BlockClient bc(client_, node->bound());
  ASSERT_TRUE(bc.Write(50, 1, 0, "early").ok());  // while the metad is down
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  FakeMetad metad(addr);
  ASSERT_TRUE(metad.Start().ok());
  ASSERT_TRUE(FakeMetad::WaitFor([&] { return metad.full_reports() >= 1; }));
  EXPECT_EQ(metad.full_report().count(50), 1u);
}

TEST_F(MetadLinkTest, ScannerReportsCorruptReplicas) {
  FakeMetad metad;
  ASSERT_TRUE(metad.Start().ok());
  auto node = StartNode(tmp_.path(), {metad.bound()}, /*scan_rate=*/64u << 20);
  ASSERT_TRUE(node);
  BlockClient bc(client_, node->bound());
  ASSERT_TRUE(bc.Write(60, 2, 0, PatternData(300000, 60), {.sync = true}).ok());
  testing::FlipBit(disk::BlockDataPath(tmp_.path() + "/data", 60), 200000, 5);
  ASSERT_TRUE(FakeMetad::WaitFor([&] { return HasId(metad.corrupt(), 60); }));
  EXPECT_TRUE(FakeMetad::WaitFor([&] { return metad.last_heartbeat_bad_blocks() == 1; }));
}

}  // namespace
}  // namespace opendfs::blockd
