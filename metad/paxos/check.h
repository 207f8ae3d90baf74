// Always-on assertions for the Paxos core. The core links nothing (not even
// libnet, STYLE.md §5), so it carries its own macro: a broken invariant prints
// file:line and the condition to stderr and aborts, in every build type.
// Expected conditions (a stale message, a full window) are return values,
// never a PAXOS_CHECK.
#pragma once

namespace opendfs::paxos {
[[noreturn]] void CheckFailed(const char* file, int line, const char* cond);
}  // namespace opendfs::paxos

#define PAXOS_CHECK(cond)                                                \
  do {                                                                   \
    if (!(cond)) [[unlikely]]                                            \
      ::opendfs::paxos::CheckFailed(__FILE__, __LINE__, #cond);          \
  } while (0)
