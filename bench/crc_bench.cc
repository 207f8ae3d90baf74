// CRC32C throughput: the store's routine (ISA-L crc32_iscsi, hardware CRC)
// beside the bitwise byte loop it replaces, which is the baseline. Also the
// cost of combining chunk CRCs into a whole-replica CRC.
//   ninja -C build bench/bench_crc && ./build/bench/bench_crc
#include <benchmark/benchmark.h>

#include <string>

#include "blockd/disk/block_meta.h"
#include "libnet/crc32c.h"

namespace {

std::string Buffer(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 131 + 7);
  return s;
}

void BM_Crc32cIsal(benchmark::State& state) {
  std::string buf = Buffer(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(opendfs::Crc32c(buf));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Crc32cIsal)->Arg(4 << 10)->Arg(64 << 10)->Arg(1 << 20);

void BM_Crc32cByteLoopBaseline(benchmark::State& state) {
  std::string buf = Buffer(static_cast<size_t>(state.range(0)));
  for (auto _ : state)
    benchmark::DoNotOptimize(opendfs::Crc32cByteLoop(buf.data(), buf.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Crc32cByteLoopBaseline)->Arg(64 << 10);

// Whole-replica CRC of a 64 MiB block from its 1024 chunk CRCs.
void BM_ReplicaCrcFromChunks(benchmark::State& state) {
  opendfs::disk::BlockMeta meta;
  meta.length = 64 << 20;
  meta.chunk_crcs.assign(opendfs::disk::ChunkCount(meta.length), 0x12345678);
  for (auto _ : state) benchmark::DoNotOptimize(meta.ReplicaCrc());
}
BENCHMARK(BM_ReplicaCrcFromChunks);

}  // namespace

BENCHMARK_MAIN();
