// RandomSource: the randomness placement uses, injected so that tests and the
// simulator replay a seed exactly. No global random state anywhere in the
// registry.
#pragma once

#include <cstdint>

#include "libnet/check.h"

namespace opendfs::metad {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual uint64_t NextU64() = 0;

  // Uniform in [0, n), n > 0 (Lemire's multiply-shift; bias < n / 2^64).
  uint64_t Uniform(uint64_t n) {
    ODFS_CHECK(n > 0);
    return static_cast<uint64_t>((static_cast<unsigned __int128>(NextU64()) * n) >> 64);
  }
};

// SplitMix64: tiny, fast, good enough for spreading replicas. Not for secrets.
class SplitMix64 final : public RandomSource {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t NextU64() override {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

}  // namespace opendfs::metad
