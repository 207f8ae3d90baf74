#include "mount/client/verify_chunks.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace opendfs::client {
namespace {

std::vector<uint32_t> ChunkCrcs(const std::vector<uint8_t>& d, size_t chunk) {
  std::vector<uint32_t> out;
  for (size_t off = 0; off < d.size(); off += chunk)
    out.push_back(Crc32c(d.data() + off, std::min(chunk, d.size() - off)));
  return out;
}

TEST(VerifyChunks, AcceptsMatchingChunksWithShortLastChunk) {
  std::vector<uint8_t> d(1000);
  for (size_t i = 0; i < d.size(); ++i) d[i] = static_cast<uint8_t>(i * 7);
  auto crcs = ChunkCrcs(d, 256);
  ASSERT_EQ(crcs.size(), 4u);
  EXPECT_TRUE(VerifyChunks(d, 0, 256, crcs).ok());
}

TEST(VerifyChunks, FlagsFlippedByteWithItsBlockOffset) {
  std::vector<uint8_t> d(1000, 0x5a);
  auto crcs = ChunkCrcs(d, 256);
  d[600] ^= 1;
  Status s = VerifyChunks(d, 65536, 256, crcs);
  EXPECT_EQ(s.code(), StatusCode::Corrupt);
  EXPECT_NE(s.message().find("offset 66048"), std::string::npos) << s.ToString();
}

TEST(VerifyChunks, RejectsWrongNumberOfCrcs) {
  std::vector<uint8_t> d(1000, 1);
  auto crcs = ChunkCrcs(d, 256);
  crcs.pop_back();
  EXPECT_EQ(VerifyChunks(d, 0, 256, crcs).code(), StatusCode::Corrupt);
  EXPECT_EQ(VerifyChunks(d, 0, 0, crcs).code(), StatusCode::Invalid);
}

TEST(VerifyChunks, EmptyDataNeedsNoCrc) {
  EXPECT_TRUE(VerifyChunks({}, 0, 65536, {}).ok());
}

}  // namespace
}  // namespace opendfs::client
