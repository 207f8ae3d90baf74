// Node plumbing: construction and restart, input dispatch, Ready assembly,
// snapshot/compaction bookkeeping and queries. The protocol itself lives in
// election.cc, acceptor.cc, replication.cc, learner.cc and lease.cc.
#include "metad/paxos/node.h"

#include <algorithm>
#include <limits>
#include <set>
#include <type_traits>

#include "metad/paxos/check.h"

namespace opendfs::paxos {

const char* RoleName(Role r) {
  switch (r) {
    case Role::kFollower: return "follower";
    case Role::kCandidate: return "candidate";
    case Role::kLeader: return "leader";
  }
  return "?";
}

const char* Node::Inconsistency(const PersistedState& restored) {
  const Slot snapshot = restored.snapshot_index;
  const Slot commit = std::max(restored.hard_state.commit_index, snapshot);
  if (restored.applied_index < snapshot) return "applied index below the snapshot index";
  if (restored.applied_index > commit) return "applied index above the commit index";
  std::set<Slot> slots;
  for (const LogEntry& e : restored.entries) {
    if (e.slot <= snapshot) return "a log entry at or below the snapshot index";
    slots.insert(e.slot);
  }
  for (Slot s = snapshot + 1; s <= commit; ++s)
    if (slots.count(s) == 0) return "a committed slot missing from the log";
  return nullptr;
}

Node::Node(const Config& config, Rng& rng, int64_t now_ms, const PersistedState& restored)
    : config_(config), rng_(rng) {
  PAXOS_CHECK(config_.Validate() == nullptr);
  promised_ = restored.hard_state.promised;
  max_seen_round_ = promised_.round;
  snapshot_index_ = restored.snapshot_index;
  // A crash between installing a snapshot and persisting the commit index
  // leaves commit_index below the snapshot; the snapshot itself is committed.
  commit_index_ = std::max(restored.hard_state.commit_index, snapshot_index_);
  applied_index_ = restored.applied_index;
  PAXOS_CHECK(Inconsistency(restored) == nullptr);
  for (const LogEntry& e : restored.entries) log_[e.slot] = e;
  // The lease promise of a previous incarnation is lost with its memory, so
  // behave as if a leader had been heard right now (config.h, lease bound).
  last_leader_contact_ms_ = now_ms;
  ResetElectionTimer(now_ms);
}

std::vector<NodeId> Node::Peers() const {
  std::vector<NodeId> peers;
  for (NodeId n : config_.members)
    if (n != config_.self_id) peers.push_back(n);
  return peers;
}

void Node::Send(NodeId to, MessageBody body) {
  PAXOS_CHECK(to != config_.self_id);
  outbox_.push_back(Message{config_.self_id, to, std::move(body)});
}

void Node::SetPromised(const Ballot& b) {
  PAXOS_CHECK(b >= promised_);
  if (b == promised_) return;
  promised_ = b;
  ObserveBallot(b);
  hard_state_dirty_ = true;
}

void Node::SetCommit(Slot c) {
  PAXOS_CHECK(c >= commit_index_);
  if (c == commit_index_) return;
  commit_index_ = c;
  hard_state_dirty_ = true;
}

void Node::StoreEntry(const LogEntry& e) {
  PAXOS_CHECK(e.slot > snapshot_index_);
  log_[e.slot] = e;
  dirty_entries_[e.slot] = e;
}

void Node::ObserveBallot(const Ballot& b) { max_seen_round_ = std::max(max_seen_round_, b.round); }

void Node::Step(const Message& m, int64_t now_ms) {
  // Misrouted or forged envelopes come from the wire, not from a bug here:
  // drop them rather than assert.
  if (m.to != config_.self_id || m.from == config_.self_id) return;
  if (std::find(config_.members.begin(), config_.members.end(), m.from) ==
      config_.members.end())
    return;
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, Prepare>) OnPrepare(m.from, body, now_ms);
        else if constexpr (std::is_same_v<T, Promise>) OnPromise(m.from, body, now_ms);
        else if constexpr (std::is_same_v<T, Accept>) OnAccept(m.from, body, now_ms);
        else if constexpr (std::is_same_v<T, Accepted>) OnAccepted(m.from, body);
        else if constexpr (std::is_same_v<T, Reject>) OnReject(m.from, body, now_ms);
        else if constexpr (std::is_same_v<T, Heartbeat>) OnHeartbeat(m.from, body, now_ms);
        else if constexpr (std::is_same_v<T, HeartbeatAck>) OnHeartbeatAck(m.from, body, now_ms);
        else if constexpr (std::is_same_v<T, CatchupRequest>) OnCatchupRequest(m.from, body);
        else if constexpr (std::is_same_v<T, CatchupReply>) OnCatchupReply(m.from, body);
        else if constexpr (std::is_same_v<T, PreVote>) OnPreVote(m.from, body, now_ms);
        else if constexpr (std::is_same_v<T, PreVoteReply>) OnPreVoteReply(m.from, body, now_ms);
      },
      m.body);
}

