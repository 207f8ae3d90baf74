// LocateReplicas: the replicas a client may read a block from, nearest first.
//
// Happy path: every recorded replica of `block` at exactly `expected_version`
// that is not corrupt and whose blockd is not dead, ordered by distance from
// the client — same host, then same rack, then anywhere — and, at equal
// distance, fewer active connections first (then blockd id, so the order is
// deterministic). An empty list means no readable replica is known (missing
// block, or all stale/corrupt): the caller reports it, it is not an error here.
//
// Pure; reads the map and the registry, which the owner serialises.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "metad/registry/block_map.h"
#include "metad/registry/blockd_registry.h"

namespace opendfs::metad {

struct LocatedReplica {
  BlockdId blockd = kNoBlockd;
  std::string address;  // "host:port"
  uint64_t length = 0;
  int distance = 0;     // 0 same host, 1 same rack, 2 elsewhere
};

std::vector<LocatedReplica> LocateReplicas(const BlockMap& map,
                                           const BlockdRegistry& registry, BlockId block,
                                           uint64_t expected_version,
                                           std::string_view client_host);

}  // namespace opendfs::metad
