// BlockMeta: the small file `blk_<id>.meta` kept beside each block's data file,
// and the chunk arithmetic shared by the store, the scanner and clients.
//
// On-disk format (little-endian, version 1):
//   u32 magic "ODBM"   u16 format_version   u16 reserved (0)
//   u64 block_id       u64 version          u64 length
//   u32 chunk_size     u32 chunk_count (== ceil(length / chunk_size))
//   u32 crc[chunk_count]   CRC32C of each chunk of the data, the last one
//                          covering only the bytes up to `length`
//   u32 meta_crc           CRC32C of every byte before it
// Decode rejects (Corrupt, naming the file) a wrong magic, an unknown format
// version, a chunk size other than kChunkSize, a count that disagrees with the
// length, a truncated or over-long file, and a meta_crc mismatch.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libnet/status.h"

namespace opendfs::disk {

constexpr uint64_t kChunkSize = 64 * 1024;
constexpr uint64_t kPageSize = 4096;
static_assert(kChunkSize % kPageSize == 0, "chunks are whole pages");
static_assert((kChunkSize & (kChunkSize - 1)) == 0, "chunk size is a power of 2");

constexpr uint32_t kMetaMagic = 0x4D42444F;  // "ODBM" read as little-endian
constexpr uint16_t kMetaFormatVersion = 1;
constexpr size_t kMetaHeaderBytes = 4 + 2 + 2 + 8 + 8 + 8 + 4 + 4;
static_assert(kMetaHeaderBytes == 40);

// Versions are 1..kMaxVersion; kAnyVersion matches every version in Read,
// ReadVerified and Delete.
constexpr uint64_t kAnyVersion = ~uint64_t{0};
constexpr uint64_t kMaxVersion = kAnyVersion - 1;

inline uint64_t ChunkCount(uint64_t length) {
  return (length + kChunkSize - 1) / kChunkSize;
}
inline uint64_t ChunkStart(uint64_t chunk) { return chunk * kChunkSize; }
// Bytes of chunk `chunk` in a block of `length` bytes.
inline uint64_t ChunkLength(uint64_t chunk, uint64_t length) {
  uint64_t start = ChunkStart(chunk);
  return length - start < kChunkSize ? length - start : kChunkSize;
}

struct BlockMeta {
  uint64_t block_id = 0;
  uint64_t version = 0;
  uint64_t length = 0;
  std::vector<uint32_t> chunk_crcs;  // ChunkCount(length) entries

  // CRC32C of the whole replica's bytes, combined from the chunk CRCs.
  uint32_t ReplicaCrc() const;
};

// Size in bytes of the encoded meta for a block of `length` bytes.
inline size_t MetaFileBytes(uint64_t length) {
  return kMetaHeaderBytes + 4 * ChunkCount(length) + 4;
}
// Largest meta file accepted (a 64 GiB block).
constexpr size_t kMaxMetaFileBytes = kMetaHeaderBytes + 4 * (1 << 20) + 4;

std::string EncodeBlockMeta(const BlockMeta& meta);
// `name` is used in error messages (the meta file's path).
Result<BlockMeta> DecodeBlockMeta(std::string_view bytes, const std::string& name);

}  // namespace opendfs::disk
