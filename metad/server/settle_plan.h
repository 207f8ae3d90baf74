// PlanSettle: how the leader settles a block whose writer lost its write lock
// without committing (DESIGN §5 step 3), decided from what the replicas
// report. Pure: the caller gathers the replicas from the block map and
// commits the plan as an EditSettleBlock record.
//
// Happy path: some replica given to the writer reports the open version; the
// one with the longest length (ties: the smallest address, so the choice is
// reproducible) becomes the authority and the block keeps the open version
// with that length. Every other replica is stale from then on: one that
// missed a piece may hold different bytes at the same version, and blockd
// writes in place, so only one copy can be trusted.
// No replica reports the open version: the write is undone — a new block
// becomes a hole; an overwritten one goes back to the version it started
// from, but only while a good replica still holds that version. When neither
// exists (every holder is down, or moved on and is down) the plan is kWait:
// deciding now could drop data a returning blockd still has.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "metad/namespace/block_write.h"

namespace opendfs::metad {

// One replica of the block on a blockd that is not dead.
struct SettleReplica {
  std::string address;  // the blockd's data address
  uint64_t version = 0;
  uint64_t length = 0;
  bool corrupt = false;  // checksum failure or stale: never an authority
};

struct SettlePlan {
  enum class Kind : uint8_t { kForward, kBack, kWait };
  Kind kind = Kind::kWait;
  std::string authority;  // kForward
  uint64_t length = 0;    // kForward: the authority's length
};

// `write` must be open; `open_version` is the block's version (the one the
// write produces).
SettlePlan PlanSettle(const BlockWrite& write, uint64_t open_version,
                      std::span<const SettleReplica> replicas);

}  // namespace opendfs::metad
