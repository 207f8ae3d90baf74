#include "blockd/disk/scanner.h"

#include <algorithm>
#include <chrono>

namespace opendfs::disk {

Scanner::Scanner(BlockStore& store, ScannerOptions options, CorruptCallback on_corrupt,
                 Logger& log, ScanClock clock)
    : store_(store),
      options_(options),
      on_corrupt_(std::move(on_corrupt)),
      log_(log),
      clock_(std::move(clock)),
      bucket_(options.bytes_per_s, options.burst_bytes, Now()) {
  ODFS_CHECK(options_.slice_bytes > 0);
}

Scanner::~Scanner() { Stop(); }

uint64_t Scanner::Now() const {
  if (clock_.now_ns) return clock_.now_ns();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

bool Scanner::Sleep(uint64_t ns) {
  if (clock_.sleep_ns) {
    clock_.sleep_ns(ns);
  } else {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::nanoseconds(ns), [this] { return stopping(); });
  }
  return !stopping();
}

void Scanner::Start() {
  ODFS_CHECK(!thread_.joinable());
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void Scanner::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scanner::Run() {
  log_.Info("scanner: started rate_bytes_per_s={}", options_.bytes_per_s);
  while (!stopping()) {
    ScanStats pass = ScanOnce();
    if (stopping()) break;
    log_.Info("scanner: pass done blocks={} bytes={} corrupt={} throttled_ms={}",
              pass.blocks_scanned, pass.bytes_scanned, pass.corrupt_found,
              pass.throttled_ns / 1'000'000);
    if (!Sleep(options_.pass_interval_ms * 1'000'000)) break;
  }
  log_.Info("scanner: stopped");
}

ScanStats Scanner::ScanOnce() {
  ScanStats pass;
  for (const BlockInfo& info : store_.List()) {
    if (info.corrupt) continue;  // reported when it was found
    if (!ScanBlock(info, &pass)) break;
  }
  std::lock_guard lock(stats_mu_);
  totals_.blocks_scanned += pass.blocks_scanned;
  totals_.bytes_scanned += pass.bytes_scanned;
  totals_.corrupt_found += pass.corrupt_found;
  totals_.throttled_ns += pass.throttled_ns;
  if (!stopping()) {
    pass.passes = 1;
    ++totals_.passes;
  }
  return pass;
}

bool Scanner::ScanBlock(const BlockInfo& info, ScanStats* pass) {
  uint64_t offset = 0;
  do {  // at least once, so an empty block's meta is still checked
    if (stopping()) return false;
    const uint64_t n = std::min(options_.slice_bytes, info.length - offset);
    // A small charge for the meta read keeps empty blocks rate-limited too.
    const uint64_t wait_ns = bucket_.Take(std::max<uint64_t>(n, kPageSize), Now());
    if (wait_ns > 0) {
      pass->throttled_ns += wait_ns;
      if (!Sleep(wait_ns)) return false;
    }
    auto data = store_.ReadVerified(info.block_id, info.version, offset, n);
    if (!data.ok()) {
      const StatusCode code = data.status().code();
      if (code == StatusCode::NoSuchBlock || code == StatusCode::StaleVersion ||
          code == StatusCode::OutOfRange)
        return true;  // deleted or rewritten meanwhile: next pass
      if (code == StatusCode::Io)  // an unreadable replica is as bad as a wrong one
        (void)store_.MarkCorrupt(info.block_id, data.status().message());
      ++pass->corrupt_found;
      log_.Error("scanner: corrupt replica block={} err=\"{}\"", info.block_id,
                 data.status().ToString());
      if (on_corrupt_) on_corrupt_(info.block_id, data.status());
      return true;
    }
    pass->bytes_scanned += n;
    offset += n;
  } while (offset < info.length);
  ++pass->blocks_scanned;
  return true;
}

ScanStats Scanner::stats() const {
  std::lock_guard lock(stats_mu_);
  return totals_;
}

}  // namespace opendfs::disk
