// WriteBlock retried exactly-once (DESIGN §5 "Exactly-once retries").
//
// Happy path: a mount's WriteBlock carries (client id, request id) and its
// editlog record (EditAddBlock / EditBumpBlockVersion) is tagged with them.
// When the leader dies after committing that record but before answering,
// the mount resends the same request to the new leader. The request table
// says it was applied, so the new leader must not open a second write (a new
// block id, or a version bumped once more): it answers with the write the
// first attempt opened — the block, its new version and the granted
// replicas, which the namespace remembers while the write is open
// (block_write.h) — and takes the block's write lock for the caller's session
// again (locks are leader soft state and died with the old leader).
//
// Failure modes: the stored result was an error → that error again; the
// write is no longer open (its lease ran out and the leader settled it) →
// nullopt, and the handler grants a fresh write with an untagged record (the
// request id is spent).
//
// Pure: no locks, no I/O; the handler reads the namespace under ns_mu_.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "metad/namespace/block_write.h"
#include "metad/namespace/types.h"

namespace opendfs::metad {

struct RetriedWriteGrant {
  BlockInfo block;              // id, the write's version, committed length
  uint32_t from_version = 0;    // the version the write started from
  std::vector<std::string> replicas;
  bool new_block = false;       // the write created the block
};

// The write open on `block` (its side-table entry `write`, or nullptr), as
// the first attempt of a retried WriteBlock was granted it.
std::optional<RetriedWriteGrant> GrantOfOpenWrite(const BlockInfo& block,
                                                  const BlockWrite* write);

}  // namespace opendfs::metad
