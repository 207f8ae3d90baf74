// Value types shared by the blockd registry, the block map and placement.
// Plain data, no behaviour beyond trivial helpers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace opendfs::metad {

// Small id the registry gives a blockd uuid; stable while this metad lives.
// 0 is never assigned.
using BlockdId = uint32_t;
inline constexpr BlockdId kNoBlockd = 0;
// Ids fit the 23 bits the block map packs them into.
inline constexpr BlockdId kMaxBlockdId = (1u << 23) - 1;

using BlockId = uint64_t;

enum class BlockdState : uint8_t {
  kLive,
  kDead,             // silent for dn_timeout, or replaced by another uuid
  kDecommissioning,  // still serves reads; gets no new replicas
};
std::string_view BlockdStateName(BlockdState s);

// What a blockd tells us in registration and every heartbeat.
struct BlockdStats {
  uint64_t capacity_bytes = 0;
  uint64_t used_bytes = 0;
  uint32_t active_connections = 0;
  uint64_t block_count = 0;
  uint32_t bad_blocks = 0;
  uint32_t inflight_copies = 0;

  uint64_t free_bytes() const {
    return used_bytes >= capacity_bytes ? 0 : capacity_bytes - used_bytes;
  }
};

// One replica as a blockd reports it.
struct ReportedReplica {
  BlockId block_id = 0;
  uint64_t version = 0;
  uint64_t length = 0;
  bool operator==(const ReportedReplica&) const = default;
};

// A command for one blockd, carried by a heartbeat reply.
struct BlockdCommand {
  enum class Kind : uint8_t { kDelete, kCopy };
  Kind kind = Kind::kDelete;
  BlockId block_id = 0;
  uint64_t version = 0;
  uint64_t length = 0;
  std::vector<std::string> targets;  // "host:port", for kCopy
  bool operator==(const BlockdCommand&) const = default;
};

}  // namespace opendfs::metad
