// FileReader: the read path of files (DESIGN §5), stateless apart from the
// shared LocationCache.
//
// Happy path: Read() clamps the range to the file size, splits it into block
// parts, finds each block in the cache (on a miss: GetBlocks for the next
// kBlocksPerFetch blocks) and reads each part from the block's replicas
// (BlockClient: nearest first, CRC-verified, failover). Holes — a block that
// does not exist, or bytes past a block's committed length but inside the
// file — read as zeros.
//
// Failure modes: when every replica of a block fails with StaleVersion or
// NoSuchBlock the cached location is outdated (the block was rewritten):
// it is dropped, refetched once (a few times while another client's write
// of the block is open: BlockLoc::in_flux) and the part read again; other
// errors are returned (EIO for the mount). Bad replicas are reported to
// metad.
//
// Threads: thread-safe; calls block on the network.
#pragma once

#include <cstddef>
#include <cstdint>

#include "libnet/log.h"
#include "libnet/status.h"
#include "mount/client/block_client.h"
#include "mount/client/location_cache.h"
#include "mount/client/meta_client.h"
#include "mount/client/types.h"

namespace opendfs::client {

class FileReader {
 public:
  FileReader(MetaClient& meta, BlockClient& blocks, LocationCache& cache,
             Logger& log)
      : meta_(meta), blocks_(blocks), cache_(cache), log_(log) {}

  // Reads up to `size` bytes at `offset` of inode `ino` (whose block size is
  // `block_size`) into out; returns the byte count, short only at end of
  // file. `known_size`: the size this process knows of beyond metad's (a
  // writer's uncommitted growth): bytes below it that no committed block
  // holds are holes and read as zeros, never as the end of the file.
  Result<size_t> Read(const Cred& c, uint64_t ino, uint64_t block_size,
                      uint64_t offset, size_t size, uint8_t* out,
                      uint64_t known_size = 0);

 private:
  // The cached (or freshly fetched) location of block `index`.
  Result<LocationCache::Lookup> Locate(const Cred& c, uint64_t ino,
                                       uint64_t index);
  Status ReadPart(const Cred& c, uint64_t ino, uint64_t index,
                  uint64_t block_offset, uint64_t length, uint8_t* out);

  MetaClient& meta_;
  BlockClient& blocks_;
  LocationCache& cache_;
  Logger& log_;
};

}  // namespace opendfs::client
