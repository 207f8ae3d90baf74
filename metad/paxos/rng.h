// Randomness for the core comes only through this interface (STYLE.md §5):
// the caller owns and seeds it, so a simulation replays exactly from its seed.
// The core uses it for randomised election timeouts only.
#pragma once

#include <cstdint>

#include "metad/paxos/check.h"

namespace opendfs::paxos {

class Rng {
 public:
  virtual ~Rng() = default;
  virtual uint64_t Next() = 0;

  // Uniform in [lo, hi). Modulo bias is irrelevant for timeouts.
  uint64_t Uniform(uint64_t lo, uint64_t hi) {
    PAXOS_CHECK(lo < hi);
    return lo + Next() % (hi - lo);
  }
  // True with probability num/den.
  bool OneIn(uint64_t den) { return den != 0 && Next() % den == 0; }
};

// xorshift64* (Vigna). Tiny, fast, deterministic; not for cryptography.
class XorShiftRng final : public Rng {
 public:
  explicit XorShiftRng(uint64_t seed) : state_(seed ? seed : 0x9E3779B97F4A7C15ull) {
    for (int i = 0; i < 4; ++i) Next();  // spread small seeds
  }
  uint64_t Next() override {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1Dull;
  }

 private:
  uint64_t state_;
};

}  // namespace opendfs::paxos
