// PlacementPolicy: which blockds receive the replicas of a new block, and
// where a re-replication copy goes (DESIGN §3, after HDFS's default policy).
//
// Rules, in order of strength:
//  * hard: each replica on a different blockd and a different host (IP);
//    never more than (replicas-1)/racks + 2 replicas on one rack (racks =
//    racks that have an eligible blockd); only live blockds with at least
//    `reserve_bytes` free (decommissioning, dead and full ones are skipped);
//    never a blockd in `excluded`.
//  * preferred: the first replica on the writer's host when it runs an
//    eligible blockd; the second on another rack than the first; the third on
//    the second's rack (or, when the first two share a rack, on another one);
//    any further replica anywhere. When a preference cannot be met the choice
//    falls back to any blockd meeting the hard rules.
//  * among the candidates of a step, a blockd is picked at random with
//    probability proportional to its free space (injected RandomSource, so a
//    seed replays exactly).
// Failure modes: fewer eligible blockds than replicas returns as many as
// exist (the caller records the block under-replicated); none at all is
// NoBlockd; replicas outside 1..kMaxReplicas is Invalid.
//
// Reads the registry; the owner serialises calls with registry updates.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "libnet/status.h"
#include "metad/registry/blockd_registry.h"
#include "metad/registry/random_source.h"
#include "metad/registry/types.h"

namespace opendfs::metad {

struct PlacementOptions {
  // A blockd with less free space than this takes no new replica (one block
  // of the seed's 256 MB size by default).
  uint64_t reserve_bytes = 256ull << 20;
};

class PlacementPolicy {
 public:
  static constexpr int kMaxReplicas = 32;

  // `registry` must outlive the policy.
  PlacementPolicy(const BlockdRegistry* registry, PlacementOptions options);

  // Up to `replicas` distinct blockds for a new block, first replica first.
  // `writer_host` is the client's IP ("" when unknown).
  Result<std::vector<BlockdId>> ChooseTargets(int replicas, std::string_view writer_host,
                                              std::span<const BlockdId> excluded,
                                              RandomSource& rng) const;

  // One more replica for a block held by `existing` (in the order they were
  // placed when known). NoBlockd when nothing can take it.
  Result<BlockdId> ChooseCopyTarget(std::span<const BlockdId> existing,
                                    std::span<const BlockdId> excluded,
                                    RandomSource& rng) const;

  const PlacementOptions& options() const { return options_; }

 private:
  Status Choose(std::vector<const BlockdInfo*>& chosen, size_t total,
                std::string_view writer_host, std::span<const BlockdId> excluded,
                RandomSource& rng) const;

  const BlockdRegistry* registry_;
  PlacementOptions options_;
};

}  // namespace opendfs::metad
