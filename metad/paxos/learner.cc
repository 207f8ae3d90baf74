// Learning chosen values on followers ("Paxos Made Simple" §2.4) and
// catch-up.
//
// Happy path: the leader of ballot b says "my commit index is c" in every
// Accept and Heartbeat. A leader proposes at most one value per slot per
// ballot and only calls slot s committed once a majority accepted it at b, so
// a follower holding (s, b, v) with s <= c knows v is chosen. The follower's
// commit index advances over the contiguous prefix of such slots.
//
// Failure modes: a slot the follower never received, or holds from an older
// ballot, stops that prefix; the follower then asks the leader for the chosen
// values (CatchupRequest, at most one per heartbeat interval). Any node may
// answer from its own committed prefix, since those values are chosen. When
// the requested slots were trimmed into a snapshot, the answering node emits
// SnapshotNeeded so its driver ships the fsimage instead.
#include <algorithm>

#include "metad/paxos/check.h"
#include "metad/paxos/node.h"

namespace opendfs::paxos {

void Node::NoteLeaderCommit(const Ballot& b, Slot commit_index) {
  if (b > hint_ballot_) {
    hint_ballot_ = b;
    hint_commit_ = commit_index;
  } else if (b == hint_ballot_) {
    hint_commit_ = std::max(hint_commit_, commit_index);
  }
}

void Node::AdvanceFollowerCommit() {
  if (role_ == Role::kLeader) return;  // the leader counts Accepteds instead
  Slot c = commit_index_;
  while (c < hint_commit_) {
    auto it = log_.find(c + 1);
    if (it == log_.end() || it->second.ballot != hint_ballot_) break;
    ++c;
  }
  SetCommit(c);
}

void Node::MaybeRequestCatchup(int64_t now_ms) {
  if (role_ != Role::kFollower || commit_index_ >= hint_commit_) return;
  if (now_ms < next_catchup_ms_ && next_catchup_ms_ <= now_ms + config_.heartbeat_interval_ms)
    return;  // rate limit (the second clause survives a backwards clock jump)
  next_catchup_ms_ = now_ms + config_.heartbeat_interval_ms;
  const Slot from = commit_index_ + 1;
  const Slot to = std::min<Slot>(hint_commit_, from + config_.max_entries_per_message - 1);
  const NodeId leader = hint_ballot_.node_id;
  if (leader == kNoNode || leader == config_.self_id) return;
  Send(leader, CatchupRequest{from, to});
}

void Node::OnCatchupRequest(NodeId from, const CatchupRequest& r) {
  if (r.from_slot == 0 || r.to_slot < r.from_slot) return;  // malformed
  if (r.from_slot <= snapshot_index_) {
    NeedSnapshot(from);
    return;
  }
  const Slot to = std::min({r.to_slot, commit_index_,
                            r.from_slot + config_.max_entries_per_message - 1});
  if (to < r.from_slot) return;  // we know no more than the asker
  CatchupReply reply{commit_index_, {}};
  for (Slot s = r.from_slot; s <= to; ++s) reply.entries.push_back(log_.at(s));
  Send(from, std::move(reply));
}

void Node::OnCatchupReply(NodeId /*from*/, const CatchupReply& r) {
  if (role_ == Role::kLeader) return;  // a leader's prefix is already complete
  // A reply contradicting a value we know is chosen comes from a faulty or
  // hostile peer: refuse all of it (hostile input never aborts, issue 15).
  for (const LogEntry& e : r.entries) {
    if (e.slot > r.commit_index || e.slot > commit_index_) break;
    if (e.slot > snapshot_index_ && !(log_.at(e.slot).value == e.value)) {
      ++refused_catchup_replies_;
      return;
    }
  }
  Slot c = commit_index_;
  for (const LogEntry& e : r.entries) {
    if (e.slot > r.commit_index) break;  // not vouched for as chosen
    if (e.slot <= snapshot_index_) continue;
    if (e.slot <= c) {
      continue;  // agrees (checked above)
    }
    if (e.slot != c + 1) break;  // a gap: stale or reordered reply
    // A chosen value replaces whatever we had accepted here. Safe: the slot
    // is reported as chosen in our Promises from now on (it is below our
    // commit index), and a new leader prefers chosen values.
    StoreEntry(e);
    ++c;
  }
  SetCommit(c);
  AdvanceFollowerCommit();
}

}  // namespace opendfs::paxos
