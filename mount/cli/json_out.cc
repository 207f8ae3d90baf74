#include "mount/cli/json_out.h"

#include <nlohmann/json.hpp>

namespace opendfs::cli {

std::string ClusterStatusJson(const client::ClusterInfo& ci) {
  using nlohmann::json;
  json metads = json::array();
  for (const auto& m : ci.metads) {
    metads.push_back({{"address", m.address},
                      {"role", m.role},
                      {"ballot", m.ballot},
                      {"committed_index", m.committed_index},
                      {"applied_index", m.applied_index},
                      {"is_leader", m.is_leader}});
  }
  json blockds = json::array();
  for (const auto& b : ci.blockds) {
    blockds.push_back({{"address", b.address},
                       {"rack", b.rack},
                       {"state", b.state},
                       {"capacity_bytes", b.capacity_bytes},
                       {"used_bytes", b.used_bytes},
                       {"blocks", b.blocks},
                       {"last_heartbeat_ms", b.last_heartbeat_ms},
                       {"drained", b.drained}});
  }
  json out = {{"metads", metads},
              {"blockds", blockds},
              {"files", ci.files},
              {"blocks", ci.blocks},
              {"under_replicated", ci.under_replicated},
              {"missing", ci.missing},
              {"corrupt", ci.corrupt},
              {"pending_copies", ci.pending_copies},
              {"pending_deletions", ci.pending_deletions},
              {"copies_completed", ci.copies_completed},
              {"waiting_for_reports", ci.waiting_for_reports}};
  // Invalid UTF-8 in a name is replaced, never a thrown exception.
  return out.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace opendfs::cli
