// BlockStore throughput on a real file system (a temp dir under /var/tmp):
// sequential write MB/s with and without sync, sequential read MB/s through
// ReadVerified (read + CRC check) and through the sendfile handle (pread of
// the handle's range, page cache warm and cold). Each iteration writes or
// reads one 16 MiB block in 1 MiB pieces. The baseline printed beside them is
// a plain pwrite loop on a file in the same dir. Rates are wall-clock
// (UseRealTime): the CPU time of an I/O-bound loop says little.
//   ninja -C build bench/bench_disk && ./build/bench/bench_disk
#include <fcntl.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "blockd/disk/block_layout.h"
#include "blockd/disk/block_store.h"
#include "libnet/check.h"

namespace {

using opendfs::Logger;
using opendfs::disk::BlockStore;

constexpr uint64_t kBlockBytes = 16 << 20;
constexpr uint64_t kPieceBytes = 1 << 20;

struct Env {
  std::string dir;
  std::unique_ptr<BlockStore> store;
  std::string piece;
  uint64_t next_id = 1;

  Env() {
    std::string tmpl = "/var/tmp/odfs_disk_bench_XXXXXX";
    ODFS_CHECK(::mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
    opendfs::disk::StoreOptions o;
    o.data_dirs = {dir + "/data"};
    auto s = BlockStore::Open(o, Logger::Quiet());
    ODFS_CHECK(s.ok());
    store = std::move(s).value();
    piece.resize(kPieceBytes);
    for (size_t i = 0; i < piece.size(); ++i) piece[i] = static_cast<char>(i * 7 + 3);
  }
  ~Env() {
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  uint64_t WriteBlock(bool sync) {
    uint64_t id = next_id++;
    for (uint64_t off = 0; off < kBlockBytes; off += kPieceBytes)
      ODFS_CHECK(store->Write(id, 1, off, piece, {.sync = sync}).ok());
    return id;
  }
  void DropCache(uint64_t id) {
    std::string path = opendfs::disk::BlockDataPath(dir + "/data", id);
    int fd = ::open(path.c_str(), O_RDONLY);
    ODFS_CHECK(fd >= 0);
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
};

Env& TheEnv() {
  static Env env;
  return env;
}

void BM_StoreSeqWrite(benchmark::State& state) {
  Env& env = TheEnv();
  const bool sync = state.range(0) != 0;
  for (auto _ : state) {
    uint64_t id = env.WriteBlock(sync);
    state.PauseTiming();
    ODFS_CHECK(env.store->Delete(id).ok());
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBlockBytes));
  state.SetLabel(sync ? "sync every 1 MiB" : "no sync");
}
BENCHMARK(BM_StoreSeqWrite)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->MinTime(2)->UseRealTime();

// Baseline: the same bytes with plain pwrite (and fdatasync) on one file.
void BM_PlainSeqWriteBaseline(benchmark::State& state) {
  Env& env = TheEnv();
  const bool sync = state.range(0) != 0;
  std::string path = env.dir + "/plain";
  for (auto _ : state) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ODFS_CHECK(fd >= 0);
    for (uint64_t off = 0; off < kBlockBytes; off += kPieceBytes) {
      ODFS_CHECK(::pwrite(fd, env.piece.data(), kPieceBytes, static_cast<off_t>(off)) ==
                 static_cast<ssize_t>(kPieceBytes));
      if (sync) ::fdatasync(fd);
    }
    ::close(fd);
  }
  ::unlink(path.c_str());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBlockBytes));
}
BENCHMARK(BM_PlainSeqWriteBaseline)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->MinTime(2)->UseRealTime();

void BM_StoreSeqReadVerified(benchmark::State& state) {
  Env& env = TheEnv();
  static uint64_t id = env.WriteBlock(false);
  const bool cold = state.range(0) != 0;
  for (auto _ : state) {
    if (cold) {
      state.PauseTiming();
      env.DropCache(id);
      state.ResumeTiming();
    }
    for (uint64_t off = 0; off < kBlockBytes; off += kPieceBytes) {
      auto r = env.store->ReadVerified(id, 1, off, kPieceBytes);
      ODFS_CHECK(r.ok());
      benchmark::DoNotOptimize(r->data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBlockBytes));
  state.SetLabel(cold ? "cold cache" : "warm cache");
}
BENCHMARK(BM_StoreSeqReadVerified)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->MinTime(2)->UseRealTime();

// The sendfile path's disk side: Read() hands an fd + CRCs; the bytes are
// pread here (a socket would get them with sendfile, no copy to user space).
void BM_StoreSeqReadHandle(benchmark::State& state) {
  Env& env = TheEnv();
  static uint64_t id = env.WriteBlock(false);
  const bool cold = state.range(0) != 0;
  std::string buf(kPieceBytes, '\0');
  for (auto _ : state) {
    if (cold) {
      state.PauseTiming();
      env.DropCache(id);
      state.ResumeTiming();
    }
    for (uint64_t off = 0; off < kBlockBytes; off += kPieceBytes) {
      auto h = env.store->Read(id, 1, off, kPieceBytes);
      ODFS_CHECK(h.ok());
      ODFS_CHECK(::pread(h->fd.get(), buf.data(), h->length, static_cast<off_t>(h->offset)) ==
                 static_cast<ssize_t>(h->length));
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBlockBytes));
  state.SetLabel(cold ? "cold cache" : "warm cache");
}
BENCHMARK(BM_StoreSeqReadHandle)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->MinTime(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
