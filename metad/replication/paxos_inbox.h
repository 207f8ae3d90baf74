// PaxosInbox: the Paxos messages received from peers and not yet stepped
// through the core, bounded in count and bytes.
//
// Happy path: the network threads Push() each decoded message (under the
// Replicator's mutex); the driver thread TakeAll()s them once per loop.
//
// Failure modes: a driver that falls behind (a slow disk, a flood from a
// peer) would otherwise grow the inbox without limit. Past either bound a
// message is dropped and counted: Paxos tolerates message loss (Accepts and
// heartbeats are resent, a lagging follower catches up), so dropping is safe
// where unbounded memory is not. TakeAll reports the drops since the last
// take, so the driver logs them once per batch rather than once per message.
// Not thread-safe: the caller holds its own lock.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "metad/paxos/message.h"

namespace opendfs::replication {

class PaxosInbox {
 public:
  PaxosInbox(size_t messages_max, size_t bytes_max)
      : messages_max_(messages_max), bytes_max_(bytes_max) {}

  // False (and the message dropped) when the inbox is full. `bytes` is the
  // message's size on the wire, the measure of its memory.
  bool Push(paxos::Message m, size_t bytes) {
    if (messages_.size() >= messages_max_ || bytes_ + bytes > bytes_max_) {
      ++dropped_;
      return false;
    }
    bytes_ += bytes;
    messages_.push_back(std::move(m));
    return true;
  }

  bool empty() const { return messages_.empty(); }
  size_t size() const { return messages_.size(); }
  size_t bytes() const { return bytes_; }

  // Moves every message into `out` (emptied first); returns how many were
  // dropped since the previous TakeAll.
  size_t TakeAll(std::vector<paxos::Message>& out) {
    out.clear();
    out.swap(messages_);
    bytes_ = 0;
    return std::exchange(dropped_, 0);
  }

 private:
  const size_t messages_max_;
  const size_t bytes_max_;
  std::vector<paxos::Message> messages_;
  size_t bytes_ = 0;
  size_t dropped_ = 0;
};

}  // namespace opendfs::replication
