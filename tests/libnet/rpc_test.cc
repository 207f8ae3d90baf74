// Server + Client over loopback: round trips, concurrency, data trailers
// (memory and sendfile), timeouts, refused/reset connections, back-pressure,
// unknown methods, error replies and bind errors.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <future>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "libnet/client.h"
#include "libnet/rpc_methods.h"
#include "libnet/server.h"
#include "rpc_generated.h"

namespace opendfs {
namespace {

using namespace std::chrono_literals;

constexpr uint16_t kEcho = 50;      // PingRequest -> PingReply, echoes data
constexpr uint16_t kHold = 51;      // handler keeps the Responder
constexpr uint16_t kFile = 52;      // replies with a file range
constexpr uint16_t kFail = 53;      // replies NotLeader / NotFound
constexpr uint16_t kBig = 54;       // replies with a 1 MiB trailer

int RawConnect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

Result<Reply> Ping(Client& c, const Endpoint& ep, const std::string& text,
                   uint16_t type = kPingMethod, DataSource data = {},
                   std::chrono::milliseconds timeout = 5000ms) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePingRequest(b, b.CreateString(text)));
  return c.Call<fb::PingReply>(ep, type, b, std::move(data), timeout);
}

void ReplyText(Responder& r, const std::string& text, DataSource data = {}) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePingReply(b, b.CreateString(text)));
  r.Reply(b, std::move(data));
}

Bytes RandomBytes(size_t n, uint32_t seed) {
  Bytes b(n);
  std::mt19937 rng(seed);
  for (size_t i = 0; i < n; ++i) b.data()[i] = static_cast<uint8_t>(rng());
  return b;
}

class RpcTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions o = {}) {
    o.bind = "127.0.0.1:0";
    server_ = std::make_unique<Server>(o, Logger::Quiet());
    server_->Handle<fb::PingRequest>(kEcho, [](Request&& req, Responder&& r) {
      std::string text = req.As<fb::PingRequest>()->text()->str();
      ReplyText(r, text, DataSource(std::move(req.data)));
    });
    server_->Handle<fb::PingRequest>(kHold, [this](Request&&, Responder&& r) {
      std::lock_guard<std::mutex> g(mu_);
      held_.push_back(std::move(r));
      cv_.notify_all();
    });
    server_->Handle<fb::PingRequest>(kFile, [this](Request&&, Responder&& r) {
      ReplyText(r, "file", DataSource::File(file_fd_, file_offset_, file_len_,
                                            [this](Status s) {
                                              std::lock_guard<std::mutex> g(mu_);
                                              file_done_.push_back(s);
                                            }));
    });
    server_->Handle<fb::PingRequest>(kFail, [](Request&& req, Responder&& r) {
      if (req.As<fb::PingRequest>()->text()->str() == "leader")
        r.Fail(Status(StatusCode::NotLeader, "not me"), "10.0.0.7:8000");
      else
        r.Fail(Status(StatusCode::NotFound, "/x: no such entry"));
    });
    server_->Handle<fb::PingRequest>(kBig, [this](Request&&, Responder&& r) {
      big_calls_++;
      ReplyText(r, "big", DataSource(Bytes(1 << 20)));
    });
    ASSERT_TRUE(server_->Start().ok());
    ep_ = server_->bound();
  }

  void WaitHeld(size_t n) {
    std::unique_lock<std::mutex> lk(mu_);
    cv_.wait(lk, [&] { return held_.size() >= n; });
  }

  void TearDown() override {
    {
      std::lock_guard<std::mutex> g(mu_);
      for (auto& r : held_)
        if (r.pending()) r.Fail(Status(StatusCode::ShuttingDown, "test over"));
      held_.clear();
    }
    if (server_) server_->Stop();
    if (file_fd_ >= 0) close(file_fd_);
  }

  std::unique_ptr<Server> server_;
  Endpoint ep_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Responder> held_;
  std::vector<Status> file_done_;
  std::atomic<int> big_calls_{0};
  int file_fd_ = -1;
  uint64_t file_offset_ = 0, file_len_ = 0;
};

