// BlockWrite: what the namespace remembers about the write protocol of one
// block (DESIGN §5), kept in a side table for the few blocks that need it, so
// that the common block costs nothing beyond its BlockInfo.
//
// An entry exists while any of these holds, and is dropped when none does
// (or when the block is freed):
//  * open: a writer moved the block to its current version (EditAddBlock,
//    EditBumpBlockVersion) and has not committed yet. `from_version` is the
//    version readers and the replication monitor still trust (0 for a new
//    block) and `granted` the replicas the writer was given. If the writer
//    dies, the leader settles the block from these (EditSettleBlock).
//  * stale non-empty: replicas at the committed version whose data that
//    version does not vouch for — given to the writer but missing from its
//    acknowledged set, or not chosen as the authority of a settle. Listing the
//    exceptions rather than the acknowledged set keeps copies the
//    replication monitor makes (at the same version, from a good replica)
//    good without any record. A stale blockd is never a copy target for the
//    block while it is listed, and it is taken off the list (EditForgetStale-
//    Replica) once it reports the replica gone, after which it may hold a
//    good copy again. A committed version with a full acknowledged set needs
//    no entry: every replica that reports it got every piece.
//  * burned_version != 0: a write that was settled back used versions up to
//    it; the next overwrite goes past it (and clears it), so a replica left
//    at such a version is never mistaken for a later write.
// Replicas are named by blockd data address ("host:port"): stable across
// metad restarts and what clients are given, unlike registry ids.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace opendfs::metad {

struct BlockWrite {
  bool open = false;
  uint32_t from_version = 0;
  std::vector<std::string> granted;
  std::vector<std::string> stale;
  uint32_t burned_version = 0;

  bool IsStale(std::string_view address) const {
    return std::find(stale.begin(), stale.end(), address) != stale.end();
  }
  // Nothing left to remember: the entry can go.
  bool Empty() const { return !open && stale.empty() && burned_version == 0; }
  friend bool operator==(const BlockWrite&, const BlockWrite&) = default;
};

// Largest number of replicas one record may name (a block's replicas are
// bounded by the replication goal, at most 16; this leaves room).
inline constexpr size_t kMaxWriteReplicas = 64;

}  // namespace opendfs::metad
