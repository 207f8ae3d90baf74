// Node: one member of a Multi-Paxos group as a pure state machine.
//
// Happy path. Every node starts a follower. A follower that hears nothing
// from a leader for a randomised election timeout becomes a candidate: it
// picks a ballot above every ballot it has seen and runs phase 1 ONCE for all
// slots from its first not-committed slot onward ("Paxos Made Moderately
// Complex" §3: a leader's scouts adopt a ballot for every slot at once). With
// promises from a majority it becomes leader, re-proposes in each open slot
// the value accepted at the highest ballot (or the value some acceptor already
// knows as chosen) and fills gaps with no-ops ("Paxos Made Simple" §3), then
// proposes one more no-op that serves as its read barrier. Client values are
// proposed with Propose(), one value per slot, many slots in flight
// (pipelined phase 2). A slot is chosen when a majority accepted it at the
// leader's ballot; the leader's commit index (a contiguous prefix of chosen
// slots) reaches followers in Accept and Heartbeat messages. Heartbeat acks
// from a majority renew the leader's read lease (see config.h for its bound).
//
// Failure modes handled. Lost, duplicated, reordered or delayed messages
// (retransmission on heartbeat ticks, idempotent handlers); competing
// proposers (Reject carries the higher ballot, randomised timeouts break
// ties); crash-restart from PersistedState; a follower that missed chosen
// values pulls them from the leader (CatchupRequest) or, when the leader has
// trimmed them, gets a SnapshotNeeded emitted for it; an isolated leader steps
// down after an election timeout without a majority. Before each campaign a
// follower asks for pre-votes (election.cc), so a node cut off from the group
// keeps its ballot and rejoins as a follower instead of deposing the leader.
//
// Threading: none. The owner (the driver, or a test) calls every method from
// one thread and feeds Ready to disk and network per the contract in ready.h.
// `rng` must outlive the Node.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "metad/paxos/config.h"
#include "metad/paxos/message.h"
#include "metad/paxos/ready.h"
#include "metad/paxos/rng.h"
#include "metad/paxos/types.h"

namespace opendfs::paxos {

class Node {
 public:
  // `now_ms` is the node's clock at start; a restarted node passes what it
  // read from disk as `restored` (a fresh node passes {}).
  // `restored` must pass Inconsistency() (the constructor checks it).
  Node(const Config& config, Rng& rng, int64_t now_ms, const PersistedState& restored = {});
  // Why `restored` cannot be a node's state (damaged or mixed-up files on
  // disk), or nullptr when it can. The host checks it before constructing a
  // Node and reports a clear error instead of aborting.
  static const char* Inconsistency(const PersistedState& restored);
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Inputs.
  void Step(const Message& m, int64_t now_ms);  // m.to must be this node
  void Tick(int64_t now_ms);                    // call every few ms
  ProposeResult Propose(Value value);
  // The driver installed a snapshot (fsimage) covering slots <= index. Returns
  // false (and changes nothing) when the node already committed that far or
  // is the leader.
  bool InstallSnapshot(Slot index);
  // The driver trimmed its log through `index` (<= applied_index()).
  void Compact(Slot index);

  // Outputs.
  bool HasReady() const;
  Ready TakeReady();

  // Queries.
  NodeId id() const { return config_.self_id; }
  Role role() const { return role_; }
  NodeId leader_hint() const { return leader_hint_; }
  Ballot ballot() const { return promised_; }
  Slot commit_index() const { return commit_index_; }
  // CatchupReplies refused whole because one of their chosen values
  // differed from ours (a faulty or hostile peer).
  uint64_t refused_catchup_replies() const { return refused_catchup_replies_; }
  Slot applied_index() const { return applied_index_; }
  Slot snapshot_index() const { return snapshot_index_; }
  Slot last_slot() const { return log_.empty() ? snapshot_index_ : log_.rbegin()->first; }
  // True while this node is the leader, has committed its read barrier, and
  // its lease from a majority has not expired at `now_ms`.
  bool LeaseValid(int64_t now_ms) const;
  int64_t LeaseExpiryMs() const;  // INT64_MIN when no lease

 private:
  struct Inflight {
    uint64_t acked_mask = 0;  // bit n = node n accepted at the current ballot
    bool chosen = false;
  };

  // node.cc: plumbing
  void Send(NodeId to, MessageBody body);
  void SetPromised(const Ballot& b);
  void SetCommit(Slot c);
  void StoreEntry(const LogEntry& e);
  void ObserveBallot(const Ballot& b);
  std::vector<NodeId> Peers() const;

