// Plain value types of the Multi-Paxos core: node ids, ballots, slots and
// values. No behaviour beyond ordering and equality lives here.
//
// Lamport, "Paxos Made Simple" §2.2: proposals carry numbers that are totally
// ordered and unique per proposer; here a ballot is (round, node_id) compared
// lexicographically, so two proposers never share a ballot. §3: the
// "instances" of the consensus algorithm are the slots (log indices) of the
// replicated log, numbered from 1; slot 0 means "none".
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <utility>

namespace opendfs::paxos {

using NodeId = uint32_t;  // 1..N; 0 means "unknown / none"
using Slot = uint64_t;    // log index; 1 is the first slot, 0 is "none"

inline constexpr NodeId kNoNode = 0;

// A ballot (proposal number, "Paxos Made Simple" §2.2). The zero ballot
// (0, 0) is lower than every ballot a proposer can pick.
struct Ballot {
  uint64_t round = 0;
  NodeId node_id = kNoNode;

  friend auto operator<=>(const Ballot&, const Ballot&) = default;
  bool IsZero() const { return round == 0 && node_id == kNoNode; }
};

// An opaque value chosen for one slot: either a byte string (the driver puts a
// batch of editlog records in it) or the distinguished no-op a new leader uses
// to fill gaps ("Paxos Made Simple" §3).
struct Value {
  bool is_noop = true;
  std::string bytes;

  static Value Noop() { return Value{}; }
  static Value Of(std::string b) { return Value{false, std::move(b)}; }
  friend bool operator==(const Value&, const Value&) = default;
};

// One acceptor log record: "in slot `slot` I accepted `value` at `ballot`".
// Also the unit the driver persists and what catch-up ships.
struct LogEntry {
  Slot slot = 0;
  Ballot ballot;
  Value value;
  friend bool operator==(const LogEntry&, const LogEntry&) = default;
};

}  // namespace opendfs::paxos
