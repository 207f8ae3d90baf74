// Static configuration of one Paxos node: who it is, who the members are, and
// its timers. Validate() before constructing a Node; the Node PAXOS_CHECKs
// that the config is valid (a bad config is the caller's programming error).
//
// Times are milliseconds of the node's local clock (`now_ms` passed in).
//
// Lease bound (documented here because the numbers must satisfy it):
//   A follower that heard from the leader at local time c refuses every other
//   proposer's Prepare until its clock reads c + lease_timeout_ms. The leader
//   holds a lease until t + lease_timeout_ms - max_clock_jump_ms, where t is
//   its own send time of the newest heartbeat acknowledged by a majority
//   (counting itself). Since the heartbeat was sent before it was received,
//   with clocks that advance at the same rate the leader's lease ends before
//   any acknowledging follower's promise does, whatever the clock offsets.
//   A clock jump can break that only by moving a follower forward or the
//   leader backward during one lease; the lease stays safe as long as
//     (forward jumps of any follower + backward jumps of the leader)
//        within one lease_timeout_ms  <=  max_clock_jump_ms.
//   A node restarted from disk lost its last-contact time, so it behaves as if
//   it had heard from a leader at its start (refuses Prepares for
//   lease_timeout_ms after restart).
#pragma once

#include <cstdint>
#include <vector>

#include "metad/paxos/types.h"

namespace opendfs::paxos {

struct Config {
  NodeId self_id = kNoNode;
  std::vector<NodeId> members;  // every node of the group, self included

  int64_t heartbeat_interval_ms = 50;
  // A follower starts an election after a random timeout in
  // [election_timeout_ms, 2 * election_timeout_ms) without leader contact.
  int64_t election_timeout_ms = 600;
  int64_t lease_timeout_ms = 500;    // follower's promise, see above
  int64_t max_clock_jump_ms = 100;   // see the lease bound above

  uint32_t max_inflight_slots = 256;  // proposed but not committed, leader
  uint32_t max_entries_per_message = 64;  // Accept / catch-up batch bound

  // Returns nullptr when valid, else a static description of the problem.
  const char* Validate() const;

  int64_t lease_duration_ms() const { return lease_timeout_ms - max_clock_jump_ms; }
  size_t majority() const { return members.size() / 2 + 1; }
};

}  // namespace opendfs::paxos
