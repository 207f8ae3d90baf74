// Validation of Config: the relations between timers that the protocol's
// safety (lease) and liveness (elections) depend on.
#include "metad/paxos/config.h"

#include <algorithm>

namespace opendfs::paxos {

const char* Config::Validate() const {
  if (members.empty() || members.size() > 63) return "members must hold 1..63 nodes";
  if (self_id == kNoNode) return "self_id must be non-zero";
  if (std::find(members.begin(), members.end(), self_id) == members.end())
    return "self_id must be one of members";
  for (size_t i = 0; i < members.size(); ++i) {
    if (members[i] == kNoNode || members[i] > 63) return "member ids must be in 1..63";
    for (size_t j = i + 1; j < members.size(); ++j)
      if (members[i] == members[j]) return "member ids must be distinct";
  }
  if (heartbeat_interval_ms <= 0) return "heartbeat_interval_ms must be positive";
  if (max_clock_jump_ms < 0) return "max_clock_jump_ms must not be negative";
  if (lease_duration_ms() <= heartbeat_interval_ms)
    return "lease_timeout_ms - max_clock_jump_ms must exceed heartbeat_interval_ms";
  // A follower must not campaign while it still promises the old leader.
  if (election_timeout_ms < lease_timeout_ms)
    return "election_timeout_ms must be >= lease_timeout_ms";
  if (max_inflight_slots == 0) return "max_inflight_slots must be positive";
  if (max_entries_per_message == 0) return "max_entries_per_message must be positive";
  return nullptr;
}

}  // namespace opendfs::paxos
