// MetaClient retries across a leader's death (issue 12 §4): a mutation whose
// leader dies with the request in hand is resent to the next metad with the
// same (client id, request id), so the new leader can answer it from its
// request table; every new call gets a fresh request id; reads carry none.
// Two real libnet Servers on loopback stand in for the old and new leader.
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

#include "libnet/client.h"
#include "libnet/server.h"
#include "meta_generated.h"
#include "mount/client/meta_client.h"

namespace opendfs::client {
namespace {

constexpr uint16_t M(fb::MetaMethod m) { return static_cast<uint16_t>(m); }

struct Seen {
  uint64_t client_id = 0;
  uint64_t request_id = 0;
};

// A metad that records the Caller of WriteBlock / Unlink / Lookup. `dies`:
// it keeps the first request unanswered and reports it, so that the test can
// kill it with the request in hand (the client sees the connection reset).
class RecordingMetad {
 public:
  explicit RecordingMetad(bool dies) : dies_(dies) {
    ServerOptions o;
    o.bind = "127.0.0.1:0";
    server_ = std::make_unique<Server>(o, Logger::Quiet());
    server_->Handle<fb::WriteBlockRequest>(M(fb::MetaMethod::WriteBlock), [this](Request&& req, Responder&& resp) {
      if (Record(req.As<fb::WriteBlockRequest>()->caller(), resp)) return;
      flatbuffers::FlatBufferBuilder b;
      auto loc = fb::CreateBlockLocation(b, 0, 1000, 1, 0, b.CreateVectorOfStrings({"127.0.0.1:9"}));
      b.Finish(fb::CreateWriteBlockReply(b, loc, 1 << 20, true, 30000));
      resp.Reply(b);
    });
    server_->Handle<fb::UnlinkRequest>(M(fb::MetaMethod::Unlink), [this](Request&& req, Responder&& resp) {
      if (Record(req.As<fb::UnlinkRequest>()->caller(), resp)) return;
      flatbuffers::FlatBufferBuilder b;
      b.Finish(fb::CreateEmptyReply(b));
      resp.Reply(b);
    });
    server_->Handle<fb::LookupRequest>(M(fb::MetaMethod::Lookup), [this](Request&& req, Responder&& resp) {
      if (Record(req.As<fb::LookupRequest>()->caller(), resp)) return;
      flatbuffers::FlatBufferBuilder b;
      fb::Attr a(7, 0, 0, 0, 0, 0, 0100644, 1, 0, 0, 1 << 20, 3, 0);
      b.Finish(fb::CreateAttrReply(b, &a));
      resp.Reply(b);
    });
    EXPECT_TRUE(server_->Start().ok());
  }
  ~RecordingMetad() { server_->Stop(); }

  Endpoint endpoint() const { return server_->bound(); }
  void WaitForHeldRequest() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return !held_.empty(); });
  }
  void Die() { server_->Stop(); }
  std::vector<Seen> seen() const {
    std::lock_guard<std::mutex> l(mu_);
    return seen_;
  }

 private:
  // Records the caller; true when the request is held (not to be answered).
  bool Record(const fb::Caller* c, Responder& resp) {
    std::lock_guard<std::mutex> l(mu_);
    seen_.push_back({c ? c->client_id() : 0, c ? c->request_id() : 0});
    if (!dies_) return false;
    held_.push_back(std::move(resp));
    cv_.notify_all();
    return true;
  }

  const bool dies_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Seen> seen_;
  std::vector<Responder> held_;
  std::unique_ptr<Server> server_;
};

MetaClientOptions Options(const RecordingMetad& a, const RecordingMetad& b) {
  MetaClientOptions mo;
  mo.metads = {a.endpoint(), b.endpoint()};
  mo.deadline = std::chrono::seconds(10);
  mo.backoff_min = std::chrono::milliseconds(10);
  return mo;
}

TEST(MetaClientRetry, WriteBlockIsResentWithItsRequestIdWhenTheLeaderDies) {
  RecordingMetad old_leader(/*dies=*/true), new_leader(/*dies=*/false);
  Client rpc(ClientOptions{}, Logger::Quiet());
  MetaClient meta(Options(old_leader, new_leader), rpc, Logger::Quiet());
  auto call = std::async(std::launch::async, [&] { return meta.WriteBlock(Cred{}, 5, 0, 9); });
  old_leader.WaitForHeldRequest();
  old_leader.Die();  // with the request in hand: the client sees ConnReset
  Result<WriteGrant> g = call.get();
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->block.block_id, 1000u);
  ASSERT_EQ(old_leader.seen().size(), 1u);
  ASSERT_EQ(new_leader.seen().size(), 1u);
  EXPECT_NE(old_leader.seen()[0].request_id, 0u);
  EXPECT_NE(old_leader.seen()[0].client_id, 0u);
  EXPECT_EQ(new_leader.seen()[0].request_id, old_leader.seen()[0].request_id);
  EXPECT_EQ(new_leader.seen()[0].client_id, old_leader.seen()[0].client_id);
  rpc.Stop();
}

TEST(MetaClientRetry, UnlinkIsResentWithItsRequestIdWhenTheLeaderDies) {
  RecordingMetad old_leader(/*dies=*/true), new_leader(/*dies=*/false);
  Client rpc(ClientOptions{}, Logger::Quiet());
  MetaClient meta(Options(old_leader, new_leader), rpc, Logger::Quiet());
  auto call = std::async(std::launch::async, [&] { return meta.Unlink(Cred{}, 1, "f"); });
  old_leader.WaitForHeldRequest();
  old_leader.Die();
  Status s = call.get();
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(new_leader.seen().size(), 1u);
  EXPECT_EQ(new_leader.seen()[0].request_id, old_leader.seen()[0].request_id);
  rpc.Stop();
}

TEST(MetaClientRetry, EveryCallGetsAFreshRequestIdAndReadsNone) {
  RecordingMetad unused(/*dies=*/false), leader(/*dies=*/false);
  Client rpc(ClientOptions{}, Logger::Quiet());
  MetaClientOptions mo;
  mo.metads = {leader.endpoint()};
  MetaClient meta(mo, rpc, Logger::Quiet());
  ASSERT_TRUE(meta.Unlink(Cred{}, 1, "a").ok());
  ASSERT_TRUE(meta.Unlink(Cred{}, 1, "a").ok());
  ASSERT_TRUE(meta.WriteBlock(Cred{}, 5, 0, 9).ok());
  ASSERT_TRUE(meta.Lookup(Cred{}, 1, "a").ok());
  auto seen = leader.seen();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_NE(seen[0].request_id, 0u);
  EXPECT_NE(seen[1].request_id, seen[0].request_id);
  EXPECT_NE(seen[2].request_id, seen[1].request_id);
  EXPECT_NE(seen[2].request_id, seen[0].request_id);
  EXPECT_EQ(seen[0].client_id, seen[1].client_id);
  EXPECT_EQ(seen[3].request_id, 0u);  // a read: nothing to deduplicate
  rpc.Stop();
}

}  // namespace
}  // namespace opendfs::client
