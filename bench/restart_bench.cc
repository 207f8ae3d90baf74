// Restart of the real opendfs-metad from an fsimage of 1,000,000 one-block
// files in RocksDB (issue 3): the time from exec to answering its first RPC
// (open RocksDB, read and verify the image, rebuild the namespace and the
// block index), and the daemon's resident memory per file once up. Beside
// them, in the same run: the same image loaded in-process from memory (the
// parsing and rebuilding alone) and an empty metad's start and RSS.
//
//   ninja -C build bench/bench_restart && ./build/bench/bench_restart
//
// The image is written under /var/tmp (a real disk); the first iteration
// reads it cold from RocksDB's point of view, the page cache may be warm.
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include <benchmark/benchmark.h>

#include "bench/metad_process.h"
#include "bench/namespace_fill.h"
#include "metad/store/rocks_fs_image_store.h"

namespace opendfs {
namespace {

constexpr int kDirs = 1000, kPerDir = 1000;
constexpr double kFiles = double(kDirs) * kPerDir;

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

struct Fixture {
  std::string dir = "/var/tmp/bench_restart." + std::to_string(getpid());
  std::string empty_dir = dir + "/empty";
  std::string full_dir = dir + "/full";
  double in_memory_load_s = 0;
  size_t image_bytes = 0;
  Status status;

  Fixture() {
    std::filesystem::remove_all(dir);
    for (const std::string& d : {empty_dir, full_dir}) {
      std::filesystem::create_directories(d + "/editlog");
      std::filesystem::create_directories(d + "/fsimage");
    }
    metad::Namespace ns;
    status = bench::FillOneBlockFiles(ns, kDirs, kPerDir);
    if (!status.ok()) return;
    // Baseline: the image in memory, loaded back in-process.
    metad::MemoryImage memory;
    status = ns.Save(memory);
    if (!status.ok()) return;
    for (auto& [k, v] : memory.pairs()) image_bytes += k.size() + v.size();
    auto t0 = Clock::now();
    auto reader = memory.NewReader();
    Result<std::unique_ptr<metad::Namespace>> loaded = metad::Namespace::Load(reader);
    in_memory_load_s = Seconds(t0, Clock::now());
    if (!loaded.ok()) {
      status = loaded.status();
      return;
    }
    // The daemon's image: what a checkpoint covering index 1 would write.
    Logger& log = Logger::Quiet();
    Result<std::unique_ptr<store::RocksFsImageStore>> store =
        store::RocksFsImageStore::Open(full_dir + "/fsimage", {}, log);
    if (!store.ok()) {
      status = store.status();
      return;
    }
    Result<std::unique_ptr<store::ImageWriter>> w = (*store)->BeginImage(1);
    if (!w.ok()) {
      status = w.status();
      return;
    }
    status = ns.Save(**w);
    if (status.ok()) status = (*w)->Commit();
  }
  ~Fixture() { std::filesystem::remove_all(dir); }
};

void BM_MetadRestartFrom1MFileImage(benchmark::State& state) {
  static Fixture fx;
  if (!fx.status.ok()) {
    state.SkipWithError(fx.status.ToString().c_str());
    return;
  }
  double restart_s = 0, empty_s = 0;
  size_t rss = 0, empty_rss = 0;
  for (auto _ : state) {
    bench::MetadProcess empty(OPENDFS_METAD_BIN, fx.empty_dir, 18210);
    auto t0 = Clock::now();
    if (!empty.Start()) state.SkipWithError("empty metad did not start");
    empty_s = Seconds(t0, Clock::now());
    empty_rss = empty.RssBytes();
    empty.Stop();

    bench::MetadProcess full(OPENDFS_METAD_BIN, fx.full_dir, 18220);
    t0 = Clock::now();
    if (!full.Start()) state.SkipWithError("metad with the 1M-file image did not start");
    restart_s = Seconds(t0, Clock::now());
    rss = full.RssBytes();
    full.Stop();
  }
  state.counters["restart_s"] = restart_s;
  state.counters["empty_start_s"] = empty_s;
  state.counters["in_memory_load_s"] = fx.in_memory_load_s;
  state.counters["image_MB"] = double(fx.image_bytes) / 1e6;
  state.counters["rss_bytes_per_file"] = (double(rss) - double(empty_rss)) / kFiles;
  state.counters["empty_rss_MB"] = double(empty_rss) / 1e6;
}
BENCHMARK(BM_MetadRestartFrom1MFileImage)->Iterations(2)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace
}  // namespace opendfs

BENCHMARK_MAIN();
