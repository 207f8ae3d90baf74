// metad/registry hot paths: placement decisions per second, full block report
// processing, and block map memory per block.
//
// Run: ninja -C build bench/bench_registry && ./build/bench/bench_registry
// Baseline (2-core VM at load ~12 from parallel builds, debugoptimized; CPU
// time): ChooseTargets of 3 replicas 1.2 us with 10 blockds, 3.1 us with 100,
// 22 us with 1000 (linear: every pick scans the registry); full report diff
// 4.9 M replicas/s; block map 96 heap bytes per block with 3 replicas.
#include <malloc.h>

#include <map>
#include <string>

#include <benchmark/benchmark.h>

#include "metad/registry/blockd_manager.h"

namespace opendfs::metad {
namespace {

class AllKnown : public BlockCatalog {
 public:
  std::optional<uint64_t> CommittedVersion(BlockId) const override { return 1; }
};

// `n` blockds over `racks` racks, each on its own host.
struct Fixture {
  Fixture(int n, int racks) {
    std::string setting;
    for (int r = 0; r < racks; ++r)
      setting += "10." + std::to_string(r) + ".0.0/16=/r" + std::to_string(r) + ",";
    topology = Topology::Parse(setting).value();
    registry = std::make_unique<BlockdRegistry>(&topology, RegistryOptions{});
    for (int i = 0; i < n; ++i) {
      RegisterRequest req;
      req.uuid = "u" + std::to_string(i);
      req.data_address = "10." + std::to_string(i % racks) + "." + std::to_string(i / 250) + "." +
                         std::to_string(i % 250 + 1) + ":8100";
      req.stats.capacity_bytes = 4ull << 40;
      req.stats.used_bytes = (uint64_t(i) * 7919 % 1000) << 30;
      ODFS_CHECK(registry->Register(req, 0).ok());
    }
    policy = std::make_unique<PlacementPolicy>(registry.get(), PlacementOptions{});
  }
  Topology topology;
  std::unique_ptr<BlockdRegistry> registry;
  std::unique_ptr<PlacementPolicy> policy;
};

void BM_ChooseTargets(benchmark::State& state) {
  Fixture f(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  SplitMix64 rng(42);
  std::string writer = "10.0.0.1";
  for (auto _ : state) {
    auto t = f.policy->ChooseTargets(3, writer, {}, rng);
    benchmark::DoNotOptimize(t);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ChooseTargets)->Args({10, 1})->Args({100, 5})->Args({1000, 20});

// A full report of range(0) blocks from one blockd into an empty map, then
// the same report again (the steady-state diff).
void BM_FullReport(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::vector<ReportedReplica> report(n);
  for (size_t i = 0; i < n; ++i) report[i] = {i * 2654435761u + 1, 1, 64 << 20};
  AllKnown catalog;
  for (auto _ : state) {
    state.PauseTiming();
    BlockMap map;
    map.ProcessFullReport(1, report, catalog);
    state.ResumeTiming();
    FullReportResult r = map.ProcessFullReport(1, report, catalog);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_FullReport)->Arg(100'000)->Unit(benchmark::kMillisecond);

// Heap bytes per block for `range(0)` blocks with 3 replicas each.
void BM_BlockMapMemory(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  AllKnown catalog;
  for (auto _ : state) {
    size_t before = mallinfo2().uordblks;
    BlockMap map;
    std::vector<ReportedReplica> report(n);
    for (size_t i = 0; i < n; ++i) report[i] = {i + 1, 1, 64 << 20};
    for (BlockdId d = 1; d <= 3; ++d) map.ProcessFullReport(d, report, catalog);
    report = {};
    size_t after = mallinfo2().uordblks;
    state.counters["bytes_per_block"] = double(after - before) / double(n);
    benchmark::DoNotOptimize(map);
  }
}
BENCHMARK(BM_BlockMapMemory)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace opendfs::metad

BENCHMARK_MAIN();
