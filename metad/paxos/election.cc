// Phase 1 from the proposer's side and the role transitions.
//
// Happy path: a follower's election timer fires; it becomes a candidate with a
// ballot above every round it has seen ("Paxos Made Simple" §2.2: a proposer
// picks a new proposal number), promises it to itself (persisted before the
// Prepares leave, via Ready), and sends Prepare(ballot, from_slot) where
// from_slot is its first not-committed slot: ONE phase 1 for all slots
// ("Paxos Made Moderately Complex" §3, the leader's Scout). With a majority of
// promises it becomes leader: for every slot from from_slot to the highest
// slot any promise reported, it re-proposes the value some acceptor reports as
// chosen, else the value accepted at the highest ballot, else a no-op
// ("Paxos Made Simple" §2.2 P2c and §3, gaps become no-ops).
//
// Pre-vote (Raft thesis §9.6, adapted): when the election timer fires a
// follower first asks every peer whether it would promise the ballot it
// would campaign with — granted only by a peer that promises no leader a
// lease and has promised nothing higher. Only with grants from a majority
// (itself included) does it campaign. Asking changes no state anywhere, so a
// node cut off from the group (an isolated leader that stepped down) keeps
// its ballot however long the cut lasts; when it heals, the leader's next
// heartbeat makes it a follower, instead of its raised ballot deposing the
// leader (through the Rejects of the leader's heartbeats) and forcing an
// election the group did not need. A candidate whose campaign times out
// goes back to asking. Safety does not depend on any of this.
//
// Failure modes: a Reject carrying a higher ballot sends a candidate or leader
// back to follower with its round raised, so its next try outbids; lost
// Prepares are resent every heartbeat interval; a campaign that does not win
// within a new random timeout restarts with a higher ballot (duelling
// proposers back off randomly, "Paxos Made Simple" §3 on progress).
#include <algorithm>

#include "metad/paxos/check.h"
#include "metad/paxos/node.h"

namespace opendfs::paxos {

void Node::ResetElectionTimer(int64_t now_ms) {
  const auto t = static_cast<uint64_t>(config_.election_timeout_ms);
  election_deadline_ms_ = now_ms + static_cast<int64_t>(rng_.Uniform(t, 2 * t));
}

void Node::BecomeFollower(int64_t now_ms, NodeId leader_hint) {
  if (role_ != Role::kFollower || leader_hint_ != leader_hint) soft_state_dirty_ = true;
  role_ = Role::kFollower;
  leader_hint_ = leader_hint;
  promises_.clear();
  inflight_.clear();
  to_send_.clear();
  ack_sent_ms_.clear();
  ack_recv_ms_.clear();
  read_barrier_slot_ = 0;
  pre_campaign_ = false;
  pre_votes_.clear();
  ResetElectionTimer(now_ms);
}

void Node::TickFollower(int64_t now_ms) {
  if (now_ms >= election_deadline_ms_) {
    StartPreCampaign(now_ms);
    return;
  }
  if (pre_campaign_ && now_ms >= next_pre_vote_retry_ms_) {
    next_pre_vote_retry_ms_ = now_ms + config_.heartbeat_interval_ms;
    for (NodeId peer : Peers())
      if (std::find(pre_votes_.begin(), pre_votes_.end(), peer) == pre_votes_.end())
        Send(peer, PreVote{pre_ballot_});
  }
  MaybeRequestCatchup(now_ms);
}

void Node::StartPreCampaign(int64_t now_ms) {
  if (config_.majority() == 1) return StartCampaign(now_ms);
  // As StartCampaign: our own lease promise must run out first.
  if (now_ms < last_leader_contact_ms_ + config_.lease_timeout_ms) {
    election_deadline_ms_ = last_leader_contact_ms_ + config_.lease_timeout_ms;
    return;
  }
  BecomeFollower(now_ms, kNoNode);  // clears any role state, new timer
  pre_campaign_ = true;
  pre_ballot_ = Ballot{std::max(promised_.round, max_seen_round_) + 1, config_.self_id};
  next_pre_vote_retry_ms_ = now_ms + config_.heartbeat_interval_ms;
  for (NodeId peer : Peers()) Send(peer, PreVote{pre_ballot_});
}

void Node::OnPreVote(NodeId from, const PreVote& v, int64_t now_ms) {
  // Would OnPrepare promise v.ballot now? Answer without changing anything.
  const bool granted = role_ != Role::kLeader && !LeaseHeldForOthers(now_ms) &&
                       v.ballot > promised_ && v.ballot.node_id == from;
  Send(from, PreVoteReply{v.ballot, granted, promised_});
}

void Node::OnPreVoteReply(NodeId from, const PreVoteReply& r, int64_t now_ms) {
  if (!pre_campaign_ || role_ != Role::kFollower || r.ballot != pre_ballot_) return;
  if (!r.granted) {
    ObserveBallot(r.promised);  // the next ask outbids it
    return;
  }
  if (std::find(pre_votes_.begin(), pre_votes_.end(), from) == pre_votes_.end())
    pre_votes_.push_back(from);
  if (pre_votes_.size() + 1 >= config_.majority()) StartCampaign(now_ms);
}

void Node::StartCampaign(int64_t now_ms) {
  // The lease promise we may have given a leader must run out first
  // (config.h). The election timeout is >= the lease timeout, so this only
  // defers after a backwards clock jump.
  if (now_ms < last_leader_contact_ms_ + config_.lease_timeout_ms) {
    election_deadline_ms_ = last_leader_contact_ms_ + config_.lease_timeout_ms;
    return;
  }
  Ballot b{std::max(promised_.round, max_seen_round_) + 1, config_.self_id};
  BecomeFollower(now_ms, kNoNode);  // clears leader/candidate state, new timer
  SetPromised(b);
  role_ = Role::kCandidate;
  soft_state_dirty_ = true;
  campaign_from_slot_ = commit_index_ + 1;
  next_prepare_retry_ms_ = now_ms + config_.heartbeat_interval_ms;
  for (NodeId peer : Peers()) SendPrepare(peer);
  if (config_.majority() == 1) BecomeLeader(now_ms);
}

void Node::SendPrepare(NodeId to) { Send(to, Prepare{promised_, campaign_from_slot_}); }

void Node::TickCandidate(int64_t now_ms) {
  if (now_ms >= election_deadline_ms_) {
    StartPreCampaign(now_ms);  // a lost campaign asks again before it outbids
    return;
  }
  if (now_ms < next_prepare_retry_ms_) return;
  next_prepare_retry_ms_ = now_ms + config_.heartbeat_interval_ms;
  for (NodeId peer : Peers())
    if (!promises_.count(peer)) SendPrepare(peer);
}

void Node::OnPromise(NodeId from, const Promise& p, int64_t now_ms) {
  if (role_ != Role::kCandidate || p.ballot != promised_) return;  // stale
  promises_[from] = p;
  if (promises_.size() + 1 >= config_.majority()) BecomeLeader(now_ms);
}

void Node::OnReject(NodeId /*from*/, const Reject& r, int64_t now_ms) {
  ObserveBallot(r.promised);
  if (role_ == Role::kFollower || r.ballot != promised_) return;
  // Preempted ("Paxos Made Moderately Complex" §3): someone promised a higher
  // ballot. A lease rejection just waits for the retry.
  if (r.reason == RejectReason::kHigherBallot && r.promised > promised_)
    BecomeFollower(now_ms, kNoNode);
  // A leader whose open slots an acceptor has already trimmed as chosen
  // cannot recover their values from logs: it steps down, the acceptor's
  // driver ships it a snapshot, and a node that is up to date leads. (A
  // candidate in that position simply cannot gather this promise.)
  if (r.reason == RejectReason::kSnapshotNeeded && role_ == Role::kLeader &&
      r.snapshot_index > commit_index_)
    BecomeFollower(now_ms, kNoNode);
}

namespace {

// What the promises say about one slot.
struct SlotView {
  bool chosen = false;
  Value chosen_value;
  bool accepted = false;
  Ballot best;
  Value best_value;

