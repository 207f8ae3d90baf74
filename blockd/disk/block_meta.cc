#include "blockd/disk/block_meta.h"

#include <cstring>

#include "libnet/crc32c.h"
#include "libnet/check.h"

namespace opendfs::disk {
namespace {

template <class T>
void Put(std::string* out, T v) {
  for (size_t i = 0; i < sizeof(T); ++i)
    out->push_back(static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff));
}

template <class T>
T Get(std::string_view bytes, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < sizeof(T); ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  return static_cast<T>(v);
}

Status Bad(const std::string& name, const std::string& why) {
  return Status(StatusCode::Corrupt, "meta " + name + ": " + why);
}

}  // namespace

uint32_t BlockMeta::ReplicaCrc() const {
  // Every chunk but the last is full: one precomputed shift serves them all.
  static const uint32_t kFullChunkShift = Crc32cShiftFactor(kChunkSize);
  uint32_t crc = 0;
  for (size_t i = 0; i < chunk_crcs.size(); ++i) {
    uint64_t n = ChunkLength(i, length);
    crc = n == kChunkSize ? Crc32cCombineWithFactor(crc, chunk_crcs[i], kFullChunkShift)
                          : Crc32cCombine(crc, chunk_crcs[i], n);
  }
  return crc;
}

std::string EncodeBlockMeta(const BlockMeta& meta) {
  ODFS_CHECK(meta.chunk_crcs.size() == ChunkCount(meta.length));
  std::string out;
  out.reserve(MetaFileBytes(meta.length));
  Put<uint32_t>(&out, kMetaMagic);
  Put<uint16_t>(&out, kMetaFormatVersion);
  Put<uint16_t>(&out, 0);
  Put<uint64_t>(&out, meta.block_id);
  Put<uint64_t>(&out, meta.version);
  Put<uint64_t>(&out, meta.length);
  Put<uint32_t>(&out, static_cast<uint32_t>(kChunkSize));
  Put<uint32_t>(&out, static_cast<uint32_t>(meta.chunk_crcs.size()));
  for (uint32_t crc : meta.chunk_crcs) Put<uint32_t>(&out, crc);
  Put<uint32_t>(&out, Crc32c(out));
  ODFS_CHECK(out.size() == MetaFileBytes(meta.length));
  return out;
}

Result<BlockMeta> DecodeBlockMeta(std::string_view bytes, const std::string& name) {
  if (bytes.size() < kMetaHeaderBytes + 4)
    return Bad(name, "truncated (" + std::to_string(bytes.size()) + " bytes)");
  if (Get<uint32_t>(bytes, 0) != kMetaMagic) return Bad(name, "bad magic");
  uint32_t stored_crc = Get<uint32_t>(bytes, bytes.size() - 4);
  if (Crc32c(bytes.data(), bytes.size() - 4) != stored_crc)
    return Bad(name, "checksum mismatch");
  uint16_t format = Get<uint16_t>(bytes, 4);
  if (format != kMetaFormatVersion)
    return Bad(name, "unknown format version " + std::to_string(format));
  BlockMeta meta;
  meta.block_id = Get<uint64_t>(bytes, 8);
  meta.version = Get<uint64_t>(bytes, 16);
  meta.length = Get<uint64_t>(bytes, 24);
  uint32_t chunk_size = Get<uint32_t>(bytes, 32);
  uint32_t count = Get<uint32_t>(bytes, 36);
  if (chunk_size != kChunkSize)
    return Bad(name, "chunk size " + std::to_string(chunk_size));
  if (count != ChunkCount(meta.length))
    return Bad(name, "chunk count " + std::to_string(count) +
                         " disagrees with length " + std::to_string(meta.length));
  if (bytes.size() != MetaFileBytes(meta.length))
    return Bad(name, "size " + std::to_string(bytes.size()) + " for length " +
                         std::to_string(meta.length));
  meta.chunk_crcs.resize(count);
  for (uint32_t i = 0; i < count; ++i)
    meta.chunk_crcs[i] = Get<uint32_t>(bytes, kMetaHeaderBytes + 4 * i);
  return meta;
}

}  // namespace opendfs::disk
