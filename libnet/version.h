// The version every binary's --version prints: meson's project version,
// passed by the build as ODFS_VERSION.
#pragma once

#ifndef ODFS_VERSION
#define ODFS_VERSION "unknown"
#endif

namespace opendfs {
inline constexpr const char* kVersion = ODFS_VERSION;
}  // namespace opendfs
