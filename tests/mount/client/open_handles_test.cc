// OpenHandles: open files are listed for re-registration under a new
// session; a handle replaced after a failover is what later calls send; a
// file released meanwhile is not resurrected.
#include "mount/client/open_handles.h"

#include <fcntl.h>

#include <gtest/gtest.h>

namespace opendfs::client {
namespace {

TEST(OpenHandles, ListsOpenFilesAndForgetsReleasedOnes) {
  OpenHandles h;
  uint64_t a = h.Add(10, O_RDWR | O_APPEND, 100);
  uint64_t b = h.Add(11, O_RDONLY, 101);
  EXPECT_NE(a, b);
  EXPECT_EQ(h.Handle(a), 100u);
  auto all = h.Snapshot();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].ino, 10u);
  EXPECT_EQ(all[0].flags, static_cast<uint32_t>(O_RDWR));  // access mode only
  EXPECT_EQ(all[1].handle, 101u);
  h.Remove(a);
  EXPECT_EQ(h.Handle(a), 0u);
  EXPECT_EQ(h.size(), 1u);
}

TEST(OpenHandles, ReplacedHandleIsUsedAndReleasedFilesStayGone) {
  OpenHandles h;
  uint64_t a = h.Add(10, O_WRONLY, 100);
  EXPECT_TRUE(h.Replace(a, 555));  // re-opened under the new session
  EXPECT_EQ(h.Handle(a), 555u);
  h.Remove(a);
  EXPECT_FALSE(h.Replace(a, 777));  // released while re-opening
  EXPECT_EQ(h.size(), 0u);
}

}  // namespace
}  // namespace opendfs::client
