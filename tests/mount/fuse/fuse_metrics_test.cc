// FuseMetrics: an OpScope counts its operation; error and data replies made
// inside it are attributed to it (through the --wrap'd fuse_reply_* the
// reply functions call NoteError / NoteBytes); outside any scope nothing is
// counted; errno labels are names.
#include "mount/fuse/fuse_metrics.h"

#include <cerrno>

#include <gtest/gtest.h>

namespace opendfs::mountfs {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(FuseMetricsTest, ScopesCountOpsErrorsAndBytes) {
  FuseMetrics m;
  {
    FuseMetrics::OpScope s(&m, FuseOp::kLookup);
    FuseMetrics::NoteError(ENOENT);
  }
  {
    FuseMetrics::OpScope s(&m, FuseOp::kWrite);
    FuseMetrics::NoteBytes(4096);
  }
  {
    FuseMetrics::OpScope s(&m, FuseOp::kRead);
    FuseMetrics::NoteBytes(100);
    FuseMetrics::NoteError(0);  // a success reply
  }
  {
    FuseMetrics::OpScope s(&m, FuseOp::kReadDir);
    FuseMetrics::NoteBytes(512);  // a directory listing, not file data
  }
  FuseMetrics::NoteError(EIO);  // no scope on this thread: not counted
  FuseMetrics::NoteBytes(7);
  std::string t = m.Render();
  EXPECT_TRUE(Has(t, "opendfs_mount_ops_total{op=\"lookup\"} 1")) << t;
  EXPECT_TRUE(Has(t, "opendfs_mount_ops_total{op=\"write\"} 1"));
  EXPECT_TRUE(Has(t, "opendfs_mount_ops_total{op=\"getattr\"} 0"));
  EXPECT_TRUE(Has(t, "opendfs_mount_errors_total{op=\"lookup\",errno=\"ENOENT\"} 1"));
  EXPECT_EQ(t.find("EIO"), std::string::npos);
  EXPECT_TRUE(Has(t, "opendfs_mount_bytes_written_total 4096"));
  EXPECT_TRUE(Has(t, "opendfs_mount_bytes_read_total 100"));
  EXPECT_TRUE(Has(t, "opendfs_mount_op_duration_seconds_count{op=\"read\"} 1"));
}

TEST(FuseMetricsTest, NullMetricsCountNothing) {
  FuseMetrics m;
  {
    FuseMetrics::OpScope s(nullptr, FuseOp::kLookup);
    FuseMetrics::NoteError(ENOENT);
  }
  EXPECT_TRUE(Has(m.Render(), "opendfs_mount_ops_total{op=\"lookup\"} 0"));
}

TEST(FuseMetricsTest, OddErrnosGoToOther) {
  FuseMetrics m;
  {
    FuseMetrics::OpScope s(&m, FuseOp::kOpen);
    FuseMetrics::NoteError(100000);
    FuseMetrics::NoteError(-5);
  }
  EXPECT_TRUE(Has(m.Render(), "opendfs_mount_errors_total{op=\"open\",errno=\"other\"} 2"));
}

}  // namespace
}  // namespace opendfs::mountfs
