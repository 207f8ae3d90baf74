// PlanWriteGrant: what the leader does with a WriteBlock request (DESIGN §5,
// "open a block for writing"), decided from the state the handler read.
// Pure: the handler (block_handlers.cc) reads the namespace under ns_mu_ and
// the block's lock from Sessions, calls this, then carries the plan out
// (placement, the lock, the record).
//
// Happy path: no block at the index → kNewBlock (a placement, a fresh id,
// version 1); a block nobody writes → kNextVersion: this writer takes its
// lock and moves it to `new_version`, past any version a settled-back write
// used (block_write.h); the same session again before committing → kRenew
// (its version and replicas stay).
// Retries (write_retry.h): a request the request table says was applied
// answers its stored error, or the write it opened (kRetried) while that is
// still open; otherwise a fresh grant whose record is not tagged again.
// Failure modes: another session holds the lock, or a write whose writer is
// gone is not settled yet → LockHeld (the client waits and asks again).
#pragma once

#include <cstdint>
#include <optional>

#include "libnet/status.h"
#include "metad/namespace/block_write.h"
#include "metad/namespace/request_table.h"
#include "metad/namespace/types.h"
#include "metad/server/sessions.h"
#include "metad/server/write_retry.h"

namespace opendfs::metad {

struct WriteGrantInput {
  InodeId ino = 0;
  uint64_t session = 0;
  BlockInfo existing;                 // id 0: no block at the index yet
  BlockWrite write;                   // the block's write state, if any
  std::optional<StoredResult> done;   // this request, already applied
  std::optional<BlockLock> held;      // the block's live write lock
};

struct WriteGrantPlan {
  enum class Kind : uint8_t { kFail, kRetried, kNewBlock, kRenew, kNextVersion };
  Kind kind = Kind::kFail;
  Status failure;                     // kFail
  RetriedWriteGrant retried;          // kRetried
  BlockLock renew;                    // kRenew: the lock held, kept as it is
  uint32_t new_version = 0;           // kNextVersion
  bool tag = true;                    // the record carries the request id
};

WriteGrantPlan PlanWriteGrant(const WriteGrantInput& in);

}  // namespace opendfs::metad