void Node::Tick(int64_t now_ms) {
  switch (role_) {
    case Role::kFollower:
      TickFollower(now_ms);
      break;
    case Role::kCandidate:
      TickCandidate(now_ms);
      break;
    case Role::kLeader:
      TickLeader(now_ms);
      break;
  }
}

bool Node::InstallSnapshot(Slot index) {
  if (index <= commit_index_ || role_ == Role::kLeader) return false;
  log_.erase(log_.begin(), log_.upper_bound(index));
  dirty_entries_.erase(dirty_entries_.begin(), dirty_entries_.upper_bound(index));
  snapshot_index_ = index;
  applied_index_ = index;
  SetCommit(index);
  AdvanceFollowerCommit();
  return true;
}

void Node::Compact(Slot index) {
  PAXOS_CHECK(index <= applied_index_);
  if (index <= snapshot_index_) return;
  log_.erase(log_.begin(), log_.upper_bound(index));
  dirty_entries_.erase(dirty_entries_.begin(), dirty_entries_.upper_bound(index));
  snapshot_index_ = index;
}

bool Node::HasReady() const {
  return hard_state_dirty_ || soft_state_dirty_ || !dirty_entries_.empty() ||
         !outbox_.empty() || !snapshots_needed_.empty() || !to_send_.empty() ||
         applied_index_ < commit_index_;
}

Ready Node::TakeReady() {
  FlushAccepts();
  Ready rd;
  if (hard_state_dirty_) rd.hard_state = HardState{promised_, commit_index_};
  if (soft_state_dirty_) rd.soft_state = SoftState{role_, leader_hint_, promised_};
  rd.entries.reserve(dirty_entries_.size());
  for (auto& [slot, e] : dirty_entries_) rd.entries.push_back(std::move(e));
  rd.messages = std::move(outbox_);
  for (Slot s = applied_index_ + 1; s <= commit_index_; ++s) {
    auto it = log_.find(s);
    PAXOS_CHECK(it != log_.end());
    rd.committed.push_back(it->second);
  }
  rd.snapshots_needed = std::move(snapshots_needed_);
  applied_index_ = commit_index_;
  hard_state_dirty_ = false;
  soft_state_dirty_ = false;
  dirty_entries_.clear();
  outbox_.clear();
  snapshots_needed_.clear();
  return rd;
}

int64_t Node::LeaseExpiryMs() const {
  if (role_ != Role::kLeader) return std::numeric_limits<int64_t>::min();
  std::vector<int64_t> times{last_heartbeat_sent_ms_};
  for (const auto& [peer, t] : ack_sent_ms_) times.push_back(t);
  if (times.size() < config_.majority()) return std::numeric_limits<int64_t>::min();
  std::sort(times.begin(), times.end(), std::greater<int64_t>());
  return times[config_.majority() - 1] + config_.lease_duration_ms();
}

bool Node::LeaseValid(int64_t now_ms) const {
  return role_ == Role::kLeader && commit_index_ >= read_barrier_slot_ &&
         now_ms < LeaseExpiryMs();
}

}  // namespace opendfs::paxos
