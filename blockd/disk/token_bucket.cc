#include "blockd/disk/token_bucket.h"

#include <algorithm>
#include <cmath>

#include "libnet/check.h"

namespace opendfs::disk {

TokenBucket::TokenBucket(uint64_t bytes_per_s, uint64_t burst_bytes, uint64_t now_ns)
    : bytes_per_ns_(static_cast<double>(bytes_per_s) / 1e9),
      burst_bytes_(static_cast<double>(burst_bytes)),
      tokens_(static_cast<double>(burst_bytes)),
      last_ns_(now_ns) {
  ODFS_CHECK(bytes_per_s > 0);
}

void TokenBucket::Refill(uint64_t now_ns) {
  if (now_ns <= last_ns_) return;  // a clock that stands still or steps back
  tokens_ = std::min(burst_bytes_,
                     tokens_ + static_cast<double>(now_ns - last_ns_) * bytes_per_ns_);
  last_ns_ = now_ns;
}

uint64_t TokenBucket::Take(uint64_t bytes, uint64_t now_ns) {
  Refill(now_ns);
  tokens_ -= static_cast<double>(bytes);
  if (tokens_ >= 0) return 0;
  return static_cast<uint64_t>(std::ceil(-tokens_ / bytes_per_ns_));
}

}  // namespace opendfs::disk
