// LocateReplicas; see replica_locator.h.
#include "metad/registry/replica_locator.h"

#include <algorithm>
#include <tuple>

namespace opendfs::metad {

std::vector<LocatedReplica> LocateReplicas(const BlockMap& map,
                                           const BlockdRegistry& registry, BlockId block,
                                           uint64_t expected_version,
                                           std::string_view client_host) {
  std::string_view client_rack = registry.topology().RackOf(client_host);
  struct Row {
    LocatedReplica r;
    uint32_t connections;
  };
  std::vector<Row> rows;
  for (const Replica& rep : map.Replicas(block)) {
    if (rep.corrupt || rep.version != expected_version) continue;
    const BlockdInfo* b = registry.Find(rep.blockd);
    if (b == nullptr || !b->serves_reads()) continue;
    int distance = b->host == client_host ? 0 : b->rack == client_rack ? 1 : 2;
    rows.push_back({LocatedReplica{b->id, b->address, rep.length, distance},
                    b->stats.active_connections});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.r.distance, a.connections, a.r.blockd) <
           std::tie(b.r.distance, b.connections, b.r.blockd);
  });
  std::vector<LocatedReplica> out;
  out.reserve(rows.size());
  for (Row& row : rows) out.push_back(std::move(row.r));
  return out;
}

}  // namespace opendfs::metad
