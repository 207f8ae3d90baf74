#include "mount/fuse/readahead.h"

#include <gtest/gtest.h>

namespace opendfs::mountfs {
namespace {

const char* kMountinfo =
    "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
    "42 27 0:39 / /tmp/odfs-mnt rw,nosuid,nodev,relatime - fuse.opendfs opendfs:h:1 rw\n"
    "43 27 0:40 / /mnt/with\\040space rw shared:7 - fuse.opendfs opendfs:h:1 rw\n"
    "44 27 0:41 / /tmp/odfs-mnt rw - fuse.opendfs opendfs:h:2 rw\n"
    "45 27 0:42 / /mnt/tmpfs rw - tmpfs tmpfs rw\n";

TEST(FindMountDevice, FindsTheLastFuseMountAtThePath) {
  EXPECT_EQ(*FindMountDevice(kMountinfo, "/tmp/odfs-mnt"), "0:41");  // stacked
  EXPECT_EQ(*FindMountDevice(kMountinfo, "/mnt/with space"), "0:40");
}

TEST(FindMountDevice, IgnoresOtherFilesystemsAndPaths) {
  EXPECT_EQ(FindMountDevice(kMountinfo, "/mnt/tmpfs").status().code(), StatusCode::NotFound);
  EXPECT_EQ(FindMountDevice(kMountinfo, "/tmp").status().code(), StatusCode::NotFound);
  EXPECT_EQ(FindMountDevice("", "/").status().code(), StatusCode::NotFound);
  EXPECT_EQ(FindMountDevice("garbage line\n", "/x").status().code(), StatusCode::NotFound);
}

}  // namespace
}  // namespace opendfs::mountfs
