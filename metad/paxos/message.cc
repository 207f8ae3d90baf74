// Describe(): a compact one-line rendering of a Message for tests and logs.
#include "metad/paxos/message.h"

#include <string>

namespace opendfs::paxos {
namespace {

std::string B(const Ballot& b) {
  return "(" + std::to_string(b.round) + "," + std::to_string(b.node_id) + ")";
}

std::string V(const Value& v) { return v.is_noop ? "noop" : "'" + v.bytes + "'"; }

std::string Entries(const std::vector<LogEntry>& es) {
  std::string s = "[";
  for (size_t i = 0; i < es.size(); ++i) {
    if (i) s += " ";
    s += std::to_string(es[i].slot) + ":" + B(es[i].ballot) + V(es[i].value);
  }
  return s + "]";
}

struct Describer {
  std::string operator()(const Prepare& p) const {
    return "Prepare b=" + B(p.ballot) + " from=" + std::to_string(p.from_slot);
  }
  std::string operator()(const Promise& p) const {
    return "Promise b=" + B(p.ballot) + " commit=" + std::to_string(p.commit_index) +
           " acc=" + Entries(p.accepted);
  }
  std::string operator()(const Accept& a) const {
    return "Accept b=" + B(a.ballot) + " commit=" + std::to_string(a.commit_index) +
           " " + Entries(a.entries);
  }
  std::string operator()(const Accepted& a) const {
    std::string s = "Accepted b=" + B(a.ballot) + " slots=";
    for (Slot x : a.slots) s += std::to_string(x) + ",";
    return s;
  }
  std::string operator()(const Reject& r) const {
    static const char* kReasons[] = {"higher_ballot", "lease_held", "snapshot_needed"};
    return "Reject b=" + B(r.ballot) + " promised=" + B(r.promised) +
           " reason=" + kReasons[static_cast<int>(r.reason)] +
           (r.snapshot_index ? " snapshot=" + std::to_string(r.snapshot_index) : "");
  }
  std::string operator()(const Heartbeat& h) const {
    return "Heartbeat b=" + B(h.ballot) + " commit=" + std::to_string(h.commit_index) +
           " sent=" + std::to_string(h.sent_ms);
  }
  std::string operator()(const HeartbeatAck& h) const {
    return "HeartbeatAck b=" + B(h.ballot) + " echo=" + std::to_string(h.echo_sent_ms);
  }
  std::string operator()(const PreVote& v) const { return "PreVote b=" + B(v.ballot); }
  std::string operator()(const PreVoteReply& v) const {
    return std::string("PreVoteReply b=") + B(v.ballot) + (v.granted ? " granted" : " denied") +
           " promised=" + B(v.promised);
  }
  std::string operator()(const CatchupRequest& c) const {
    return "CatchupRequest " + std::to_string(c.from_slot) + ".." + std::to_string(c.to_slot);
  }
  std::string operator()(const CatchupReply& c) const {
    return "CatchupReply commit=" + std::to_string(c.commit_index) + " " + Entries(c.entries);
  }
};

}  // namespace

std::string Describe(const Message& m) {
  return std::to_string(m.from) + "->" + std::to_string(m.to) + " " +
         std::visit(Describer{}, m.body);
}

}  // namespace opendfs::paxos
