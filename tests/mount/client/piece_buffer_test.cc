#include "mount/client/piece_buffer.h"

#include <gtest/gtest.h>

#include <string>

namespace opendfs::client {
namespace {

std::string Str(const Piece& p) { return std::string(p.data->view()); }

TEST(PieceBuffer, SequentialAppendsMergeUntilFull) {
  PieceBuffer b(8);
  EXPECT_TRUE(b.empty());
  ASSERT_TRUE(b.Fits(100, 3));
  b.Append(100, "abc", 3);
  ASSERT_TRUE(b.Fits(103, 5));
  b.Append(103, "defgh", 5);
  EXPECT_TRUE(b.full());
  EXPECT_FALSE(b.Fits(108, 1));
  Piece p = b.Take();
  EXPECT_EQ(p.offset, 100u);
  EXPECT_EQ(Str(p), "abcdefgh");
  EXPECT_TRUE(b.empty());
}

TEST(PieceBuffer, OverlappingWriteReplacesBytes) {
  PieceBuffer b(16);
  b.Append(0, "aaaaaa", 6);
  ASSERT_TRUE(b.Fits(2, 6));
  b.Append(2, "BBBBBB", 6);
  EXPECT_EQ(b.length(), 8u);
  EXPECT_EQ(Str(b.Take()), "aaBBBBBB");
}

TEST(PieceBuffer, GapOrBeforeStartDoesNotFit) {
  PieceBuffer b(16);
  b.Append(10, "xy", 2);
  EXPECT_FALSE(b.Fits(13, 1));  // leaves a gap at 12
  EXPECT_FALSE(b.Fits(9, 1));   // before the start
  EXPECT_TRUE(b.Fits(12, 1));   // continues it
  EXPECT_TRUE(b.Fits(10, 16));  // overwrites and fills it
  EXPECT_FALSE(b.Fits(10, 17));
}

TEST(PieceBuffer, EmptyAcceptsAnyOffsetUpToCapacity) {
  PieceBuffer b(4);
  EXPECT_TRUE(b.Fits(1000, 4));
  EXPECT_FALSE(b.Fits(1000, 5));
}

TEST(PieceBuffer, TakenPieceOutlivesNextAppend) {
  PieceBuffer b(4);
  b.Append(0, "abcd", 4);
  Piece p = b.Take();
  b.Append(4, "efgh", 4);
  EXPECT_EQ(Str(p), "abcd");
  EXPECT_EQ(Str(b.Take()), "efgh");
}

TEST(PieceBuffer, OverlayCopiesOnlyTheIntersection) {
  PieceBuffer b(8);
  b.Append(4, "WXYZ", 4);
  std::string out(10, '.');
  EXPECT_TRUE(b.Overlay(2, 10, reinterpret_cast<uint8_t*>(out.data())));
  EXPECT_EQ(out, "..WXYZ....");
  EXPECT_FALSE(b.Overlay(8, 4, reinterpret_cast<uint8_t*>(out.data())));
}

}  // namespace
}  // namespace opendfs::client
