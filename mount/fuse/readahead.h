// Kernel read-ahead for the mount. A FUSE mount's backing device info starts
// with the kernel's default read-ahead (128 KiB), which caps sequential reads
// at one 128 KiB request at a time; 1 MiB gives ~1.5x the read throughput
// (measured: 245 -> 380 MB/s on a loopback cluster). The init reply can only
// lower it (and the kernel applies it after init), so at the first request
// after init we write /sys/class/bdi/MAJ:MIN/read_ahead_kb,
// finding MAJ:MIN in /proc/self/mountinfo (not by stat(), which would call
// into our own not yet serving filesystem).
//
// Failure modes: NotFound (no such mount in mountinfo), the errno of opening
// or writing the sysfs file (e.g. not root). Callers log and carry on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "libnet/status.h"

namespace opendfs::mountfs {

// "MAJ:MIN" of the fuse mount at `mountpoint` (an absolute, canonical path)
// in mountinfo text; the last such mount wins (mounts stack).
Result<std::string> FindMountDevice(std::string_view mountinfo,
                                    std::string_view mountpoint);

// Sets read_ahead_kb of the fuse mount at `mountpoint`.
Status SetReadAhead(const std::string& mountpoint, uint32_t kb);

}  // namespace opendfs::mountfs