TEST_F(RpcTest, PingRoundTrip) {
  StartServer();
  Client client({}, Logger::Quiet());
  auto r = Ping(client, ep_, "hello");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->As<fb::PingReply>()->text()->str(), "hello");
  EXPECT_TRUE(r->data.empty());
  EXPECT_EQ(server_->stats().inflight, 0u);
}

TEST_F(RpcTest, ManyThreadsCallConcurrently) {
  ServerOptions o;
  o.workers = 2;
  StartServer(o);
  ClientOptions co;
  co.conns_per_endpoint = 2;
  Client client(co, Logger::Quiet());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string text = std::to_string(t) + "/" + std::to_string(i);
        auto r = Ping(client, ep_, text, kEcho);
        if (r.ok() && r->As<fb::PingReply>()->text()->str() == text) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 16 * 200);
}

TEST_F(RpcTest, AsyncCallbackRunsOnLoopAndCanChain) {
  StartServer();
  Client client({}, Logger::Quiet());
  std::mutex m;
  std::condition_variable cv;
  int done = 0;
  bool on_loop = true;
  for (int i = 0; i < 10; ++i) {
    flatbuffers::FlatBufferBuilder b;
    b.Finish(fb::CreatePingRequest(b, b.CreateString("a")));
    client.CallAsync<fb::PingReply>(ep_, kPingMethod, b, {}, 5000ms,
                                    [&](Result<Reply> r) {
      std::lock_guard<std::mutex> g(m);
      on_loop = on_loop && client.OnLoopThread() && r.ok();
      ++done;
      cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lk(m);
  cv.wait(lk, [&] { return done == 10; });
  EXPECT_TRUE(on_loop);
}

TEST_F(RpcTest, MemoryDataTrailerBothWays) {
  StartServer();
  Client client({}, Logger::Quiet());
  const size_t n = 6u << 20;
  Bytes data = RandomBytes(n, 7);
  Bytes expect = Bytes::Copy(data.data(), n);
  auto r = Ping(client, ep_, "blk", kEcho, DataSource(std::move(data)));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->data.size(), n);
  EXPECT_EQ(0, std::memcmp(r->data.data(), expect.data(), n));
}

TEST_F(RpcTest, SharedDataTrailerSlice) {
  StartServer();
  Client client({}, Logger::Quiet());
  auto shared = std::make_shared<const Bytes>(RandomBytes(1 << 20, 3));
  auto r = Ping(client, ep_, "s", kEcho, DataSource::Shared(shared, 100, 70000));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->data.size(), 70000u);
  EXPECT_EQ(0, std::memcmp(r->data.data(), shared->data() + 100, 70000));
}

TEST_F(RpcTest, SendfileDataTrailer) {
  StartServer();
  char path[] = "/tmp/odfs_sendfile_XXXXXX";
  file_fd_ = mkstemp(path);
  ASSERT_GE(file_fd_, 0);
  unlink(path);
  const size_t n = 5u << 20;
  Bytes content = RandomBytes(n, 11);
  ASSERT_EQ(write(file_fd_, content.data(), n), static_cast<ssize_t>(n));
  file_offset_ = 4096 + 13;
  file_len_ = n - file_offset_ - 1000;
  Client client({}, Logger::Quiet());
  for (int i = 0; i < 3; ++i) {  // consecutive file frames on one connection
    auto r = Ping(client, ep_, "f", kFile);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->As<fb::PingReply>()->text()->str(), "file");
    ASSERT_EQ(r->data.size(), file_len_);
    EXPECT_EQ(0, std::memcmp(r->data.data(), content.data() + file_offset_, file_len_));
    // A small call right behind it shares the connection and stays ordered.
    ASSERT_TRUE(Ping(client, ep_, "after").ok());
  }
  std::lock_guard<std::mutex> g(mu_);
  ASSERT_EQ(file_done_.size(), 3u);
  for (auto& s : file_done_) EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(RpcTest, TimeoutThenLateReplyIsDropped) {
  StartServer();
  Client client({}, Logger::Quiet());
  auto r = Ping(client, ep_, "x", kHold, {}, 200ms);
  EXPECT_EQ(r.status().code(), StatusCode::TimedOut) << r.status().ToString();
  WaitHeld(1);
  {
    std::lock_guard<std::mutex> g(mu_);
    ReplyText(held_[0], "late");
  }
  // The connection keeps working and the late reply is not mistaken for this.
  auto r2 = Ping(client, ep_, "next");
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r2->As<fb::PingReply>()->text()->str(), "next");
}

