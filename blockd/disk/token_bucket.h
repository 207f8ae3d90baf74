// TokenBucket: limits a byte rate (the scanner's disk bandwidth). Pure logic:
// the caller passes the time and does the sleeping, so tests drive it with a
// fake clock.
//
// Take(bytes, now_ns) always grants the bytes and returns how long the caller
// must wait before using them: 0 while the bucket (at most burst_bytes, full at
// start) has tokens, else the time for the rate to pay off the debt. A request
// bigger than the burst is fine: it just waits longer. Not thread-safe.
#pragma once

#include <cstdint>

namespace opendfs::disk {

class TokenBucket {
 public:
  TokenBucket(uint64_t bytes_per_s, uint64_t burst_bytes, uint64_t now_ns);

  // Nanoseconds to wait before the `bytes` may be used.
  uint64_t Take(uint64_t bytes, uint64_t now_ns);

 private:
  void Refill(uint64_t now_ns);

  const double bytes_per_ns_;
  const double burst_bytes_;
  double tokens_;
  uint64_t last_ns_;
};

}  // namespace opendfs::disk
