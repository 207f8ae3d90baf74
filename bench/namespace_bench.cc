// Namespace benchmarks (issue 3): in-process ops/s of create, lookup+getattr,
// readdir of a 100k-entry directory, rename, unlink; and the memory of a
// namespace of 1,000,000 one-block files (RSS and heap bytes per file) with
// the time to Save and Load its fsimage in memory.
//
//   ninja -C build bench/bench_namespace && ./build/bench/bench_namespace
//
// Each timed iteration builds the editlog record (as the service does) and
// applies it. Budget (DESIGN §3): <= 200 bytes of metad memory per file with
// one block.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/namespace_fill.h"
#include "metad/namespace/namespace.h"
#include "metad/namespace/records.h"

namespace opendfs::metad {
namespace {

constexpr uint32_t kBlockSize = 64 << 20;
const Cred kRoot = Cred::Root();

size_t RssBytes() {
  long pages = 0, resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
  std::fclose(f);
  return static_cast<size_t>(resident) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

size_t HeapBytes() { return mallinfo2().uordblks; }

// Applies a record built by the caller; aborts the benchmark on failure.
void MustApply(Namespace& ns, const std::string& rec, benchmark::State& state) {
  ApplyResult r = ns.ApplyBytes(rec);
  if (!r.status.ok()) state.SkipWithError(r.status.ToString().c_str());
}

InodeId CreateFile(Namespace& ns, InodeId dir, const std::string& name,
                   int64_t t, benchmark::State& state) {
  InodeId ino = ns.max_inode_id() + 1;
  records::CreateArgs a{dir, name, ino, S_IFREG | 0644, 0, true, kBlockSize, 3};
  MustApply(ns, records::Create(a, kRoot, t), state);
  return ino;
}

InodeId MakeDir(Namespace& ns, InodeId parent, const std::string& name,
                benchmark::State& state) {
  InodeId ino = ns.max_inode_id() + 1;
  MustApply(ns, records::Mkdir(parent, name, ino, 0755, kRoot, 1), state);
  return ino;
}

// Memory of 1,000,000 files with one committed block each (1000 directories
// of 1000 files), then fsimage Save and Load times. Runs first so that freed
// memory of other benchmarks does not hide RSS growth.
void BM_MemoryPerFileAndImage(benchmark::State& state) {
  const int dirs = 1000, per_dir = 1000;
  for (auto _ : state) {
    malloc_trim(0);
    const size_t rss0 = RssBytes(), heap0 = HeapBytes();
    auto ns = std::make_unique<Namespace>();
    Status filled = bench::FillOneBlockFiles(*ns, dirs, per_dir);
    if (!filled.ok()) state.SkipWithError(filled.ToString().c_str());
    malloc_trim(0);
    const double files = double(dirs) * per_dir;
    state.counters["rss_bytes_per_file"] = double(RssBytes() - rss0) / files;
    state.counters["heap_bytes_per_file"] = double(HeapBytes() - heap0) / files;

    // Serialisation alone, into a sink that only counts.
    struct CountingSink : ImageSink {
      Status Put(std::string_view k, std::string_view v) override {
        bytes += k.size() + v.size();
        return Status::Ok();
      }
      size_t bytes = 0;
    } counting;
    auto tn = std::chrono::steady_clock::now();
    Status sn = ns->Save(counting);
    state.counters["save_serialise_only_s"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - tn).count();
    if (!sn.ok()) state.SkipWithError(sn.ToString().c_str());

    auto t0 = std::chrono::steady_clock::now();
    MemoryImage image;
    Status s = ns->Save(image);
    auto t1 = std::chrono::steady_clock::now();
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    size_t image_bytes = 0;
    for (auto& [k, v] : image.pairs()) image_bytes += k.size() + v.size();
    ns.reset();
    auto reader = image.NewReader();
    auto t2 = std::chrono::steady_clock::now();
    Result<std::unique_ptr<Namespace>> loaded = Namespace::Load(reader);
    auto t3 = std::chrono::steady_clock::now();
    if (!loaded.ok()) state.SkipWithError(loaded.status().ToString().c_str());
    // save_s / load_s: into / out of a MemoryImage (std::map of strings).
    state.counters["save_s"] = std::chrono::duration<double>(t1 - t0).count();
    state.counters["load_s"] = std::chrono::duration<double>(t3 - t2).count();
    state.counters["image_bytes_per_file"] = double(image_bytes) / files;
  }
}
BENCHMARK(BM_MemoryPerFileAndImage)->Iterations(1)->Unit(benchmark::kSecond);

void BM_Create(benchmark::State& state) {
  Namespace ns;
  InodeId dir = kRootInode;
  int64_t i = 0;
  for (auto _ : state) {
    if (i % 100000 == 0) dir = MakeDir(ns, kRootInode, "d" + std::to_string(i), state);
    CreateFile(ns, dir, "f" + std::to_string(i), i, state);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Create);

// A directory of 100k files, looked up by name in random order, then stat'ed.
struct Populated {
  Namespace ns;
  InodeId dir = 0;
  std::vector<std::string> names;
};

std::unique_ptr<Populated> Populate(int n, benchmark::State& state) {
  auto p = std::make_unique<Populated>();
  p->dir = MakeDir(p->ns, kRootInode, "big", state);
  for (int i = 0; i < n; ++i) {
    p->names.push_back("entry-" + std::to_string(i));
    CreateFile(p->ns, p->dir, p->names.back(), i, state);
  }
  return p;
}

void BM_LookupGetAttr(benchmark::State& state) {
  auto p = Populate(100000, state);
  std::mt19937 rng(1);
  for (auto _ : state) {
    const std::string& name = p->names[rng() % p->names.size()];
    Result<Attr> a = p->ns.Lookup(p->dir, name, kRoot);
    Result<Attr> b = p->ns.GetAttr(a->ino);
    benchmark::DoNotOptimize(b->size);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LookupGetAttr);

// Lists the whole 100k-entry directory (readdirplus) in pages of 1000.
void BM_ReadDir100k(benchmark::State& state) {
  auto p = Populate(100000, state);
  size_t entries = 0;
  for (auto _ : state) {
    uint64_t cookie = 0;
    for (;;) {
      Result<DirPage> page = p->ns.ReadDir(p->dir, cookie, 1000);
      entries += page->entries.size();
      if (page->entries.empty()) break;
      cookie = page->entries.back().cookie;
      if (page->end) break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(entries));
  state.counters["entries_per_listing"] = double(entries) / double(state.iterations());
}
BENCHMARK(BM_ReadDir100k)->Unit(benchmark::kMillisecond);

// Renames within a 100k-entry directory, each file back and forth.
void BM_Rename(benchmark::State& state) {
  auto p = Populate(100000, state);
  std::vector<std::string> current = p->names;
  size_t i = 0;
  int64_t t = 1;
  for (auto _ : state) {
    const size_t k = i++ % current.size();
    std::string to = current[k][0] == 'e' ? "moved-" + std::to_string(k) : p->names[k];
    MustApply(p->ns, records::Rename(p->dir, current[k], p->dir, to, 0, false, kRoot, ++t), state);
    current[k] = std::move(to);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Rename);

// Unlinks files with one block; refills the directory untimed when empty.
void BM_Unlink(benchmark::State& state) {
  Namespace ns;
  InodeId dir = MakeDir(ns, kRootInode, "d", state);
  std::vector<std::string> names;
  int64_t t = 1;
  size_t next = 0;
  for (auto _ : state) {
    if (next == names.size()) {
      state.PauseTiming();
      names.clear();
      next = 0;
      for (int i = 0; i < 100000; ++i) {
        names.push_back("f" + std::to_string(t) + "-" + std::to_string(i));
        InodeId f = CreateFile(ns, dir, names.back(), ++t, state);
        BlockId b = ns.max_block_id() + 1;
        MustApply(ns, records::AddBlock(f, 0, b, t), state);
      }
      state.ResumeTiming();
    }
    MustApply(ns, records::Unlink(dir, names[next++], false, kRoot, ++t), state);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Unlink);

}  // namespace
}  // namespace opendfs::metad

BENCHMARK_MAIN();
