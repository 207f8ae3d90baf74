// Messages between Paxos nodes, as plain C++ structs. The core never
// serialises them; the driver translates them to/from schema/paxos.fbs.
//
// Mapping to the papers ("Paxos Made Simple" §2.2-2.4, §3;
// "Paxos Made Moderately Complex" §3, where phase 1 of a leader covers all
// slots at once):
//   Prepare / Promise        phase 1a / 1b, once per leadership, covering every
//                            slot from the candidate's first not-committed slot
//   Accept / Accepted        phase 2a / 2b, many slots per message
//   Reject                   a "nack" carrying the higher promised ballot so a
//                            stale proposer catches up (PMMC's preempted)
//   Heartbeat / HeartbeatAck leader liveness, commit index, lease renewal
//   CatchupRequest / Reply   learning chosen values a follower missed (§2.4)
//   PreVote / PreVoteReply   asked before a campaign: would a majority promise
//                            this ballot now? Changes no state (Raft thesis
//                            §9.6), so a node cut off from the group does not
//                            raise its ballot and depose the leader on rejoin
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "metad/paxos/types.h"

namespace opendfs::paxos {

struct Prepare {
  Ballot ballot;
  Slot from_slot = 1;  // first slot the candidate does not know as committed
};

struct Promise {
  Ballot ballot;             // the ballot promised (echo of Prepare)
  Slot commit_index = 0;     // the acceptor's committed prefix: entries at or
                             // below it are chosen values
  std::vector<LogEntry> accepted;  // every entry with slot >= from_slot
};

struct Accept {
  Ballot ballot;
  std::vector<LogEntry> entries;  // entry.ballot == ballot
  Slot commit_index = 0;          // the leader's commit index
};

struct Accepted {
  Ballot ballot;
  std::vector<Slot> slots;
};

enum class RejectReason : uint8_t {
  kHigherBallot,    // promised > message ballot
  kLeaseHeld,       // acceptor still promises its current leader (lease)
  kSnapshotNeeded,  // the sender needs slots the acceptor has trimmed
};

struct Reject {
  Ballot ballot;    // the ballot of the message being rejected
  Ballot promised;  // the acceptor's promised ballot
  RejectReason reason = RejectReason::kHigherBallot;
  Slot snapshot_index = 0;  // the acceptor's, with kSnapshotNeeded
};

struct Heartbeat {
  Ballot ballot;
  Slot commit_index = 0;
  int64_t sent_ms = 0;  // leader's clock; echoed back for the lease
};

struct HeartbeatAck {
  Ballot ballot;
  int64_t echo_sent_ms = 0;
};

struct CatchupRequest {
  Slot from_slot = 0;  // inclusive
  Slot to_slot = 0;    // inclusive
};

struct CatchupReply {
  Slot commit_index = 0;          // sender's commit index
  std::vector<LogEntry> entries;  // chosen values, ascending contiguous slots
};

struct PreVote {
  Ballot ballot;  // the ballot the sender would campaign with
};

struct PreVoteReply {
  Ballot ballot;     // echo of PreVote
  bool granted = false;
  Ballot promised;   // the replier's promise: a denied sender outbids it next time
};

using MessageBody = std::variant<Prepare, Promise, Accept, Accepted, Reject, Heartbeat,
                                 HeartbeatAck, CatchupRequest, CatchupReply, PreVote,
                                 PreVoteReply>;

struct Message {
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  MessageBody body;
};

// One-line human description, for test output and driver debug logs.
std::string Describe(const Message& m);

}  // namespace opendfs::paxos
