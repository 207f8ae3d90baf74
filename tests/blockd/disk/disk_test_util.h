// Helpers for the blockd/disk tests: a temp dir removed afterwards, pattern
// data, bit flips in files, CRCs computed independently of the store.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "blockd/disk/block_store.h"
#include "libnet/log.h"

namespace opendfs::disk::testing {

// mkdtemp under /tmp; removed recursively on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Deterministic pseudo-random bytes.
std::string PatternData(size_t size, uint64_t seed);

// XORs one bit of the byte at `offset` of the file.
void FlipBit(const std::string& path, uint64_t offset, int bit = 0);

std::string ReadWholeFile(const std::string& path);
void WriteWholeFile(const std::string& path, const std::string& bytes);
bool FileExists(const std::string& path);
uint64_t FileSizeOf(const std::string& path);

// CRC per 64 KiB chunk with the bitwise reference loop, not the store's code.
std::vector<uint32_t> ReferenceChunkCrcs(const std::string& data);

// Opens a store over `dirs`, asserting success.
std::unique_ptr<BlockStore> OpenStore(const std::vector<std::string>& dirs,
                                      StoreOptions options = {});

}  // namespace opendfs::disk::testing
