#include "libnet/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>


namespace opendfs {
namespace {

// Deterministic bytes, so every run checks the same data.
std::string PatternData(size_t size, uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(gen());
  return out;
}

TEST(Crc32c, StandardCheckValue) {
  EXPECT_EQ(Crc32c(std::string_view("123456789")), 0xE3069283u);
  EXPECT_EQ(Crc32cByteLoop("123456789", 9), 0xE3069283u);
}

TEST(Crc32c, KnownVectors) {
  // RFC 3720 (iSCSI) B.4: 32 bytes of zeros, of 0xFF, and ascending.
  std::string zeros(32, '\0'), ones(32, '\xff'), inc(32, '\0');
  for (int i = 0; i < 32; ++i) inc[i] = static_cast<char>(i);
  EXPECT_EQ(Crc32c(zeros), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(ones), 0x62A8AB43u);
  EXPECT_EQ(Crc32c(inc), 0x46DD794Eu);
  EXPECT_EQ(Crc32c(std::string_view()), 0u);
}

TEST(Crc32c, MatchesByteLoopOnManySizes) {
  std::string data = PatternData(200'000, 7);
  for (size_t n : {1u, 3u, 8u, 15u, 64u, 255u, 4096u, 65536u, 65537u, 200'000u})
    EXPECT_EQ(Crc32c(data.data(), n), Crc32cByteLoop(data.data(), n)) << n;
}

TEST(Crc32c, ExtendEqualsWhole) {
  std::string data = PatternData(100'000, 3);
  uint32_t crc = Crc32c(data.data(), 12'345);
  crc = Crc32cExtend(crc, data.data() + 12'345, data.size() - 12'345);
  EXPECT_EQ(crc, Crc32c(data));
}

TEST(Crc32c, CombineEqualsWhole) {
  EXPECT_EQ(Crc32cCombine(Crc32c(std::string_view("1234")),
                          Crc32c(std::string_view("56789")), 5),
            0xE3069283u);
  std::string data = PatternData(300'000, 11);
  for (size_t split : {0u, 1u, 65536u, 100'001u, 300'000u}) {
    uint32_t a = Crc32c(data.data(), split);
    uint32_t b = Crc32c(data.data() + split, data.size() - split);
    EXPECT_EQ(Crc32cCombine(a, b, data.size() - split), Crc32c(data)) << split;
  }
}

TEST(Crc32c, CombineWithPrecomputedFactor) {
  std::string data = PatternData(4 * 65536, 12);
  const uint32_t factor = Crc32cShiftFactor(65536);
  uint32_t crc = 0;
  for (size_t at = 0; at < data.size(); at += 65536)
    crc = Crc32cCombineWithFactor(crc, Crc32c(data.data() + at, 65536), factor);
  EXPECT_EQ(crc, Crc32c(data));
}

TEST(Crc32c, PublishedValueOfASentenceAndChaining) {
  std::string s = "The quick brown fox jumps over the lazy dog";
  uint32_t whole = Crc32c(s);
  EXPECT_EQ(whole, 0x22620404u);
  EXPECT_EQ(Crc32cExtend(Crc32c(s.data(), 10), s.data() + 10, s.size() - 10), whole);
}

}  // namespace
}  // namespace opendfs
