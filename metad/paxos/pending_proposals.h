// PendingProposals: a driver's record of the values its node proposed and
// whose outcome it still owes a client. Shared by the metad driver
// (metad/replication/replicator.cc) and the seeded simulator
// (tests/metad/paxos/sim_cluster.cc), so the simulator checks the rule that
// ships.
//
// Happy path: Add(slot, payload) after Propose() returned kOk; when the
// Ready's `committed` holds that slot, TakeCommitted(slot) hands the payload
// back and the driver answers from the committed value (its own value: the
// result; another leader's value in that slot: NotLeader).
//
// Failure mode handled here: the node stops leading (it lost its quorum —
// an isolated leader stepping down — or a higher ballot preempted it) while
// proposals are open. It will not learn their outcome while it cannot reach
// a majority, and a client waiting on it would stall until the partition
// heals. After every Ready the driver calls TakeLost(node): when the node is
// not the leader, every proposal above its commit index is handed back to be
// answered NotLeader, so the client moves on to the new leader. Such a value
// may still be chosen (a majority may have accepted it without this node
// hearing so); the client's retry at the new leader is then answered from
// the replicated request table (exactly-once). Proposals at or below the
// commit index are chosen and stored here, so they still come out of
// `committed` and are answered from it. A node that leads again at a higher
// ballot before the driver looks re-proposes its own accepted values
// (BecomeLeader), so its open proposals keep their slots.
//
// Threading: none; the driver's thread only.
#pragma once

#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "metad/paxos/node.h"

namespace opendfs::paxos {

template <class Payload>
class PendingProposals {
 public:
  void Add(Slot slot, Payload p) { open_.insert_or_assign(slot, std::move(p)); }

  // The payload proposed at `slot`, still open; nullptr when none is.
  Payload* Find(Slot slot) {
    auto it = open_.find(slot);
    return it == open_.end() ? nullptr : &it->second;
  }

  // The payload proposed at `slot`, removed; nullopt when none is open there.
  std::optional<Payload> TakeCommitted(Slot slot) {
    auto it = open_.find(slot);
    if (it == open_.end()) return std::nullopt;
    Payload p = std::move(it->second);
    open_.erase(it);
    return p;
  }

  // Proposals the node can no longer answer (see the file comment), removed,
  // in slot order; empty while it leads.
  std::vector<std::pair<Slot, Payload>> TakeLost(const Node& node) {
    std::vector<std::pair<Slot, Payload>> lost;
    if (node.role() == Role::kLeader) return lost;
    for (auto it = open_.upper_bound(node.commit_index()); it != open_.end();) {
      lost.emplace_back(it->first, std::move(it->second));
      it = open_.erase(it);
    }
    return lost;
  }

  // Everything open, removed (shutdown).
  std::vector<std::pair<Slot, Payload>> TakeAll() {
    std::vector<std::pair<Slot, Payload>> all;
    for (auto& [slot, p] : open_) all.emplace_back(slot, std::move(p));
    open_.clear();
    return all;
  }

  size_t size() const { return open_.size(); }
  bool empty() const { return open_.empty(); }

 private:
  std::map<Slot, Payload> open_;
};

}  // namespace opendfs::paxos
