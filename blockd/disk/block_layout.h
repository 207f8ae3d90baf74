// Where a block's files live inside one data dir:
//
//   <data_dir>/<aa>/<bb>/blk_<id>          the data
//   <data_dir>/<aa>/<bb>/blk_<id>.meta     version, length, chunk CRCs
//   <data_dir>/<aa>/<bb>/blk_<id>.meta.tmp a meta being written (temporary)
//
// aa and bb are two hex bytes of a 64-bit mix of the id, so blocks spread
// evenly over 65,536 leaf folders whatever the id pattern (sequential ids from
// metad included): a million blocks is ~16 files per folder. The leaf folder is
// created on a block's first write, never up front.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace opendfs::disk {

enum class BlockFileKind { kData, kMeta, kTemp };

struct ParsedBlockFile {
  uint64_t block_id;
  BlockFileKind kind;
};

// "<data_dir>/aa/bb"
std::string BlockLeafDir(const std::string& data_dir, uint64_t block_id);
std::string BlockDataPath(const std::string& data_dir, uint64_t block_id);
std::string BlockMetaPath(const std::string& data_dir, uint64_t block_id);
std::string BlockMetaTempPath(const std::string& data_dir, uint64_t block_id);

// Recognises the file names above (a name ending in ".tmp" is a temporary,
// whatever precedes it); nullopt for anything else.
std::optional<ParsedBlockFile> ParseBlockFileName(std::string_view name);
bool IsTempFileName(std::string_view name);
// True for the two-hex-digit folder names used at both levels.
bool IsLayoutDirName(std::string_view name);

}  // namespace opendfs::disk
