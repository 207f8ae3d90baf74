// CommitTrace: percentiles per stage while on, nothing while off, and a
// flushed window starts empty.
#include "metad/replication/commit_trace.h"

#include <gtest/gtest.h>

namespace opendfs::replication {
namespace {

TEST(CommitTrace, SummarisesEachStageInMicroseconds) {
  CommitTrace trace(true, Logger::Quiet());
  for (int64_t us = 1; us <= 100; ++us) trace.Record(CommitStage::kLeaderFsync, us * 1000);
  trace.Record(CommitStage::kBatchRecords, 7);
  EXPECT_EQ(trace.Summary(CommitStage::kLeaderFsync),
            "commit_trace: stage=leader_fsync n=100 p50_us=51.0 p99_us=100.0 max_us=100.0");
  EXPECT_EQ(trace.Summary(CommitStage::kBatchRecords),
            "commit_trace: stage=batch_records n=1 p50=7 p99=7 max=7");
  EXPECT_EQ(trace.Summary(CommitStage::kQueued), "");
}

TEST(CommitTrace, OffRecordsNothing) {
  CommitTrace trace(false, Logger::Quiet());
  trace.Record(CommitStage::kLeaderFsync, 5000);
  EXPECT_EQ(trace.Summary(CommitStage::kLeaderFsync), "");
}

TEST(CommitTrace, AFlushedWindowStartsEmpty) {
  CommitTrace trace(true, Logger::Quiet(), /*idle_ms=*/1000000);
  trace.Record(CommitStage::kQueued, 1000);
  trace.MaybeFlush();  // not idle long enough: kept
  EXPECT_NE(trace.Summary(CommitStage::kQueued), "");
  trace.MaybeFlush(/*force=*/true);
  EXPECT_EQ(trace.Summary(CommitStage::kQueued), "");
}

}  // namespace
}  // namespace opendfs::replication
