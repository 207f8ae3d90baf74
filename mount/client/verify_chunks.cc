#include "mount/client/verify_chunks.h"

#include <algorithm>

#include <fmt/format.h>

namespace opendfs::client {

Status VerifyChunks(std::span<const uint8_t> data, uint64_t data_offset,
                    uint32_t chunk_size, std::span<const uint32_t> crcs) {
  if (chunk_size == 0) return Status(StatusCode::Invalid, "chunk_size 0");
  size_t chunks = (data.size() + chunk_size - 1) / chunk_size;
  if (chunks != crcs.size()) {
    return Status(StatusCode::Corrupt,
                  fmt::format("{} crcs for {} bytes in {}-byte chunks",
                              crcs.size(), data.size(), chunk_size));
  }
  for (size_t i = 0; i < chunks; ++i) {
    size_t off = i * size_t{chunk_size};
    size_t len = std::min<size_t>(chunk_size, data.size() - off);
    uint32_t got = Crc32c(data.data() + off, len);
    if (got != crcs[i]) {
      return Status(StatusCode::Corrupt,
                    fmt::format("crc mismatch at block offset {}: stored "
                                "{:08x}, computed {:08x}",
                                data_offset + off, crcs[i], got));
    }
  }
  return Status::Ok();
}

}  // namespace opendfs::client