  void Add(const LogEntry& e, bool is_chosen) {
    if (is_chosen) {
      // Two acceptors that both learned slot e.slot as chosen must agree:
      // this is the safety property itself, checked on the way.
      PAXOS_CHECK(!chosen || chosen_value == e.value);
      chosen = true;
      chosen_value = e.value;
    }
    if (!accepted || e.ballot > best) {
      accepted = true;
      best = e.ballot;
      best_value = e.value;
    }
  }
};

}  // namespace

void Node::BecomeLeader(int64_t now_ms) {
  PAXOS_CHECK(role_ == Role::kCandidate);
  role_ = Role::kLeader;
  leader_hint_ = config_.self_id;
  soft_state_dirty_ = true;
  leader_since_ms_ = now_ms;

  // Catch-up replies may have advanced commit_index_ during the campaign;
  // slots at or below it are known and need no recovery.
  const Slot start = commit_index_ + 1;
  std::map<Slot, SlotView> view;
  for (auto it = log_.lower_bound(start); it != log_.end(); ++it)
    view[it->first].Add(it->second, false);
  for (const auto& [peer, p] : promises_) {
    for (const LogEntry& e : p.accepted) {
      if (e.slot < start) {
        auto mine = log_.find(e.slot);
        if (e.slot <= p.commit_index && mine != log_.end())
          PAXOS_CHECK(mine->second.value == e.value);
        continue;
      }
      view[e.slot].Add(e, e.slot <= p.commit_index);
    }
  }
  promises_.clear();

  next_slot_ = start;
  const Slot end = view.empty() ? commit_index_ : view.rbegin()->first;
  for (Slot s = start; s <= end; ++s) {
    auto it = view.find(s);
    Value v = Value::Noop();  // a gap: nobody accepted anything here
    if (it != view.end()) v = it->second.chosen ? it->second.chosen_value : it->second.best_value;
    ProposeAt(s, std::move(v));
  }
  // Reads may be served only once a slot of our own ballot is committed: by
  // then every slot before it is chosen and known here (Raft's no-op rule).
  read_barrier_slot_ = next_slot_;
  ProposeAt(next_slot_, Value::Noop());

  SendHeartbeats(now_ms);
  next_heartbeat_ms_ = now_ms + config_.heartbeat_interval_ms;
  AdvanceLeaderCommit();  // a group of one commits at once
}

}  // namespace opendfs::paxos
