// Committed metadata operations per second through the real opendfs-metad
// process: every mkdir or create is one editlog record made durable (RocksDB sync) by
// group commit before the reply. 1 caller shows the cost of one sync per
// operation; 64 callers show batching (many records per sync).
//
//   ninja -C build bench/bench_metad && ./build/bench/bench_metad
//
// The editlog lives under /var/tmp (a real disk, not tmpfs). Baseline printed
// beside it: in-process Ping round trips to the same daemon (no disk).
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <benchmark/benchmark.h>

#include "bench/metad_process.h"
#include "meta_generated.h"

namespace opendfs {
namespace {

using std::chrono::milliseconds;
constexpr uint16_t kMkdir = static_cast<uint16_t>(fb::MetaMethod::Mkdir);

struct Daemon {
  std::string dir = "/var/tmp/bench_metad." + std::to_string(getpid());
  std::unique_ptr<bench::MetadProcess> process;
  Endpoint ep;
  Client* client = nullptr;

  Daemon() {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    process = std::make_unique<bench::MetadProcess>(OPENDFS_METAD_BIN, dir, 18200);
    if (!process->Start(std::chrono::seconds(10))) {
      std::fprintf(stderr, "bench_metad: opendfs-metad did not start (see %s/error.log)\n", dir.c_str());
      std::abort();
    }
    ep = process->endpoint();
    client = &process->client();
  }
  ~Daemon() {
    process.reset();
    std::filesystem::remove_all(dir);
  }
};

Daemon& TheDaemon() {
  static Daemon d;
  return d;
}

std::atomic<uint64_t> g_name{0};

void BM_CommittedMkdir(benchmark::State& state) {
  Daemon& d = TheDaemon();
  for (auto _ : state) {
    flatbuffers::FlatBufferBuilder b;
    std::string name = "d" + std::to_string(g_name.fetch_add(1));
    b.Finish(fb::CreateMkdirRequest(b, fb::CreateCaller(b), 1, b.CreateString(name), 0755, 0));
    Result<Reply> r = d.client->Call<fb::AttrReply>(d.ep, kMkdir, b, {}, milliseconds(30000));
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CommittedMkdir)->Threads(1)->Threads(64)->UseRealTime()->MinTime(2.0);

// create(2) of an empty file: one Create record (O_EXCL), durable before the
// reply; the handle stays open (session 0, as the CLI does).
void BM_CommittedCreate(benchmark::State& state) {
  Daemon& d = TheDaemon();
  constexpr uint16_t kCreate = static_cast<uint16_t>(fb::MetaMethod::Create);
  for (auto _ : state) {
    flatbuffers::FlatBufferBuilder b;
    std::string name = "f" + std::to_string(g_name.fetch_add(1));
    b.Finish(fb::CreateCreateRequest(b, fb::CreateCaller(b), 1, b.CreateString(name), 0644, 022,
                                     O_CREAT | O_EXCL | O_WRONLY, 0, 0));
    Result<Reply> r = d.client->Call<fb::OpenReply>(d.ep, kCreate, b, {}, milliseconds(30000));
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CommittedCreate)->Threads(1)->Threads(64)->UseRealTime()->MinTime(2.0);

void BM_PingBaseline(benchmark::State& state) {
  Daemon& d = TheDaemon();
  for (auto _ : state) {
    flatbuffers::FlatBufferBuilder b;
    b.Finish(fb::CreatePingRequest(b));
    Result<Reply> r = d.client->Call<fb::PingReply>(d.ep, kPingMethod, b, {}, milliseconds(5000));
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PingBaseline)->Threads(1)->Threads(64)->UseRealTime()->MinTime(1.0);

}  // namespace
}  // namespace opendfs

BENCHMARK_MAIN();
