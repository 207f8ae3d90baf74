#include "mount/client/block_range.h"

#include <algorithm>

#include "libnet/check.h"

namespace opendfs::client {

std::vector<BlockPart> SplitRange(uint64_t offset, uint64_t length,
                                  uint64_t block_size) {
  ODFS_CHECK(block_size > 0);
  std::vector<BlockPart> parts;
  size_t done = 0;
  while (done < length) {
    uint64_t pos = offset + done;
    uint64_t in_block = pos % block_size;
    uint64_t n = std::min<uint64_t>(block_size - in_block, length - done);
    parts.push_back({pos / block_size, in_block, n, done});
    done += n;
  }
  return parts;
}

}  // namespace opendfs::client
