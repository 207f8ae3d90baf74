// Server + Client over loopback with the cluster key (issue 15 §1): calls on a
// sealed connection round-trip (payloads and large trailers); a client with
// the wrong key or none is refused by a kRequire listener and its calls fail;
// a kAllow listener serves keyless clients as clients and keyed ones as peers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "libnet/client.h"
#include "libnet/rpc_methods.h"
#include "libnet/server.h"
#include "rpc_generated.h"

namespace opendfs {
namespace {

using namespace std::chrono_literals;

constexpr uint16_t kEcho = 50;  // PingRequest -> PingReply "<role>:<text>", echoes data

std::shared_ptr<const ClusterKey> Key(char fill) {
  return std::make_shared<const ClusterKey>(ClusterKey{std::vector<uint8_t>(32, uint8_t(fill))});
}

struct Fixture {
  Logger log{LogLevel::kWarn};
  std::unique_ptr<Server> server;

  explicit Fixture(PeerAuthOptions auth) {
    ServerOptions so;
    so.peer_auth = std::move(auth);
    server = std::make_unique<Server>(so, log);
    server->Handle<fb::PingRequest>(kEcho, [](Request&& req, Responder&& r) {
      const auto* ping = req.As<fb::PingRequest>();
      flatbuffers::FlatBufferBuilder b;
      std::string text = std::to_string(static_cast<int>(req.peer_role)) + ":" +
                         (ping->text() ? ping->text()->str() : "");
      b.Finish(fb::CreatePingReply(b, b.CreateString(text)));
      r.Reply(b, DataSource(std::move(req.data)));
    });
    EXPECT_TRUE(server->Start().ok());
  }
  Endpoint ep() const { return server->bound(); }
};

ClientOptions KeyedClient(std::shared_ptr<const ClusterKey> key) {
  ClientOptions co;
  co.peer_auth.key = std::move(key);
  co.peer_auth.role = fb::PeerRole::Blockd;
  return co;
}

Result<Reply> Echo(Client& c, const Endpoint& ep, const std::string& text, Bytes data = {}) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePingRequest(b, b.CreateString(text)));
  return c.Call<fb::PingReply>(ep, kEcho, b, DataSource(std::move(data)), 5000ms);
}

std::string Text(const Reply& r) { return r.As<fb::PingReply>()->text()->str(); }

PeerAuthOptions Require(std::shared_ptr<const ClusterKey> key) {
  PeerAuthOptions a;
  a.key = std::move(key);
  a.role = fb::PeerRole::Metad;
  a.mode = PeerAuthOptions::Mode::kRequire;
  return a;
}

TEST(SealedRpcTest, SameKeyRoundTripsPayloadsAndTrailers) {
  Fixture f(Require(Key('k')));
  Logger log{LogLevel::kWarn};
  Client c(KeyedClient(Key('k')), log);
  for (int i = 0; i < 50; ++i) {
    Result<Reply> r = Echo(c, f.ep(), "hi" + std::to_string(i));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(Text(r.value()), "3:hi" + std::to_string(i));  // 3 = PeerRole::Blockd
  }
  Bytes big(3u << 20);
  for (size_t i = 0; i < big.size(); ++i) big.data()[i] = uint8_t(i * 7);
  Result<Reply> r = Echo(c, f.ep(), "big", Bytes::Copy(big.data(), big.size()));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r.value().data.size(), big.size());
  EXPECT_EQ(std::memcmp(r.value().data.data(), big.data(), big.size()), 0);
}

TEST(SealedRpcTest, WrongKeyOrNoKeyIsRefused) {
  Fixture f(Require(Key('k')));
  Logger log{LogLevel::kError};
  Client wrong(KeyedClient(Key('w')), log);
  Result<Reply> r = Echo(wrong, f.ep(), "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::Unauthenticated) << r.status().ToString();
  Client none(ClientOptions{}, log);
  r = Echo(none, f.ep(), "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::ConnReset) << r.status().ToString();
  // A keyed client talking to a keyless server gets a clear refusal too.
  Fixture open(PeerAuthOptions{});
  Client keyed(KeyedClient(Key('k')), log);
  r = Echo(keyed, open.ep(), "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::Unauthenticated) << r.status().ToString();
  // The server keeps serving its real peers.
  Client good(KeyedClient(Key('k')), log);
  EXPECT_TRUE(Echo(good, f.ep(), "still").ok());
}

TEST(SealedRpcTest, RawFrameWithoutHandshakeClosesTheConnection) {
  Fixture f(Require(Key('k')));
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(f.ep().port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePingRequest(b, b.CreateString("forged")));
  FrameHeader h;
  h.type = kEcho;
  h.request_id = 1;
  h.payload_len = b.GetSize();
  uint8_t hdr[kFrameHeaderSize];
  EncodeHeader(h, hdr);
  ASSERT_EQ(write(fd, hdr, sizeof hdr), static_cast<ssize_t>(sizeof hdr));
  ASSERT_EQ(write(fd, b.GetBufferPointer(), b.GetSize()), static_cast<ssize_t>(b.GetSize()));
  char buf[256];
  ssize_t n = read(fd, buf, sizeof buf);  // no reply: EOF
  EXPECT_EQ(n, 0);
  close(fd);
}

TEST(SealedRpcTest, AllowModeTellsClientsFromPeers) {
  PeerAuthOptions allow = Require(Key('k'));
  allow.mode = PeerAuthOptions::Mode::kAllow;
  Fixture f(allow);
  Logger log{LogLevel::kError};
  Client client(ClientOptions{}, log);
  Result<Reply> r = Echo(client, f.ep(), "c");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Text(r.value()), "0:c");
  Client peer(KeyedClient(Key('k')), log);
  r = Echo(peer, f.ep(), "p");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Text(r.value()), "3:p");
  Client wrong(KeyedClient(Key('w')), log);
  EXPECT_EQ(Echo(wrong, f.ep(), "w").status().code(), StatusCode::Unauthenticated);
}

}  // namespace
}  // namespace opendfs
