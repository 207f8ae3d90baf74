// The one place the core touches stdio: printing a failed assertion before
// abort(). Nothing else in metad/paxos/ performs I/O.
#include "metad/paxos/check.h"

#include <cstdio>
#include <cstdlib>

namespace opendfs::paxos {

void CheckFailed(const char* file, int line, const char* cond) {
  std::fprintf(stderr, "%s:%d: PAXOS_CHECK failed: %s\n", file, line, cond);
  std::fflush(stderr);
  std::abort();
}

}  // namespace opendfs::paxos