  // election.cc: phase 1 and roles ("Paxos Made Simple" §2.2, §2.4; PMMC §3)
  void StartPreCampaign(int64_t now_ms);
  void OnPreVote(NodeId from, const PreVote& v, int64_t now_ms);
  void OnPreVoteReply(NodeId from, const PreVoteReply& r, int64_t now_ms);
  void TickFollower(int64_t now_ms);
  void StartCampaign(int64_t now_ms);
  void SendPrepare(NodeId to);
  void OnPromise(NodeId from, const Promise& p, int64_t now_ms);
  void OnReject(NodeId from, const Reject& r, int64_t now_ms);
  void BecomeLeader(int64_t now_ms);
  void BecomeFollower(int64_t now_ms, NodeId leader_hint);
  void ResetElectionTimer(int64_t now_ms);
  void TickCandidate(int64_t now_ms);

  // acceptor.cc: the acceptor's two rules ("Paxos Made Simple" §2.2 P1a)
  void OnPrepare(NodeId from, const Prepare& p, int64_t now_ms);
  void OnAccept(NodeId from, const Accept& a, int64_t now_ms);
  void FollowLeader(NodeId from, const Ballot& b, int64_t now_ms);
  void NeedSnapshot(NodeId peer);

  // replication.cc: phase 2 on the leader ("Paxos Made Simple" §2.2, §3)
  void ProposeAt(Slot slot, Value value);
  void OnAccepted(NodeId from, const Accepted& a);
  void AdvanceLeaderCommit();
  void RetransmitAccepts();
  void FlushAccepts();

  // learner.cc: learning chosen values ("Paxos Made Simple" §2.4), catch-up
  void NoteLeaderCommit(const Ballot& b, Slot commit_index);
  void AdvanceFollowerCommit();
  void MaybeRequestCatchup(int64_t now_ms);
  void OnCatchupRequest(NodeId from, const CatchupRequest& r);
  void OnCatchupReply(NodeId from, const CatchupReply& r);

  // lease.cc: heartbeats and the leader lease
  void TickLeader(int64_t now_ms);
  void SendHeartbeats(int64_t now_ms);
  void OnHeartbeat(NodeId from, const Heartbeat& h, int64_t now_ms);
  void OnHeartbeatAck(NodeId from, const HeartbeatAck& a, int64_t now_ms);
  bool LeaseHeldForOthers(int64_t now_ms) const;

  const Config config_;
  Rng& rng_;

  // Acceptor and learner state (persisted: promised_, commit_index_, log_).
  Ballot promised_;
  Slot commit_index_ = 0;
  Slot applied_index_ = 0;
  Slot snapshot_index_ = 0;
  std::map<Slot, LogEntry> log_;  // slots > snapshot_index_
  uint64_t max_seen_round_ = 0;
  uint64_t refused_catchup_replies_ = 0;  // contradicted a chosen value we hold

  // Roles and timers.
  Role role_ = Role::kFollower;
  NodeId leader_hint_ = kNoNode;
  int64_t election_deadline_ms_ = 0;
  int64_t last_leader_contact_ms_ = 0;  // lease promise starts here

  // Follower learning.
  Ballot hint_ballot_;   // the leader ballot that claimed hint_commit_
  Slot hint_commit_ = 0;
  int64_t next_catchup_ms_ = 0;

  // Follower asking for pre-votes (no persisted state changes).
  bool pre_campaign_ = false;
  Ballot pre_ballot_;
  std::vector<NodeId> pre_votes_;
  int64_t next_pre_vote_retry_ms_ = 0;

  // Candidate.
  Slot campaign_from_slot_ = 1;
  std::map<NodeId, Promise> promises_;
  int64_t next_prepare_retry_ms_ = 0;

  // Leader.
  Slot next_slot_ = 1;
  Slot read_barrier_slot_ = 0;
  std::map<Slot, Inflight> inflight_;          // slots > commit_index_
  std::map<NodeId, std::vector<Slot>> to_send_;  // Accepts to flush per peer
  std::map<NodeId, int64_t> ack_sent_ms_;      // newest echoed heartbeat time
  std::map<NodeId, int64_t> ack_recv_ms_;      // local time of that ack
  int64_t last_heartbeat_sent_ms_ = 0;
  int64_t next_heartbeat_ms_ = 0;
  int64_t leader_since_ms_ = 0;

  // Pending output, drained by TakeReady().
  bool hard_state_dirty_ = false;
  bool soft_state_dirty_ = false;
  std::map<Slot, LogEntry> dirty_entries_;
  std::vector<Message> outbox_;
  std::vector<SnapshotNeeded> snapshots_needed_;
};

}  // namespace opendfs::paxos
