#include "blockd/disk/block_meta.h"

#include <gtest/gtest.h>

#include "libnet/crc32c.h"
#include "disk_test_util.h"

namespace opendfs::disk {
namespace {

BlockMeta SampleMeta() {
  BlockMeta m;
  m.block_id = 0x1122334455667788ULL;
  m.version = 9;
  m.length = 2 * kChunkSize + 100;
  m.chunk_crcs = {0xdeadbeef, 0x01020304, 0xcafef00d};
  return m;
}

TEST(BlockMeta, ChunkArithmetic) {
  EXPECT_EQ(ChunkCount(0), 0u);
  EXPECT_EQ(ChunkCount(1), 1u);
  EXPECT_EQ(ChunkCount(kChunkSize), 1u);
  EXPECT_EQ(ChunkCount(kChunkSize + 1), 2u);
  EXPECT_EQ(ChunkLength(0, kChunkSize + 1), kChunkSize);
  EXPECT_EQ(ChunkLength(1, kChunkSize + 1), 1u);
}

TEST(BlockMeta, RoundTrip) {
  BlockMeta m = SampleMeta();
  std::string bytes = EncodeBlockMeta(m);
  EXPECT_EQ(bytes.size(), MetaFileBytes(m.length));
  auto back = DecodeBlockMeta(bytes, "x.meta");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->block_id, m.block_id);
  EXPECT_EQ(back->version, m.version);
  EXPECT_EQ(back->length, m.length);
  EXPECT_EQ(back->chunk_crcs, m.chunk_crcs);
}

TEST(BlockMeta, EveryFlippedBitIsRejected) {
  std::string bytes = EncodeBlockMeta(SampleMeta());
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x10;
    auto r = DecodeBlockMeta(bad, "x.meta");
    ASSERT_FALSE(r.ok()) << "byte " << i;
    EXPECT_EQ(r.status().code(), StatusCode::Corrupt);
    EXPECT_NE(r.status().message().find("x.meta"), std::string::npos);
  }
}

TEST(BlockMeta, TruncatedAndExtendedAreRejected) {
  std::string bytes = EncodeBlockMeta(SampleMeta());
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(DecodeBlockMeta(bytes.substr(0, n), "m").ok()) << n;
  EXPECT_FALSE(DecodeBlockMeta(bytes + "x", "m").ok());
  EXPECT_FALSE(DecodeBlockMeta("", "m").ok());
}

TEST(BlockMeta, ReplicaCrcIsCrcOfWholeData) {
  std::string data = testing::PatternData(3 * kChunkSize + 777, 5);
  BlockMeta m;
  m.length = data.size();
  m.chunk_crcs = testing::ReferenceChunkCrcs(data);
  EXPECT_EQ(m.ReplicaCrc(), Crc32c(data));
  BlockMeta empty;
  EXPECT_EQ(empty.ReplicaCrc(), 0u);
}

}  // namespace
}  // namespace opendfs::disk
