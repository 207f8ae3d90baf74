// ReplicaEvents: how the block service tells the metad link that a replica
// changed, so the change reaches every metad in an incremental block report.
//
// The service calls Added() after a finished write or a version move,
// Removed() after a delete and Corrupt() when a read or the scanner found a
// replica whose data does not match its CRCs. Implementations coalesce and
// send in the background; the calls never block on the network.
//
// Threads: called from disk pool threads and the scanner, concurrently.
#pragma once

#include <cstdint>

namespace opendfs::blockd {

struct ReplicaState {
  uint64_t block_id = 0;
  uint64_t version = 0;
  uint64_t length = 0;
};

class ReplicaEvents {
 public:
  virtual ~ReplicaEvents() = default;
  virtual void Added(const ReplicaState& r) = 0;
  virtual void Removed(const ReplicaState& r) = 0;
  virtual void Corrupt(const ReplicaState& r) = 0;
};

// Drops every event (a blockd without metads, tests of the service alone).
class NoReplicaEvents : public ReplicaEvents {
 public:
  void Added(const ReplicaState&) override {}
  void Removed(const ReplicaState&) override {}
  void Corrupt(const ReplicaState&) override {}
};

}  // namespace opendfs::blockd
