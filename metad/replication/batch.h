// Batch: the value the replication driver proposes for one Paxos slot — the
// editlog records submitted while the previous round was in flight, tagged
// with the proposing node and a per-process sequence number so the proposer
// can tell its own value from one that displaced it in the same slot.
//
// Format (little-endian): u32 proposer, u64 seq, u32 count, then per record
// u32 length + bytes. DecodeBatch returns nullopt for anything malformed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace opendfs::replication {

struct Batch {
  uint32_t proposer = 0;
  uint64_t seq = 0;
  std::vector<std::string_view> records;  // views into the encoded bytes
};

std::string EncodeBatch(uint32_t proposer, uint64_t seq, const std::vector<std::string>& records);
std::optional<Batch> DecodeBatch(std::string_view bytes);

}  // namespace opendfs::replication
