// Splitting a byte range of a file into per-block parts.
//
// A read or write of [offset, offset+length) touches blocks offset/block_size
// .. (offset+length-1)/block_size; each part says which block, where inside
// it, and where in the caller's buffer. Pure arithmetic, no failure modes
// (block_size 0 is a programmer error and aborts).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace opendfs::client {

struct BlockPart {
  uint64_t index = 0;         // block number in the file
  uint64_t block_offset = 0;  // offset inside the block
  uint64_t length = 0;
  size_t buf_offset = 0;      // offset inside the caller's buffer

  friend bool operator==(const BlockPart&, const BlockPart&) = default;
};

std::vector<BlockPart> SplitRange(uint64_t offset, uint64_t length,
                                  uint64_t block_size);

}  // namespace opendfs::client