TEST_F(RpcTest, RefusedWhenNothingListens) {
  StartServer();
  Endpoint dead = ep_;
  server_->Stop();
  server_.reset();
  Client client({}, Logger::Quiet());
  auto r = Ping(client, dead, "x");
  EXPECT_EQ(r.status().code(), StatusCode::ConnRefused) << r.status().ToString();
}

TEST_F(RpcTest, ResetFailsCallsInFlight) {
  StartServer();
  Client client({}, Logger::Quiet());
  std::thread stopper([&] {
    WaitHeld(1);
    server_->Stop();
  });
  auto r = Ping(client, ep_, "x", kHold, {}, 10000ms);
  stopper.join();
  EXPECT_EQ(r.status().code(), StatusCode::ConnReset) << r.status().ToString();
}

TEST_F(RpcTest, BusyBeyondMaxQueueLen) {
  ServerOptions o;
  o.max_queue_len = 2;
  StartServer(o);
  Client client({}, Logger::Quiet());
  std::vector<std::thread> holders;
  std::vector<Result<Reply>> results;
  for (int i = 0; i < 2; ++i) results.emplace_back(Status(StatusCode::Internal, "unset"));
  for (int i = 0; i < 2; ++i)
    holders.emplace_back([&, i] { results[i] = Ping(client, ep_, "h", kHold, {}, 10000ms); });
  WaitHeld(2);
  EXPECT_EQ(server_->stats().inflight, 2u);
  auto r = Ping(client, ep_, "third", kHold);
  EXPECT_EQ(r.status().code(), StatusCode::Busy) << r.status().ToString();
  EXPECT_EQ(server_->stats().rejected_busy, 1u);
  {
    std::lock_guard<std::mutex> g(mu_);
    EXPECT_EQ(held_.size(), 2u);  // the handler was not called a third time
    for (auto& h : held_) ReplyText(h, "released");
  }
  for (auto& t : holders) t.join();
  for (auto& res : results) EXPECT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(server_->stats().inflight, 0u);
  EXPECT_TRUE(Ping(client, ep_, "again").ok());
}

