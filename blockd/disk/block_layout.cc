#include "blockd/disk/block_layout.h"

#include <charconv>

#include <fmt/format.h>

namespace opendfs::disk {
namespace {

// splitmix64's finaliser: every input bit affects every output bit.
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

constexpr std::string_view kPrefix = "blk_";
constexpr std::string_view kMetaSuffix = ".meta";
constexpr std::string_view kTempSuffix = ".tmp";

}  // namespace

std::string BlockLeafDir(const std::string& data_dir, uint64_t block_id) {
  uint64_t h = Mix(block_id);
  return fmt::format("{}/{:02x}/{:02x}", data_dir, h & 0xff, (h >> 8) & 0xff);
}

std::string BlockDataPath(const std::string& data_dir, uint64_t block_id) {
  return fmt::format("{}/blk_{}", BlockLeafDir(data_dir, block_id), block_id);
}

std::string BlockMetaPath(const std::string& data_dir, uint64_t block_id) {
  return BlockDataPath(data_dir, block_id) + std::string(kMetaSuffix);
}

std::string BlockMetaTempPath(const std::string& data_dir, uint64_t block_id) {
  return BlockMetaPath(data_dir, block_id) + std::string(kTempSuffix);
}

bool IsTempFileName(std::string_view name) {
  return name.size() > kTempSuffix.size() && name.ends_with(kTempSuffix);
}

std::optional<ParsedBlockFile> ParseBlockFileName(std::string_view name) {
  if (!name.starts_with(kPrefix)) return std::nullopt;
  BlockFileKind kind = BlockFileKind::kData;
  std::string_view rest = name.substr(kPrefix.size());
  if (IsTempFileName(rest)) {
    kind = BlockFileKind::kTemp;
    rest.remove_suffix(kTempSuffix.size());
    if (rest.ends_with(kMetaSuffix)) rest.remove_suffix(kMetaSuffix.size());
  } else if (rest.ends_with(kMetaSuffix)) {
    kind = BlockFileKind::kMeta;
    rest.remove_suffix(kMetaSuffix.size());
  }
  uint64_t id = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), id);
  if (ec != std::errc() || end != rest.data() + rest.size() || rest.empty())
    return std::nullopt;
  // Canonical decimal only ("blk_007" is not ours).
  if (rest.size() > 1 && rest[0] == '0') return std::nullopt;
  return ParsedBlockFile{id, kind};
}

bool IsLayoutDirName(std::string_view name) {
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  return name.size() == 2 && hex(name[0]) && hex(name[1]);
}

}  // namespace opendfs::disk
