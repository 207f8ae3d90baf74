// Helpers for the blockd service tests: temp dirs, pattern data, bit flips,
// free ports, an in-process BlockdNode, and a tiny block client that checks
// every read against the chunk CRCs the way a real client must.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "blockd/blockd_node.h"
#include "blockd/settings.h"
#include "libnet/client.h"
#include "libnet/log.h"
#include "../disk/disk_test_util.h"

namespace opendfs::blockd::testing {

// Temp dirs, pattern data, bit flips and file helpers are the disk tests'
// (one copy of each, in tests/blockd/disk/disk_test_util.h).
using disk::testing::FlipBit;
using disk::testing::PatternData;
using disk::testing::TempDir;
inline void WriteFile(const std::string& path, const std::string& text) {
  disk::testing::WriteWholeFile(path, text);
}
inline std::string ReadFile(const std::string& path) { return disk::testing::ReadWholeFile(path); }
inline bool Exists(const std::string& path) { return disk::testing::FileExists(path); }

// A TCP port on 127.0.0.1 that was free a moment ago (bind :0, read, close).
uint16_t FreePort();

// Settings for a node in `dir`: data dir dir/data, bind 127.0.0.1:0, no
// metads, scanner off, 2 disk threads.
BlockdSettings TestSettings(const std::string& dir);

// Calls on the blockd data path, with client-side CRC verification.
class BlockClient {
 public:
  BlockClient(Client& client, Endpoint ep) : client_(client), ep_(std::move(ep)) {}

  struct WriteArgs {
    bool create = true;
    bool sync = false;
    bool send_crc = true;
    bool corrupt_crc = false;  // send a wrong CRC
  };
  // Returns the block length after the write.
  Result<uint64_t> Write(uint64_t id, uint64_t version, uint64_t offset,
                         const std::string& data, WriteArgs args);
  Result<uint64_t> Write(uint64_t id, uint64_t version, uint64_t offset,
                         const std::string& data) {
    return Write(id, version, offset, data, WriteArgs{});
  }
  // Reads exactly [offset, offset+length); Corrupt if any chunk CRC does not
  // match the bytes received.
  Result<std::string> Read(uint64_t id, uint64_t version, uint64_t offset,
                           uint64_t length);
  struct Info {
    uint64_t version = 0;
    uint64_t length = 0;
    uint32_t crc32c = 0;
  };
  Result<Info> Stat(uint64_t id);
  Status Delete(uint64_t id, uint64_t version);
  Result<uint64_t> Copy(uint64_t id, uint64_t version, const std::string& target);

 private:
  Client& client_;
  Endpoint ep_;
};

}  // namespace opendfs::blockd::testing
