// VerifyChunks checks a blockd read reply end to end: the trailer holds a
// chunk-aligned range of the block and one CRC per chunk of it (the last chunk
// may be short). A mismatch names the first bad chunk's block offset, so the
// caller can report the replica as Corrupt and fail over.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "libnet/crc32c.h"
#include "libnet/status.h"

namespace opendfs::client {

// `data` starts at block offset `data_offset`; crcs[i] covers
// data[i*chunk_size, min((i+1)*chunk_size, data.size())).
// Errors: Corrupt (a CRC differs, or the number of CRCs does not match the
// number of chunks), Invalid (chunk_size 0).
Status VerifyChunks(std::span<const uint8_t> data, uint64_t data_offset,
                    uint32_t chunk_size, std::span<const uint32_t> crcs);

}  // namespace opendfs::client
