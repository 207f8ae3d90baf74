// A raw socket floods the server with garbage — random bytes, truncated
// frames, huge length fields, bad magic, payloads that fail verification —
// thousands of times, while a well-behaved client keeps pinging. The server
// must keep answering the good client correctly, close the bad connections,
// and not grow its memory (VmRSS) beyond a generous bound after a warmup.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "libnet/client.h"
#include "libnet/frame.h"
#include "libnet/rpc_methods.h"
#include "libnet/server.h"
#include "rpc_generated.h"

namespace opendfs {
namespace {

using namespace std::chrono_literals;

long VmRssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

int Connect(uint16_t port) {
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

std::vector<uint8_t> Header(uint16_t type, uint32_t payload_len, uint32_t data_len,
                            uint32_t magic = kFrameMagic, uint8_t version = kFrameVersion) {
  FrameHeader h;
  h.magic = magic;
  h.version = version;
  h.type = type;
  h.request_id = 1;
  h.payload_len = payload_len;
  h.data_len = data_len;
  std::vector<uint8_t> out(kFrameHeaderSize);
  EncodeHeader(h, out.data());
  return out;
}

// One abusive connection of kind `kind`.
void Abuse(uint16_t port, int kind, std::mt19937& rng) {
  int fd = Connect(port);
  if (fd < 0) return;
  std::vector<uint8_t> buf;
  auto random_bytes = [&](size_t n) {
    for (size_t i = 0; i < n; ++i) buf.push_back(static_cast<uint8_t>(rng()));
  };
  switch (kind) {
    case 0:  // pure noise
      random_bytes(64 + rng() % 4000);
      break;
    case 1: {  // truncated frame: promises a big body, sends a little
      buf = Header(kPingMethod, 1000, 60u << 20);
      random_bytes(10 + rng() % 500);
      break;
    }
    case 2:  // huge length fields
      buf = Header(kPingMethod, 0xFFFFFFF0u, 0xFFFFFFF0u);
      break;
    case 3:  // bad magic / bad version
      buf = (rng() & 1) ? Header(kPingMethod, 4, 0, 0xDEADBEEF)
                        : Header(kPingMethod, 4, 0, kFrameMagic, 9);
      random_bytes(4);
      break;
    default: {  // well-framed requests whose payloads fail verification
      for (int i = 0; i < 20; ++i) {
        uint32_t n = 4 + rng() % 200;
        auto h = Header(i % 3 == 0 ? 777 : kPingMethod, n, rng() % 100);
        buf.insert(buf.end(), h.begin(), h.end());
        // random payload + random data trailer of the announced sizes
        FrameHeader d;
        DecodeHeader(h.data(), FrameLimits{}, &d).ok();
        random_bytes(d.payload_len + d.data_len);
      }
      break;
    }
  }
  // Best effort: the server may close on us mid-send.
  ssize_t sent = send(fd, buf.data(), buf.size(), MSG_NOSIGNAL);
  (void)sent;
  if (rng() % 4 == 0) {  // sometimes reset instead of closing cleanly
    linger l{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  close(fd);
}

TEST(Garbage, FloodDoesNotHurtGoodClientsOrGrowMemory) {
  ServerOptions o;
  o.bind = "127.0.0.1:0";
  o.workers = 2;
  Server server(o, Logger::Quiet());
  ASSERT_TRUE(server.Start().ok());
  const uint16_t port = server.bound().port;

  Client client({}, Logger::Quiet());
  std::atomic<bool> stop{false};
  std::atomic<int> good{0}, bad{0};
  std::thread pinger([&] {
    int i = 0;
    while (!stop) {
      std::string text = "ping " + std::to_string(i++);
      flatbuffers::FlatBufferBuilder b;
      b.Finish(fb::CreatePingRequest(b, b.CreateString(text)));
      auto r = client.Call<fb::PingReply>(server.bound(), kPingMethod, b, {}, 10000ms);
      if (r.ok() && r->As<fb::PingReply>()->text()->str() == text)
        ++good;
      else
        ++bad;
    }
  });

  std::mt19937 rng(1234);
  for (int i = 0; i < 500; ++i) Abuse(port, i % 5, rng);  // warmup
  long rss_before = VmRssKb();
  for (int i = 0; i < 4000; ++i) Abuse(port, i % 5, rng);
  long rss_after = VmRssKb();

  // Let the server notice the last closes (bounded wait, not a timing check).
  for (int i = 0; i < 600 && server.stats().connections > 1; ++i)
    std::this_thread::sleep_for(50ms);
  int good_before_stop = good.load();
  stop = true;
  pinger.join();

  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(good_before_stop, 0);
  EXPECT_GT(server.stats().bad_frames, 1000u);
  EXPECT_LE(server.stats().connections, 1u);  // only the good client's
  ASSERT_GT(rss_before, 0);
#if !defined(__SANITIZE_ADDRESS__)  // ASan's quarantine keeps freed memory
  EXPECT_LT(rss_after - rss_before, 64 * 1024)  // KiB: generous bound
      << "VmRSS grew from " << rss_before << " KiB to " << rss_after << " KiB";
#endif
  std::printf("garbage flood: %d good pings, bad_frames=%llu, VmRSS %ld -> %ld KiB\n",
              good.load(), static_cast<unsigned long long>(server.stats().bad_frames),
              rss_before, rss_after);
}

}  // namespace
}  // namespace opendfs
