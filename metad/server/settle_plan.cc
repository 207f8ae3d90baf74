// PlanSettle; see settle_plan.h.
#include "metad/server/settle_plan.h"

#include <algorithm>

#include "libnet/check.h"

namespace opendfs::metad {
namespace {

bool Granted(const BlockWrite& w, const std::string& address) {
  // Older logs did not record the replicas given to the writer: any will do.
  return w.granted.empty() ||
         std::find(w.granted.begin(), w.granted.end(), address) != w.granted.end();
}

}  // namespace

SettlePlan PlanSettle(const BlockWrite& write, uint64_t open_version,
                      std::span<const SettleReplica> replicas) {
  ODFS_CHECK(write.open);
  SettlePlan plan;
  const SettleReplica* best = nullptr;
  bool old_version_held = false;
  for (const SettleReplica& r : replicas) {
    if (r.corrupt) continue;
    if (r.version == write.from_version && !write.IsStale(r.address)) old_version_held = true;
    if (r.version != open_version || !Granted(write, r.address)) continue;
    bool better = best == nullptr || r.length > best->length ||
                  (r.length == best->length && r.address < best->address);
    if (better) best = &r;
  }
  if (best != nullptr) {
    plan.kind = SettlePlan::Kind::kForward;
    plan.authority = best->address;
    plan.length = best->length;
  } else if (write.from_version == 0 || old_version_held) {
    plan.kind = SettlePlan::Kind::kBack;
  }
  return plan;
}

}  // namespace opendfs::metad
