// The acceptor ("Paxos Made Simple" §2.2, P1a and the two phases' second
// halves).
//
// Happy path: Prepare(b) with b above every promise -> promise b, reply with
// every value accepted from the candidate's from_slot on (phase 1b). Accept(b)
// with b at least the promise -> store (slot, b, value) for each entry and
// reply Accepted (phase 2b). Both changes reach disk before the reply leaves,
// because the reply rides in the same Ready (ready.h contract).
//
// Failure modes: a lower ballot gets a Reject carrying our promise; a Prepare
// while we still promise the current leader its lease gets kLeaseHeld; a
// Prepare for slots we have trimmed gets kSnapshotNeeded and a SnapshotNeeded
// for the driver; duplicates are answered again, idempotently.
#include "metad/paxos/check.h"
#include "metad/paxos/node.h"

namespace opendfs::paxos {

bool Node::LeaseHeldForOthers(int64_t now_ms) const {
  return now_ms < last_leader_contact_ms_ + config_.lease_timeout_ms;
}

void Node::NeedSnapshot(NodeId peer) {
  for (const SnapshotNeeded& n : snapshots_needed_)
    if (n.peer == peer) return;  // one per Ready is enough
  snapshots_needed_.push_back(SnapshotNeeded{peer, snapshot_index_});
}

void Node::OnPrepare(NodeId from, const Prepare& p, int64_t now_ms) {
  ObserveBallot(p.ballot);
  if (p.ballot < promised_ || (p.ballot == promised_ && p.ballot.node_id != from)) {
    Send(from, Reject{p.ballot, promised_, RejectReason::kHigherBallot});
    return;
  }
  if (p.from_slot <= snapshot_index_) {
    // The candidate lacks chosen values we no longer hold as log entries; it
    // could not recover those slots, so it must install our snapshot first.
    Send(from, Reject{p.ballot, promised_, RejectReason::kSnapshotNeeded, snapshot_index_});
    NeedSnapshot(from);
    return;
  }
  if (p.ballot > promised_) {
    if (LeaseHeldForOthers(now_ms)) {
      Send(from, Reject{p.ballot, promised_, RejectReason::kLeaseHeld});
      return;
    }
    SetPromised(p.ballot);
    BecomeFollower(now_ms, kNoNode);  // give the candidate a full timeout
  }
  Promise reply{promised_, commit_index_, {}};
  for (auto it = log_.lower_bound(p.from_slot); it != log_.end(); ++it)
    reply.accepted.push_back(it->second);
  Send(from, std::move(reply));
}

void Node::FollowLeader(NodeId from, const Ballot& b, int64_t now_ms) {
  // Only the proposer that won phase 1 at b sends Accept/Heartbeat at b, and
  // b >= promised_, so promising b is safe (it only raises the promise).
  SetPromised(b);
  if (role_ != Role::kFollower || leader_hint_ != from) {
    BecomeFollower(now_ms, from);
  } else {
    ResetElectionTimer(now_ms);
  }
  last_leader_contact_ms_ = now_ms;
  pre_campaign_ = false;  // a leader is alive: stop asking
  pre_votes_.clear();
}

void Node::OnAccept(NodeId from, const Accept& a, int64_t now_ms) {
  ObserveBallot(a.ballot);
  if (a.ballot < promised_ || a.ballot.node_id != from) {
    Send(from, Reject{a.ballot, promised_, RejectReason::kHigherBallot});
    return;
  }
  for (const LogEntry& e : a.entries)
    if (e.ballot != a.ballot || e.slot == 0) return;  // malformed: drop whole
  FollowLeader(from, a.ballot, now_ms);
  Accepted reply{a.ballot, {}};
  bool trimmed = false;
  for (const LogEntry& e : a.entries) {
    if (e.slot <= snapshot_index_) {
      // Chosen here long ago, but we no longer hold the value to vouch for
      // it. The leader is behind our snapshot; tell it (see OnReject).
      trimmed = true;
      continue;
    }
    if (e.slot <= commit_index_) {
      // Already chosen here. Acknowledge only what we truly hold: a stale
      // leader may re-propose a different (never choosable) value.
      if (log_.at(e.slot).value == e.value) reply.slots.push_back(e.slot);
      continue;
    }
    auto it = log_.find(e.slot);
    if (it == log_.end() || !(it->second == e)) StoreEntry(e);
    reply.slots.push_back(e.slot);
  }
  if (!reply.slots.empty()) Send(from, std::move(reply));
  if (trimmed) {
    Send(from, Reject{a.ballot, promised_, RejectReason::kSnapshotNeeded, snapshot_index_});
    NeedSnapshot(from);
  }
  NoteLeaderCommit(a.ballot, a.commit_index);
  AdvanceFollowerCommit();
  MaybeRequestCatchup(now_ms);
}

}  // namespace opendfs::paxos