// The client's own pending table is bounded too: past max_pending_calls an
// async call fails Busy without reaching the server, a synchronous one waits
// for room (failing Busy when none comes within its timeout).
TEST_F(RpcTest, ClientPendingCallsAreBounded) {
  StartServer();
  ClientOptions o;
  o.max_pending_calls = 2;
  Client client(o, Logger::Quiet());
  std::atomic<int> answered{0};
  for (int i = 0; i < 2; ++i) {
    flatbuffers::FlatBufferBuilder b;
    b.Finish(fb::CreatePingRequest(b, b.CreateString("held")));
    client.CallAsync<fb::PingReply>(ep_, kHold, b, {}, 10000ms,
                                    [&](Result<Reply> r) { answered += r.ok(); });
  }
  WaitHeld(2);
  std::promise<Status> third;
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePingRequest(b, b.CreateString("third")));
  client.CallAsync<fb::PingReply>(ep_, kHold, b, {}, 10000ms,
                                  [&](Result<Reply> r) { third.set_value(r.status()); });
  EXPECT_EQ(third.get_future().get().code(), StatusCode::Busy);
  auto waited = Ping(client, ep_, "sync", kEcho, {}, 100ms);
  EXPECT_EQ(waited.status().code(), StatusCode::Busy) << waited.status().ToString();
  {
    std::lock_guard<std::mutex> g(mu_);
    EXPECT_EQ(held_.size(), 2u);  // neither reached the server
  }
  // Room comes back once a pending call completes: a waiting caller proceeds.
  Result<Reply> after = Status(StatusCode::Internal, "unset");
  std::thread caller([&] { after = Ping(client, ep_, "after", kEcho, {}, 10000ms); });
  {
    std::lock_guard<std::mutex> g(mu_);
    ReplyText(held_[0], "released");
  }
  caller.join();
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->As<fb::PingReply>()->text()->str(), "after");
  {
    std::lock_guard<std::mutex> g(mu_);
    ReplyText(held_[1], "released");
  }
}

// One-way frames (Client::Send) reach the handler, whose answer is counted
// but never sent; calls on the same connection are unaffected, and a one-way
// frame of an unknown method is dropped without an error reply.
TEST_F(RpcTest, OneWaySendGetsNoReply) {
  StartServer();
  Client client({}, Logger::Quiet());
  ASSERT_TRUE(Ping(client, ep_, "connect").ok());
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePingRequest(b, b.CreateString("one-way")));
  client.Send(ep_, kHold, b);
  flatbuffers::FlatBufferBuilder u;
  u.Finish(fb::CreatePingRequest(u, u.CreateString("nobody")));
  client.Send(ep_, 999, u);
  WaitHeld(1);
  {
    std::lock_guard<std::mutex> g(mu_);
    EXPECT_EQ(held_.size(), 1u);
    ReplyText(held_[0], "unsent");
  }
  EXPECT_EQ(server_->stats().inflight, 0u);
  auto r = Ping(client, ep_, "after");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->As<fb::PingReply>()->text()->str(), "after");
}

TEST_F(RpcTest, UnknownMethod) {
  StartServer();
  Client client({}, Logger::Quiet());
  auto r = Ping(client, ep_, "x", 99);
  EXPECT_EQ(r.status().code(), StatusCode::UnknownMethod) << r.status().ToString();
  EXPECT_TRUE(Ping(client, ep_, "still fine").ok());
}

TEST_F(RpcTest, ErrorRepliesCarryCodeMessageAndLeader) {
  StartServer();
  Client client({}, Logger::Quiet());
  auto r = Ping(client, ep_, "leader", kFail);
  EXPECT_EQ(r.status().code(), StatusCode::NotLeader);
  EXPECT_EQ(r.status().message(), "10.0.0.7:8000");
  auto r2 = Ping(client, ep_, "other", kFail);
  EXPECT_EQ(r2.status().code(), StatusCode::NotFound);
  EXPECT_EQ(r2.status().message(), "/x: no such entry");
}

TEST_F(RpcTest, DroppedResponderRepliesInternal) {
  StartServer();
  Client client({}, Logger::Quiet());
  std::thread dropper([&] {
    WaitHeld(1);
    std::lock_guard<std::mutex> g(mu_);
    held_.clear();  // destroys the Responder unanswered
  });
  auto r = Ping(client, ep_, "x", kHold);
  dropper.join();
  EXPECT_EQ(r.status().code(), StatusCode::Internal) << r.status().ToString();
}

