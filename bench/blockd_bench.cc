// blockd over loopback against a real in-process BlockdNode, each figure with
// its local-disk baseline (pwrite/pread of the same kind of file, same sizes):
//
//   BM_BlockdWrite/sync:S      sequential 1 MiB WriteBlockData appends, MB/s
//   BM_LocalPwrite/sync:S      1 MiB pwrite (+ fdatasync when S), new file per 64 MiB
//   BM_BlockdRead/cold:C       sequential 1 MiB ReadBlockData (sendfile), the
//                              client verifying every chunk CRC; cold = the
//                              block's pages dropped (fadvise DONTNEED)
//                              before each pass over the 64 MiB block
//   BM_LocalPread/cold:C       1 MiB pread of the same block file
//   BM_BlockdRandRead4K        random 4 KiB reads, ops/s (items/s)
//   BM_LocalRandPread4K        random 4 KiB pread, ops/s
//   BM_Crc32c / BM_Crc32cByteLoop   the checksum routine (ISA-L) vs a bit loop
//
// Data lives under $ODFS_BENCH_DIR (default /var/tmp), removed at exit.
//   ninja -C build bench/blockd_bench && ./build/bench/blockd_bench
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "block_generated.h"
#include "blockd/blockd_node.h"
#include "blockd/disk/block_layout.h"
#include "libnet/crc32c.h"

namespace opendfs::blockd {
namespace {

constexpr uint64_t kPiece = 1u << 20;
constexpr uint64_t kBlockBytes = 64u << 20;
constexpr uint16_t M(fb::BlockMethod m) { return static_cast<uint16_t>(m); }

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  std::mt19937_64 rng(42);
  for (size_t i = 0; i + 8 <= n; i += 8) {
    uint64_t v = rng();
    std::memcpy(&s[i], &v, 8);
  }
  return s;
}

// One blockd, one client and a 64 MiB read block shared by all benchmarks.
struct Env {
  std::string root;
  std::unique_ptr<BlockdNode> node;
  std::unique_ptr<Client> client;
  std::string piece = Pattern(kPiece);
  uint64_t next_block = 1000;
  static constexpr uint64_t kReadBlock = 1;

  Env() {
    const char* base = std::getenv("ODFS_BENCH_DIR");
    std::string tmpl = std::string(base ? base : "/var/tmp") + "/odfs-blockd-bench-XXXXXX";
    root = ::mkdtemp(tmpl.data());
    BlockdSettings s;
    s.bind_for_cli = "127.0.0.1:0";
    s.data_dirs = {root + "/data"};
    s.workers = 2;
    s.disk_threads = 4;
    s.scan_rate_bytes_per_s = 0;
    auto n = BlockdNode::Start(s, Logger::Quiet());
    if (!n.ok()) {
      std::fprintf(stderr, "blockd start: %s\n", n.status().ToString().c_str());
      std::exit(1);
    }
    node = std::move(*n);
    client = std::make_unique<Client>(ClientOptions{}, Logger::Quiet());
    for (uint64_t off = 0; off < kBlockBytes; off += kPiece)
      Check(Write(kReadBlock, off, off == 0, off + kPiece == kBlockBytes));
  }
  ~Env() {
    client.reset();
    node.reset();
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  }

  static void Check(const Status& st) {
    if (!st.ok()) {
      std::fprintf(stderr, "blockd bench: %s\n", st.ToString().c_str());
      std::exit(1);
    }
  }

  Status Write(uint64_t id, uint64_t offset, bool create, bool sync) {
    flatbuffers::FlatBufferBuilder b;
    b.Finish(fb::CreateWriteBlockDataRequest(b, id, 1, offset, create, sync,
                                             Crc32c(piece), true));
    return client
        ->Call<fb::WriteBlockDataReply>(node->bound(), M(fb::BlockMethod::WriteBlockData), b,
                                        DataSource(Bytes::Copy(piece)))
        .status();
  }

  // Reads and verifies like a client; returns bytes received.
  Result<uint64_t> Read(uint64_t id, uint64_t offset, uint64_t length) {
    flatbuffers::FlatBufferBuilder b;
    b.Finish(fb::CreateReadBlockDataRequest(b, id, 1, offset, length));
    ODFS_ASSIGN_OR_RETURN(Reply r, client->Call<fb::ReadBlockDataReply>(
                                       node->bound(), M(fb::BlockMethod::ReadBlockData), b));
    const auto* rep = r.As<fb::ReadBlockDataReply>();
    const uint64_t chunk = rep->chunk_size();
    for (flatbuffers::uoffset_t i = 0; i < rep->crcs()->size(); ++i) {
      uint64_t at = i * chunk;
      uint64_t n = std::min<uint64_t>(chunk, r.data.size() - at);
      if (Crc32c(r.data.data() + at, n) != rep->crcs()->Get(i))
        return Status(StatusCode::Corrupt, "CRC mismatch");
    }
    return r.data.size();
  }

