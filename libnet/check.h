// Assertions for programmer errors. They stay on in release builds: a broken
// invariant aborts with file, line and the condition, rather than corrupting
// data. Expected failures (bad input, full disk, dead peer) are Status, never
// an assertion.
#pragma once

namespace opendfs {
[[noreturn]] void CheckFailed(const char* file, int line, const char* cond,
                              const char* msg);
}  // namespace opendfs

#define ODFS_CHECK(cond)                                           \
  do {                                                             \
    if (!(cond)) [[unlikely]]                                      \
      ::opendfs::CheckFailed(__FILE__, __LINE__, #cond, nullptr);  \
  } while (0)

#define ODFS_CHECK_MSG(cond, msg)                                  \
  do {                                                             \
    if (!(cond)) [[unlikely]]                                      \
      ::opendfs::CheckFailed(__FILE__, __LINE__, #cond, (msg));    \
  } while (0)