TEST_F(RpcTest, CorruptRequestPayloadGetsBadFrame) {
  StartServer();
  Client client({}, Logger::Quiet());
  // Root offset far outside the buffer: not a PingRequest.
  auto* junk = new uint8_t[16]{0xF0, 0xFF, 0xFF, 0x0F, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  auto payload = std::make_shared<const flatbuffers::DetachedBuffer>(
      nullptr, false, junk, 16, junk, 16);
  auto r = client.CallRaw(ep_, kPingMethod, payload, {}, 5000ms,
                          &VerifyPayload<fb::PingReply>);
  EXPECT_EQ(r.status().code(), StatusCode::BadFrame) << r.status().ToString();
  EXPECT_EQ(server_->stats().bad_frames, 1u);
  EXPECT_TRUE(Ping(client, ep_, "still serving").ok());
}

TEST_F(RpcTest, ReplyFailingVerificationIsBadFrame) {
  StartServer();
  Client client({}, Logger::Quiet());
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePingRequest(b, b.CreateString("x")));
  auto r = client.CallRaw(ep_, kPingMethod, SharePayload(b), {}, 5000ms,
                          [](const uint8_t*, size_t) { return false; });
  EXPECT_EQ(r.status().code(), StatusCode::BadFrame) << r.status().ToString();
}

TEST_F(RpcTest, PeerThatDoesNotReadRepliesIsNotRead) {
  ServerOptions o;
  o.max_unsent_bytes = 1 << 20;
  StartServer(o);
  int fd = RawConnect(ep_.port);
  ASSERT_GE(fd, 0);
  // 300 requests for 1 MiB replies (300 MiB), never reading any reply.
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePingRequest(b, b.CreateString("big")));
  std::vector<uint8_t> frames;
  for (int i = 0; i < 300; ++i) {
    FrameHeader h;
    h.type = kBig;
    h.request_id = i + 1;
    h.payload_len = b.GetSize();
    uint8_t hdr[kFrameHeaderSize];
    EncodeHeader(h, hdr);
    frames.insert(frames.end(), hdr, hdr + kFrameHeaderSize);
    frames.insert(frames.end(), b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  }
  ASSERT_EQ(send(fd, frames.data(), frames.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(frames.size()));
  // Meanwhile other clients are served normally.
  Client client({}, Logger::Quiet());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Ping(client, ep_, "other").ok());
  std::this_thread::sleep_for(300ms);
  // Kernel buffers absorb some MiB of replies; the rest must wait unread
  // instead of piling up in server memory.
  EXPECT_LT(big_calls_.load(), 100);
  close(fd);
}

TEST_F(RpcTest, ConnectionsBeyondMaxAreClosed) {
  ServerOptions o;
  o.max_connections = 1;
  StartServer(o);
  Client client({}, Logger::Quiet());
  ASSERT_TRUE(Ping(client, ep_, "first").ok());
  int fd = RawConnect(ep_.port);
  ASSERT_GE(fd, 0);
  char c;
  EXPECT_LE(recv(fd, &c, 1, 0), 0);  // closed by the server
  close(fd);
  EXPECT_EQ(server_->stats().rejected_connections, 1u);
  EXPECT_TRUE(Ping(client, ep_, "still served").ok());
}

TEST_F(RpcTest, BindErrorIsClear) {
  StartServer();
  ServerOptions o;
  o.bind = ep_.ToString();
  Server second(o, Logger::Quiet());
  Status st = second.Start();
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "bind " + ep_.ToString() + ": Address already in use");
}

TEST_F(RpcTest, UnresolvableHost) {
  Client client({}, Logger::Quiet());
  auto r = Ping(client, Endpoint{"no-such-host.invalid", 1}, "x");
  EXPECT_EQ(r.status().code(), StatusCode::Unreachable) << r.status().ToString();
}

TEST_F(RpcTest, CallsAfterStopFailShuttingDown) {
  StartServer();
  Client client({}, Logger::Quiet());
  ASSERT_TRUE(Ping(client, ep_, "x").ok());
  client.Stop();
  EXPECT_EQ(Ping(client, ep_, "y").status().code(), StatusCode::ShuttingDown);
}

}  // namespace
}  // namespace opendfs
