#include "metad/registry/registry_wire.h"

#include <gtest/gtest.h>

namespace opendfs::metad {
namespace {

template <class T>
const T* Finish(flatbuffers::FlatBufferBuilder& fbb, flatbuffers::Offset<T> root) {
  fbb.Finish(root);
  flatbuffers::Verifier v(fbb.GetBufferPointer(), fbb.GetSize());
  EXPECT_TRUE(v.VerifyBuffer<T>(nullptr));
  return flatbuffers::GetRoot<T>(fbb.GetBufferPointer());
}

TEST(RegistryWire, RegisterRequestAndReply) {
  flatbuffers::FlatBufferBuilder fbb;
  auto req = Finish(fbb, fb::CreateBlockdRegisterRequestDirect(
                             fbb, "uuid-1", "0.0.0.0:8100", "/r1", 1000, 400));
  RegisterRequest r = RegisterRequestFromWire(*req, "10.1.1.1");
  EXPECT_EQ(r.uuid, "uuid-1");
  EXPECT_EQ(r.data_address, "0.0.0.0:8100");
  EXPECT_EQ(r.rack_hint, "/r1");
  EXPECT_EQ(r.peer_host, "10.1.1.1");
  EXPECT_EQ(r.stats.capacity_bytes, 1000u);
  EXPECT_EQ(r.stats.used_bytes, 400u);

  flatbuffers::FlatBufferBuilder out;
  RegisterResult res;
  res.id = 7;
  res.block_report_wanted = true;
  auto reply = Finish(out, BuildRegisterReply(out, res, 3));
  EXPECT_EQ(reply->blockd_id(), 7u);
  EXPECT_EQ(reply->heartbeat_interval_s(), 3u);
  EXPECT_TRUE(reply->block_report_wanted());
}

TEST(RegistryWire, EmptyTablesReadAsEmpty) {
  flatbuffers::FlatBufferBuilder fbb;
  auto req = Finish(fbb, fb::CreateBlockdRegisterRequest(fbb));
  RegisterRequest r = RegisterRequestFromWire(*req, "");
  EXPECT_TRUE(r.uuid.empty());
  EXPECT_TRUE(ReplicasFromWire(nullptr).empty());
}

TEST(RegistryWire, HeartbeatStatsAndCommands) {
  flatbuffers::FlatBufferBuilder fbb;
  auto hb = Finish(fbb, fb::CreateBlockdHeartbeatRequestDirect(fbb, 3, "u", 100, 50, 4, 9, 1, 2));
  BlockdStats s = HeartbeatStatsFromWire(*hb);
  EXPECT_EQ(s.capacity_bytes, 100u);
  EXPECT_EQ(s.used_bytes, 50u);
  EXPECT_EQ(s.active_connections, 4u);
  EXPECT_EQ(s.block_count, 9u);
  EXPECT_EQ(s.bad_blocks, 1u);
  EXPECT_EQ(s.inflight_copies, 2u);

  HeartbeatResult res;
  BlockdCommand del;
  del.block_id = 11;
  del.version = 2;
  BlockdCommand copy;
  copy.kind = BlockdCommand::Kind::kCopy;
  copy.block_id = 12;
  copy.version = 3;
  copy.length = 4096;
  copy.targets = {"10.0.0.5:8100", "10.0.0.6:8100"};
  res.commands = {del, copy};
  flatbuffers::FlatBufferBuilder out;
  auto reply = Finish(out, BuildHeartbeatReply(out, res));
  EXPECT_FALSE(reply->reregister());
  ASSERT_EQ(reply->commands()->size(), 2u);
  EXPECT_EQ(reply->commands()->Get(0)->kind(), fb::BlockdCommandKind::Delete);
  EXPECT_EQ(reply->commands()->Get(0)->block_id(), 11u);
  EXPECT_EQ(reply->commands()->Get(0)->targets(), nullptr);
  const fb::BlockdCommand* c = reply->commands()->Get(1);
  EXPECT_EQ(c->kind(), fb::BlockdCommandKind::Copy);
  EXPECT_EQ(c->length(), 4096u);
  ASSERT_EQ(c->targets()->size(), 2u);
  EXPECT_EQ(c->targets()->Get(1)->str(), "10.0.0.6:8100");

  flatbuffers::FlatBufferBuilder rr;
  HeartbeatResult again;
  again.reregister = true;
  EXPECT_TRUE(Finish(rr, BuildHeartbeatReply(rr, again))->reregister());
}

TEST(RegistryWire, ReportReplicas) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<fb::ReplicaReport> blocks = {{1, 2, 3}, {4, 5, 6}};
  auto req = Finish(fbb, fb::CreateFullBlockReportRequestDirect(fbb, "u", 1, 9, 0, 1, &blocks));
  EXPECT_EQ(req->chunk_count(), 1u);
  std::vector<ReportedReplica> got = ReplicasFromWire(req->blocks());
  EXPECT_EQ(got, (std::vector<ReportedReplica>{{1, 2, 3}, {4, 5, 6}}));
}

}  // namespace
}  // namespace opendfs::metad