  std::string ReadBlockPath() const {
    return disk::BlockDataPath(root + "/data", kReadBlock);
  }
};

Env* g_env = nullptr;  // created by the first benchmark that needs it
Env& GetEnv() {
  if (g_env == nullptr) g_env = new Env();
  return *g_env;
}

void DropCache(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return;
  ::fdatasync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

// --- sequential writes -------------------------------------------------------

void BM_BlockdWrite(benchmark::State& state) {
  Env& env = GetEnv();
  const bool sync = state.range(0) != 0;
  uint64_t id = 0, off = kBlockBytes;
  for (auto _ : state) {
    if (off >= kBlockBytes) {
      id = ++env.next_block;
      off = 0;
    }
    Env::Check(env.Write(id, off, off == 0, sync));
    off += kPiece;
  }
  state.SetBytesProcessed(state.iterations() * kPiece);
}
BENCHMARK(BM_BlockdWrite)->ArgName("sync")->Arg(0)->Arg(1)->UseRealTime()->MinTime(1.0);

void BM_LocalPwrite(benchmark::State& state) {
  // Same shape as the blockd's work: a new 64 MiB file after every 64 MiB,
  // kept until the end, so dirty pages pile up (and writeback throttles) as
  // they do for the blockd's blocks.
  Env& env = GetEnv();
  const bool sync = state.range(0) != 0;
  std::vector<std::string> paths;
  int fd = -1;
  uint64_t off = kBlockBytes;
  for (auto _ : state) {
    if (off >= kBlockBytes) {
      if (fd >= 0) ::close(fd);
      paths.push_back(env.root + "/local_write_" + std::to_string(paths.size()));
      fd = ::open(paths.back().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      off = 0;
    }
    if (::pwrite(fd, env.piece.data(), kPiece, static_cast<off_t>(off)) !=
        static_cast<ssize_t>(kPiece))
      state.SkipWithError("pwrite failed");
    if (sync) ::fdatasync(fd);
    off += kPiece;
  }
  if (fd >= 0) ::close(fd);
  for (const std::string& p : paths) ::unlink(p.c_str());
  state.SetBytesProcessed(state.iterations() * kPiece);
}
BENCHMARK(BM_LocalPwrite)->ArgName("sync")->Arg(0)->Arg(1)->UseRealTime()->MinTime(1.0);

// --- sequential reads -------------------------------------------------------

void BM_BlockdRead(benchmark::State& state) {
  Env& env = GetEnv();
  const bool cold = state.range(0) != 0;
  uint64_t off = kBlockBytes;
  for (auto _ : state) {
    if (off >= kBlockBytes) {
      off = 0;
      if (cold) {
        state.PauseTiming();
        DropCache(env.ReadBlockPath());
        state.ResumeTiming();
      }
    }
    Result<uint64_t> n = env.Read(Env::kReadBlock, off, kPiece);
    if (!n.ok()) state.SkipWithError(n.status().ToString().c_str());
    off += kPiece;
  }
  state.SetBytesProcessed(state.iterations() * kPiece);
}
BENCHMARK(BM_BlockdRead)->ArgName("cold")->Arg(0)->Arg(1)->UseRealTime()->MinTime(1.0);

void BM_LocalPread(benchmark::State& state) {
  Env& env = GetEnv();
  const bool cold = state.range(0) != 0;
  int fd = ::open(env.ReadBlockPath().c_str(), O_RDONLY);
  std::string buf(kPiece, '\0');
  uint64_t off = kBlockBytes;
  for (auto _ : state) {
    if (off >= kBlockBytes) {
      off = 0;
      if (cold) {
        state.PauseTiming();
        DropCache(env.ReadBlockPath());
        state.ResumeTiming();
      }
    }
    if (::pread(fd, buf.data(), kPiece, static_cast<off_t>(off)) != static_cast<ssize_t>(kPiece))
      state.SkipWithError("pread failed");
    off += kPiece;
  }
  ::close(fd);
  state.SetBytesProcessed(state.iterations() * kPiece);
}
BENCHMARK(BM_LocalPread)->ArgName("cold")->Arg(0)->Arg(1)->UseRealTime()->MinTime(1.0);

// --- random 4 KiB reads -------------------------------------------------------

void BM_BlockdRandRead4K(benchmark::State& state) {
  Env& env = GetEnv();
  std::mt19937_64 rng(7);
  for (auto _ : state) {
    uint64_t off = (rng() % (kBlockBytes / 4096)) * 4096;
    Result<uint64_t> n = env.Read(Env::kReadBlock, off, 4096);
    if (!n.ok()) state.SkipWithError(n.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BlockdRandRead4K)->UseRealTime()->MinTime(1.0);

void BM_LocalRandPread4K(benchmark::State& state) {
  Env& env = GetEnv();
  int fd = ::open(env.ReadBlockPath().c_str(), O_RDONLY);
  std::mt19937_64 rng(7);
  char buf[4096];
  for (auto _ : state) {
    uint64_t off = (rng() % (kBlockBytes / 4096)) * 4096;
    if (::pread(fd, buf, sizeof(buf), static_cast<off_t>(off)) != sizeof(buf))
      state.SkipWithError("pread failed");
  }
  ::close(fd);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LocalRandPread4K)->UseRealTime()->MinTime(1.0);

// --- checksums ---------------------------------------------------------------

void BM_Crc32c(benchmark::State& state) {
  std::string data = Pattern(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(Crc32c(data));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Crc32c)->Arg(64 << 10)->Arg(1 << 20);

void BM_Crc32cByteLoop(benchmark::State& state) {
  std::string data = Pattern(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(Crc32cByteLoop(data.data(), data.size()));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Crc32cByteLoop)->Arg(64 << 10);

}  // namespace
}  // namespace opendfs::blockd

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  delete opendfs::blockd::g_env;  // stops the blockd, removes its data
  return 0;
}
