// PendingReports: changes of one block collapse to the latest; a failed send
// given back never overrides what happened meanwhile.
#include "blockd/metad_link/pending_reports.h"

#include <gtest/gtest.h>

namespace opendfs::blockd {
namespace {

TEST(PendingReports, LatestChangePerBlockWins) {
  PendingReports p;
  p.Add(ReplicaChange::kAdded, {1, 1, 100});
  p.Add(ReplicaChange::kAdded, {1, 1, 200});
  p.Add(ReplicaChange::kAdded, {2, 1, 10});
  p.Add(ReplicaChange::kRemoved, {2, 1, 10});
  p.Add(ReplicaChange::kCorrupt, {3, 4, 5});
  ReportBatch b = p.Take();
  EXPECT_TRUE(p.empty());
  ASSERT_EQ(b.added.size(), 1u);
  EXPECT_EQ(b.added[0].block_id, 1u);
  EXPECT_EQ(b.added[0].length, 200u);
  ASSERT_EQ(b.removed.size(), 1u);
  EXPECT_EQ(b.removed[0].block_id, 2u);
  ASSERT_EQ(b.corrupt.size(), 1u);
  EXPECT_EQ(b.corrupt[0].version, 4u);
}

TEST(PendingReports, PutBackKeepsNewerChanges) {
  PendingReports p;
  p.Add(ReplicaChange::kAdded, {1, 1, 100});
  p.Add(ReplicaChange::kAdded, {2, 1, 100});
  ReportBatch failed = p.Take();
  p.Add(ReplicaChange::kRemoved, {1, 1, 100});  // happened while sending
  p.PutBack(failed);
  ReportBatch b = p.Take();
  ASSERT_EQ(b.removed.size(), 1u);
  EXPECT_EQ(b.removed[0].block_id, 1u);
  ASSERT_EQ(b.added.size(), 1u);
  EXPECT_EQ(b.added[0].block_id, 2u);
}

}  // namespace
}  // namespace opendfs::blockd
