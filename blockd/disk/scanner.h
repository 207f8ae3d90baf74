// Scanner: re-reads every replica in the background and checks each chunk
// against its stored CRC, at a bounded byte rate, so bit rot is found before a
// client needs the replica (HDFS's block scanner).
//
// Happy path: Start() runs passes on its own thread; each pass lists the
// store, then reads every non-corrupt block in slices through
// BlockStore::ReadVerified (which holds the block's lock only per slice),
// taking tokens from a TokenBucket before each slice; then it waits
// pass_interval_ms and begins again. A replica that fails (Corrupt, or Io
// reading it) is marked corrupt by the store and passed to `on_corrupt` once;
// the service forwards it to metad. Blocks deleted or rewritten to another
// version during the pass are skipped until the next pass.
//
// Time is injected (ScanClock) so tests run a pass over many megabytes at a
// small rate without real sleeping. Stop() (or the destructor) interrupts the
// real sleep at once and joins the thread; an injected sleep must return by
// itself. ScanOnce() runs one pass on the caller's thread (tests, tools).
//
// Threads: Start/Stop from one owner thread; stats() from any thread;
// on_corrupt runs on the scanner thread (or ScanOnce's caller).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "blockd/disk/block_store.h"
#include "blockd/disk/token_bucket.h"
#include "libnet/log.h"
#include "libnet/status.h"

namespace opendfs::disk {

struct ScannerOptions {
  uint64_t bytes_per_s = 16 << 20;
  uint64_t burst_bytes = 1 << 20;
  uint64_t slice_bytes = 1 << 20;    // read per lock hold, per token take
  uint64_t pass_interval_ms = 60'000;  // pause between two passes
};

// Empty functions mean the real steady clock and an interruptible sleep.
struct ScanClock {
  std::function<uint64_t()> now_ns;
  std::function<void(uint64_t ns)> sleep_ns;
};

struct ScanStats {
  uint64_t passes = 0;           // completed passes
  uint64_t blocks_scanned = 0;   // blocks fully verified
  uint64_t bytes_scanned = 0;
  uint64_t corrupt_found = 0;
  uint64_t throttled_ns = 0;     // time spent waiting for tokens
};

class Scanner {
 public:
  using CorruptCallback = std::function<void(uint64_t block_id, const Status& why)>;

  // `store` and `log` must outlive the scanner.
  Scanner(BlockStore& store, ScannerOptions options, CorruptCallback on_corrupt,
          Logger& log, ScanClock clock = {});
  ~Scanner();
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  void Start();
  void Stop();

  // One full pass on the calling thread; returns this pass's figures.
  // Must not be called while the thread runs.
  ScanStats ScanOnce();

  // Totals over all passes so far.
  ScanStats stats() const;

 private:
  void Run();
  // Returns false when stopping.
  bool Sleep(uint64_t ns);
  uint64_t Now() const;
  bool stopping() const { return stop_.load(); }
  // Verifies one block; returns false when the pass must end (stopping).
  bool ScanBlock(const BlockInfo& info, ScanStats* pass);

  BlockStore& store_;
  const ScannerOptions options_;
  CorruptCallback on_corrupt_;
  Logger& log_;
  ScanClock clock_;
  TokenBucket bucket_;

  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;  // wakes the real sleep on Stop
  mutable std::mutex stats_mu_;
  ScanStats totals_;  // GUARDED_BY(stats_mu_)
  std::thread thread_;
};

}  // namespace opendfs::disk
