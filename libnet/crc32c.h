// CRC32C (Castagnoli, the iSCSI polynomial) for block data: one CRC per
// 64 KiB chunk, kept beside the block and sent with every read so the client
// verifies end to end.
//
// Crc32c() is the standard CRC32C (initial value and final XOR 0xFFFFFFFF;
// Crc32c("123456789") == 0xE3069283) computed with ISA-L's crc32_iscsi, which
// picks the SSE4.2/PCLMUL/AVX-512 kernel at run time. Crc32cExtend(crc, more)
// continues a CRC over more bytes, so Crc32cExtend(Crc32c(a), b) == Crc32c(ab).
// Crc32cCombine(crc_a, crc_b, len_b) gives Crc32c(ab) from the two CRCs alone
// (used for the whole-replica CRC, which is built from the chunk CRCs without
// re-reading the data). Crc32cByteLoop is the textbook bitwise loop, kept only
// as a test oracle and benchmark baseline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace opendfs {

uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t length);

inline uint32_t Crc32c(const void* data, size_t length) {
  return Crc32cExtend(0, data, length);
}
inline uint32_t Crc32c(std::string_view data) {
  return Crc32c(data.data(), data.size());
}

// CRC32C of the concatenation A||B given crc_a = Crc32c(A), crc_b = Crc32c(B)
// and length_b = |B|. O(log length_b).
uint32_t Crc32cCombine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b);

// The same in two steps, for combining many pieces of one length (the chunks
// of a block): factor = Crc32cShiftFactor(length_b) once, then
// Crc32cCombineWithFactor(crc_a, crc_b, factor) per piece, one multiplication.
uint32_t Crc32cShiftFactor(uint64_t length_b);
uint32_t Crc32cCombineWithFactor(uint32_t crc_a, uint32_t crc_b, uint32_t factor);

// Reference implementation: one bit at a time. Slow on purpose.
uint32_t Crc32cByteLoop(const void* data, size_t length);

}  // namespace opendfs
