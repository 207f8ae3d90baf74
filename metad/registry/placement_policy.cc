// PlacementPolicy implementation; see placement_policy.h.
#include "metad/registry/placement_policy.h"

#include <algorithm>
#include <string>

#include <fmt/format.h>

namespace opendfs::metad {
namespace {

bool Contains(std::span<const BlockdId> ids, BlockdId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// Weight of a candidate: free MiB + 1, so an almost-full blockd past the
// reserve still has a (small) chance and the sum cannot overflow.
uint64_t Weight(const BlockdInfo& b) { return (b.stats.free_bytes() >> 20) + 1; }

// The state of one placement: what is chosen and what that rules out.
class Placement {
 public:
  Placement(std::vector<const BlockdInfo*>& chosen, size_t max_per_rack)
      : chosen_(chosen), max_per_rack_(max_per_rack) {}

  bool Allowed(const BlockdInfo& b) const {
    size_t same_rack = 0;
    for (const BlockdInfo* c : chosen_) {
      if (c->id == b.id || c->host == b.host) return false;
      if (c->rack_id == b.rack_id) ++same_rack;
    }
    return same_rack < max_per_rack_;
  }

 private:
  std::vector<const BlockdInfo*>& chosen_;
  size_t max_per_rack_;
};

const BlockdInfo* PickWeighted(const std::vector<const BlockdInfo*>& candidates,
                               RandomSource& rng) {
  if (candidates.empty()) return nullptr;
  uint64_t total = 0;
  for (const BlockdInfo* b : candidates) total += Weight(*b);
  uint64_t x = rng.Uniform(total);
  for (const BlockdInfo* b : candidates) {
    uint64_t w = Weight(*b);
    if (x < w) return b;
    x -= w;
  }
  ODFS_CHECK_MSG(false, "weighted pick ran past the total");
  return nullptr;
}

}  // namespace

PlacementPolicy::PlacementPolicy(const BlockdRegistry* registry, PlacementOptions options)
    : registry_(registry), options_(options) {
  ODFS_CHECK(registry_ != nullptr);
}

Status PlacementPolicy::Choose(std::vector<const BlockdInfo*>& chosen, size_t total,
                               std::string_view writer_host,
                               std::span<const BlockdId> excluded, RandomSource& rng) const {
  std::vector<const BlockdInfo*> eligible;
  std::vector<bool> rack_seen(registry_->rack_count());
  size_t rack_count = 0;
  auto see_rack = [&](uint32_t rack_id) {
    if (!rack_seen[rack_id]) {
      rack_seen[rack_id] = true;
      ++rack_count;
    }
  };
  for (const BlockdInfo* c : chosen) see_rack(c->rack_id);
  for (const BlockdInfo& b : registry_->all()) {
    if (!b.accepts_new_replicas() || b.stats.free_bytes() < options_.reserve_bytes ||
        Contains(excluded, b.id))
      continue;
    eligible.push_back(&b);
    see_rack(b.rack_id);
  }
  if (rack_count == 0) rack_count = 1;
  Placement placement(chosen, (total - 1) / rack_count + 2);

  std::vector<const BlockdInfo*> candidates;
  auto pick = [&](auto preferred) {
    candidates.clear();
    for (const BlockdInfo* b : eligible)
      if (placement.Allowed(*b) && preferred(*b)) candidates.push_back(b);
    if (candidates.empty()) {
      for (const BlockdInfo* b : eligible)
        if (placement.Allowed(*b)) candidates.push_back(b);
    }
    return PickWeighted(candidates, rng);
  };

  while (chosen.size() < total) {
    const BlockdInfo* next = nullptr;
    switch (chosen.size()) {
      case 0:
        next = pick([&](const BlockdInfo& b) { return !writer_host.empty() && b.host == writer_host; });
        break;
      case 1: {
        uint32_t r0 = chosen[0]->rack_id;
        next = pick([&](const BlockdInfo& b) { return b.rack_id != r0; });
        break;
      }
      case 2: {
        uint32_t r0 = chosen[0]->rack_id;
        uint32_t r1 = chosen[1]->rack_id;
        if (r0 == r1) {
          next = pick([&](const BlockdInfo& b) { return b.rack_id != r0; });
        } else {
          next = pick([&](const BlockdInfo& b) { return b.rack_id == r1; });
        }
        break;
      }
      default:
        next = pick([](const BlockdInfo&) { return true; });
    }
    if (next == nullptr) break;
    chosen.push_back(next);
  }
  return Status::Ok();
}

Result<std::vector<BlockdId>> PlacementPolicy::ChooseTargets(
    int replicas, std::string_view writer_host, std::span<const BlockdId> excluded,
    RandomSource& rng) const {
  if (replicas < 1 || replicas > kMaxReplicas)
    return Status(StatusCode::Invalid,
                  fmt::format("replication factor {} is outside 1..{}", replicas, kMaxReplicas));
  std::vector<const BlockdInfo*> chosen;
  ODFS_RETURN_IF_ERROR(Choose(chosen, static_cast<size_t>(replicas), writer_host, excluded, rng));
  if (chosen.empty())
    return Status(StatusCode::NoBlockd,
                  fmt::format("no live blockd with {} bytes free can take a replica "
                              "({} registered, {} not dead)",
                              options_.reserve_bytes, registry_->all().size(),
                              registry_->live_count()));
  std::vector<BlockdId> ids;
  ids.reserve(chosen.size());
  for (const BlockdInfo* b : chosen) ids.push_back(b->id);
  return ids;
}

Result<BlockdId> PlacementPolicy::ChooseCopyTarget(std::span<const BlockdId> existing,
                                                   std::span<const BlockdId> excluded,
                                                   RandomSource& rng) const {
  std::vector<const BlockdInfo*> chosen;
  std::vector<BlockdId> all_excluded(excluded.begin(), excluded.end());
  for (BlockdId id : existing) {
    all_excluded.push_back(id);
    const BlockdInfo* b = registry_->Find(id);
    // A dead holder no longer constrains where the new copy goes.
    if (b != nullptr && b->serves_reads()) chosen.push_back(b);
  }
  size_t before = chosen.size();
  ODFS_RETURN_IF_ERROR(Choose(chosen, before + 1, "", all_excluded, rng));
  if (chosen.size() == before)
    return Status(StatusCode::NoBlockd,
                  fmt::format("no blockd can take another copy of a block held by {} blockds",
                              existing.size()));
  return chosen.back()->id;
}

}  // namespace opendfs::metad
