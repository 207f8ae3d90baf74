// Transport benchmarks over loopback (one process: server + client).
//
//   BM_PingSync/threads:N   small-RPC round trips, N threads calling Call()
//   BM_PingAsync/inflight:N one thread keeping N CallAsync() in flight
//   BM_Upload64MiB          64 MiB request trailer from memory, small reply
//   BM_Download64MiB/mem    64 MiB reply trailer from memory (uv_write iovec)
//   BM_Download64MiB/file   64 MiB reply trailer from a page-cached file (sendfile)
// Each but the sendfile one also runs with sealed:1: the same calls on a
// connection authenticated with a cluster key, every frame carrying its
// HMAC-SHA-256 tag (libnet/peer_auth.h) — the MAC's cost is the ratio of the
// sealed:1 row to its sealed:0 twin from the same run.
//
// Run: ninja -C build-net bench/bench_net && ./build-net/bench/bench_net
// The machine is shared and small (2 cores): read the figures as orders of
// magnitude, and compare runs on the same machine only.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>

#include <benchmark/benchmark.h>

#include "libnet/client.h"
#include "libnet/rpc_methods.h"
#include "libnet/server.h"
#include "rpc_generated.h"

namespace opendfs {
namespace {

using namespace std::chrono_literals;

constexpr uint16_t kUpload = 60;
constexpr uint16_t kDownloadMem = 61;
constexpr uint16_t kDownloadFile = 62;
constexpr size_t kBulk = 64u << 20;

void ReplyText(Responder& r, std::string_view text, DataSource data = {}) {
  flatbuffers::FlatBufferBuilder b(64);
  b.Finish(fb::CreatePingReply(b, b.CreateString(text)));
  r.Reply(b, std::move(data));
}

// One server and one client shared by every benchmark.
struct Fixture {
  Fixture() {
    bulk = std::make_shared<const Bytes>([] {
      Bytes b(kBulk);
      std::memset(b.data(), 0x5A, kBulk);
      return b;
    }());
    char path[] = "/tmp/odfs_bench_XXXXXX";
    file_fd = mkstemp(path);
    unlink(path);
    for (size_t off = 0; off < kBulk; off += 1 << 20)
      if (write(file_fd, bulk->data() + off, 1 << 20) != (1 << 20)) std::abort();

    auto key = std::make_shared<const ClusterKey>(ClusterKey{std::vector<uint8_t>(32, 7)});
    Start(plain, nullptr);
    Start(sealed, key);
  }

  struct Side {
    std::unique_ptr<Server> server;
    std::unique_ptr<Client> client;
    Endpoint ep;
  };

  void Start(Side& side, std::shared_ptr<const ClusterKey> key) {
    ServerOptions o;
    o.bind = "127.0.0.1:0";
    o.workers = 2;
    o.peer_auth.key = key;
    o.peer_auth.role = fb::PeerRole::Metad;
    side.server = std::make_unique<Server>(o, Logger::Quiet());
    Server* server = side.server.get();
    server->Handle<fb::PingRequest>(kUpload, [](Request&& req, Responder&& r) {
      ReplyText(r, req.data.size() == kBulk ? "ok" : "short");
    });
    server->Handle<fb::PingRequest>(kDownloadMem, [this](Request&&, Responder&& r) {
      ReplyText(r, "mem", DataSource::Shared(bulk, 0, kBulk));
    });
    server->Handle<fb::PingRequest>(kDownloadFile, [this](Request&&, Responder&& r) {
      ReplyText(r, "file", DataSource::File(file_fd, 0, kBulk, nullptr));
    });
    if (!server->Start().ok()) std::abort();
    side.ep = server->bound();
    ClientOptions co;
    co.conns_per_endpoint = 2;
    co.peer_auth.key = key;
    co.peer_auth.role = fb::PeerRole::Blockd;
    side.client = std::make_unique<Client>(co, Logger::Quiet());
  }
  Side& side(bool is_sealed) { return is_sealed ? sealed : plain; }

  std::shared_ptr<const Bytes> bulk;
  int file_fd = -1;
  Side plain;
  Side sealed;
};

Fixture& F() {
  static Fixture* f = new Fixture();  // leaked: lives for the process
  return *f;
}

SharedPayload PingPayload() {
  flatbuffers::FlatBufferBuilder b(64);
  b.Finish(fb::CreatePingRequest(b, b.CreateString("ping")));
  return SharePayload(b);
}

void BM_PingSync(benchmark::State& state) {
  Fixture::Side& f = F().side(state.range(0) != 0);
  SharedPayload p = PingPayload();
  for (auto _ : state) {
    auto r = f.client->CallRaw(f.ep, kPingMethod, p, {}, 10000ms,
                               &VerifyPayload<fb::PingReply>);
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PingSync)->ArgName("sealed")->Arg(0)->Arg(1)->Threads(1)->Threads(16)->UseRealTime();

void BM_PingAsync(benchmark::State& state) {
  Fixture::Side& f = F().side(state.range(1) != 0);
  const int window = static_cast<int>(state.range(0));
  SharedPayload p = PingPayload();
  std::mutex mu;
  std::condition_variable cv;
  int inflight = 0;
  std::atomic<int> errors{0};
  for (auto _ : state) {
    std::unique_lock<std::mutex> lk(mu);
    cv.wait(lk, [&] { return inflight < window; });
    ++inflight;
    lk.unlock();
    f.client->CallAsync<fb::PingReply>(f.ep, kPingMethod, p, {}, 10000ms,
                                       [&](Result<Reply> r) {
      if (!r.ok()) ++errors;
      std::lock_guard<std::mutex> g(mu);
      --inflight;
      cv.notify_one();
    });
  }
  std::unique_lock<std::mutex> lk(mu);
  cv.wait(lk, [&] { return inflight == 0; });
  if (errors) state.SkipWithError("calls failed");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PingAsync)->ArgNames({"inflight", "sealed"})->ArgsProduct({{16, 64}, {0, 1}})
    ->UseRealTime();

void BM_Upload64MiB(benchmark::State& state) {
  Fixture::Side& f = F().side(state.range(0) != 0);
  for (auto _ : state) {
    auto r = f.client->CallRaw(f.ep, kUpload, PingPayload(),
                               DataSource::Shared(F().bulk, 0, kBulk), 30000ms,
                               &VerifyPayload<fb::PingReply>);
    if (!r.ok() || r->As<fb::PingReply>()->text()->str() != "ok")
      state.SkipWithError("upload failed");
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(kBulk));
}
BENCHMARK(BM_Upload64MiB)->ArgName("sealed")->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_Download64MiB(benchmark::State& state) {
  // A file-range trailer cannot be sealed: the sendfile row is plain only.
  Fixture::Side& f = F().side(state.range(1) != 0);
  uint16_t type = state.range(0) ? kDownloadFile : kDownloadMem;
  for (auto _ : state) {
    auto r = f.client->CallRaw(f.ep, type, PingPayload(), {}, 30000ms,
                               &VerifyPayload<fb::PingReply>);
    if (!r.ok() || r->data.size() != kBulk) state.SkipWithError("download failed");
  }
  state.SetLabel(state.range(0) ? "sendfile" : state.range(1) ? "memory, sealed" : "memory");
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(kBulk));
}
BENCHMARK(BM_Download64MiB)->ArgNames({"file", "sealed"})->Args({0, 0})->Args({0, 1})
    ->Args({1, 0})->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace opendfs

BENCHMARK_MAIN();
