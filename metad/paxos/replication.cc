// Phase 2 on the leader ("Paxos Made Simple" §2.2 phase 2, §3 pipelining).
//
// Happy path: Propose() assigns the next slot, stores (slot, ballot, value) in
// the leader's own log (its own acceptance, persisted with the Ready), and
// queues an Accept for every peer; TakeReady() flushes the queue as one Accept
// per peer carrying many slots. Accepted replies are counted per slot; a
// majority makes the slot chosen, and the commit index advances over the
// contiguous prefix of chosen slots.
//
// Failure modes: lost Accepts or Accepteds are retransmitted every heartbeat
// interval to each peer that has not acknowledged (bounded by the in-flight
// window); duplicate Accepteds just set a bit again; replies for another
// ballot are ignored; a full window returns kBusy so the driver keeps
// batching instead of queueing without bound.
#include <algorithm>
#include <bit>

#include "metad/paxos/check.h"
#include "metad/paxos/node.h"

namespace opendfs::paxos {

ProposeResult Node::Propose(Value value) {
  if (role_ != Role::kLeader) return {ProposeStatus::kNotLeader, 0, leader_hint_};
  if (next_slot_ - 1 - commit_index_ >= config_.max_inflight_slots)
    return {ProposeStatus::kBusy, 0, config_.self_id};
  const Slot slot = next_slot_;
  ProposeAt(slot, std::move(value));
  AdvanceLeaderCommit();  // a group of one commits at once
  return {ProposeStatus::kOk, slot, config_.self_id};
}

void Node::ProposeAt(Slot slot, Value value) {
  PAXOS_CHECK(role_ == Role::kLeader);
  PAXOS_CHECK(slot > commit_index_);
  StoreEntry(LogEntry{slot, promised_, std::move(value)});
  Inflight& f = inflight_[slot];
  f.acked_mask = uint64_t{1} << config_.self_id;
  f.chosen = config_.majority() == 1;
  next_slot_ = std::max(next_slot_, slot + 1);
  // Slots beyond the window (a large recovery) go out with retransmissions
  // as the window advances.
  if (slot - commit_index_ <= config_.max_inflight_slots)
    for (NodeId peer : Peers()) to_send_[peer].push_back(slot);
}

void Node::OnAccepted(NodeId from, const Accepted& a) {
  if (role_ != Role::kLeader || a.ballot != promised_) return;
  for (Slot s : a.slots) {
    auto it = inflight_.find(s);
    if (it == inflight_.end()) continue;  // committed already
    it->second.acked_mask |= uint64_t{1} << from;
    if (static_cast<size_t>(std::popcount(it->second.acked_mask)) >= config_.majority())
      it->second.chosen = true;
  }
  AdvanceLeaderCommit();
}

void Node::AdvanceLeaderCommit() {
  Slot c = commit_index_;
  while (!inflight_.empty() && inflight_.begin()->first == c + 1 &&
         inflight_.begin()->second.chosen) {
    ++c;
    inflight_.erase(inflight_.begin());
  }
  SetCommit(c);
}

void Node::RetransmitAccepts() {
  for (NodeId peer : Peers()) {
    const uint64_t bit = uint64_t{1} << peer;
    std::vector<Slot>& q = to_send_[peer];
    q.clear();  // rebuilt below; a queued slot is also un-acked
    for (const auto& [slot, f] : inflight_) {
      if (q.size() >= config_.max_inflight_slots) break;
      if (!(f.acked_mask & bit) && !f.chosen) q.push_back(slot);
    }
    if (q.empty()) to_send_.erase(peer);
  }
}

void Node::FlushAccepts() {
  for (auto& [peer, slots] : to_send_) {
    std::sort(slots.begin(), slots.end());
    slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
    Accept a{promised_, {}, commit_index_};
    for (Slot s : slots) {
      if (s <= commit_index_) continue;  // the commit index tells the rest
      a.entries.push_back(log_.at(s));
      if (a.entries.size() == config_.max_entries_per_message) {
        Send(peer, a);
        a.entries.clear();
      }
    }
    if (!a.entries.empty()) Send(peer, std::move(a));
  }
  to_send_.clear();
}

}  // namespace opendfs::paxos
