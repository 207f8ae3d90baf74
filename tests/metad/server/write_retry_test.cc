// GrantOfOpenWrite: a retried WriteBlock is answered with the write its first
// attempt opened, and only while that write is open.
#include "metad/server/write_retry.h"

#include <gtest/gtest.h>

namespace opendfs::metad {
namespace {

TEST(WriteRetry, NewBlockWriteIsGrantedAgainUnchanged) {
  BlockInfo b{77, 1, 0};
  BlockWrite w;
  w.open = true;
  w.from_version = 0;
  w.granted = {"10.0.0.1:8100", "10.0.0.2:8100"};
  auto g = GrantOfOpenWrite(b, &w);
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->block, b);
  EXPECT_TRUE(g->new_block);
  EXPECT_EQ(g->from_version, 0u);
  EXPECT_EQ(g->replicas, w.granted);
}

TEST(WriteRetry, OverwriteKeepsItsBumpedVersion) {
  BlockInfo b{77, 5, 4096};
  BlockWrite w;
  w.open = true;
  w.from_version = 4;
  w.granted = {"10.0.0.1:8100"};
  auto g = GrantOfOpenWrite(b, &w);
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->block.version, 5u);  // not bumped a second time
  EXPECT_EQ(g->block.length, 4096u);
  EXPECT_FALSE(g->new_block);
  EXPECT_EQ(g->from_version, 4u);
}

TEST(WriteRetry, NoOpenWriteMeansGrantAnew) {
  BlockInfo b{77, 5, 4096};
  EXPECT_FALSE(GrantOfOpenWrite(b, nullptr).has_value());
  BlockWrite settled;
  settled.burned_version = 6;  // settled back: nothing open
  EXPECT_FALSE(GrantOfOpenWrite(b, &settled).has_value());
  BlockWrite open_no_replicas;
  open_no_replicas.open = true;
  EXPECT_FALSE(GrantOfOpenWrite(b, &open_no_replicas).has_value());
  BlockWrite w;
  w.open = true;
  w.granted = {"a:1"};
  EXPECT_FALSE(GrantOfOpenWrite(BlockInfo{}, &w).has_value());  // no block
}

}  // namespace
}  // namespace opendfs::metad
