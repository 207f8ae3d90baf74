// Heartbeats, the leader's periodic duties, and the read lease.
//
// Happy path: every heartbeat interval the leader sends Heartbeat(ballot,
// commit, sent_ms) to each peer and retransmits unacknowledged Accepts. A
// follower treats it as leader contact: it resets its election timer and
// promises (config.h) not to accept another proposer's Prepare for
// lease_timeout_ms; its ack echoes sent_ms. When a majority (the leader
// included) acknowledged heartbeats sent at or after t, the leader holds a
// lease until t + lease_timeout_ms - max_clock_jump_ms, during which no other
// node can complete phase 1, so it may answer reads locally. This is the
// "leader lease" refinement of Multi-Paxos (Chandra, Griesemer, Redstone,
// "Paxos Made Live" §5.2) layered on "Paxos Made Simple" §3's distinguished
// proposer.
//
// Failure modes: a leader cut off from a majority stops getting acks, its
// lease lapses, and after election_timeout_ms without a majority it steps
// down (so the driver redirects clients instead of waiting forever);
// heartbeats at a lower ballot are rejected, which demotes a stale leader.
#include <algorithm>

#include "metad/paxos/check.h"
#include "metad/paxos/node.h"

namespace opendfs::paxos {

void Node::TickLeader(int64_t now_ms) {
  // After a backwards clock jump, do not wait the jump out.
  if (next_heartbeat_ms_ > now_ms + config_.heartbeat_interval_ms) next_heartbeat_ms_ = now_ms;
  if (now_ms < next_heartbeat_ms_) return;
  next_heartbeat_ms_ = now_ms + config_.heartbeat_interval_ms;
  SendHeartbeats(now_ms);
  RetransmitAccepts();

  // Check quorum: step down after an election timeout without a majority.
  size_t recent = 1;  // ourselves
  for (const auto& [peer, t] : ack_recv_ms_)
    if (t + config_.election_timeout_ms > now_ms) ++recent;
  if (recent < config_.majority() && now_ms >= leader_since_ms_ + config_.election_timeout_ms)
    BecomeFollower(now_ms, kNoNode);
}

void Node::SendHeartbeats(int64_t now_ms) {
  last_heartbeat_sent_ms_ = now_ms;
  // We are our own leader contact: as an acceptor we must not promise a rival
  // while the lease we are building could still be valid.
  last_leader_contact_ms_ = now_ms;
  for (NodeId peer : Peers()) Send(peer, Heartbeat{promised_, commit_index_, now_ms});
}

void Node::OnHeartbeat(NodeId from, const Heartbeat& h, int64_t now_ms) {
  ObserveBallot(h.ballot);
  if (h.ballot < promised_ || h.ballot.node_id != from) {
    Send(from, Reject{h.ballot, promised_, RejectReason::kHigherBallot});
    return;
  }
  FollowLeader(from, h.ballot, now_ms);
  Send(from, HeartbeatAck{h.ballot, h.sent_ms});
  NoteLeaderCommit(h.ballot, h.commit_index);
  AdvanceFollowerCommit();
  MaybeRequestCatchup(now_ms);
}

void Node::OnHeartbeatAck(NodeId from, const HeartbeatAck& a, int64_t now_ms) {
  if (role_ != Role::kLeader || a.ballot != promised_) return;
  // Acks may arrive out of order: keep the newest echoed send time.
  auto [it, inserted] = ack_sent_ms_.emplace(from, a.echo_sent_ms);
  if (!inserted) it->second = std::max(it->second, a.echo_sent_ms);
  ack_recv_ms_[from] = now_ms;
}

}  // namespace opendfs::paxos
