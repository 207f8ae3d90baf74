// In-process fakes of metad and blockd on loopback (real libnet Servers) for
// testing the client library's read and write paths and leader discovery
// without the real daemons. They implement just the client-facing methods the
// library uses, with the semantics of schema/meta.fbs and block.fbs, plus
// knobs to inject failures. Thread-safe (one mutex each).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "libnet/server.h"
#include "mount/client/types.h"

namespace opendfs::client::testing {

class FakeBlockd {
 public:
  FakeBlockd();
  ~FakeBlockd();
  std::string address() const;

  bool fail_writes = false;    // every WriteBlockData answers Io
  bool corrupt_reads = false;  // read replies carry a flipped byte
  int torn_reads = 0;          // the next this many read replies carry a flipped byte
  bool missing = false;        // every ReadBlockData answers NoSuchBlock

  // The stored bytes of a block ("" if absent) and its version (0 if absent).
  std::string Data(uint64_t block_id) const;
  uint64_t Version(uint64_t block_id) const;
  int sync_writes() const;
  int writes() const;

 private:
  struct Block {
    uint64_t version = 0;
    std::string data;
  };
  mutable std::mutex mu_;
  std::map<uint64_t, Block> blocks_;
  int sync_writes_ = 0;
  int writes_ = 0;
  std::unique_ptr<Server> server_;
};

class FakeMetad {
 public:
  FakeMetad(std::vector<std::string> blockds, uint32_t block_size);
  ~FakeMetad();
  std::string address() const;

  // When set, every call is answered NotLeader naming this address.
  void RedirectTo(std::string leader);
  // The next n WriteBlock calls answer `code` (NoBlockd as after a metad
  // restart, LockHeld as while another client writes the block).
  void RefuseWriteBlock(int n, StatusCode code = StatusCode::NoBlockd);
  // A file (inode) with no blocks.
  void AddFile(uint64_t ino, uint64_t size = 0);

  struct FileState {
    uint64_t size = 0;
    std::map<uint64_t, BlockLoc> blocks;  // by index
  };
  FileState File(uint64_t ino) const;
  std::vector<std::string> bad_reports() const;
  std::vector<CommitArgs> commits() const;
  int calls() const;

 private:
  void Register();

  const std::vector<std::string> blockds_;
  const uint32_t block_size_;
  mutable std::mutex mu_;
  std::string redirect_;
  std::map<uint64_t, FileState> files_;
  uint64_t next_block_id_ = 1000;
  std::vector<std::string> bad_reports_;
  std::vector<CommitArgs> commits_;
  int calls_ = 0;
  int refuse_write_block_ = 0;
  StatusCode refuse_code_ = StatusCode::NoBlockd;
  std::unique_ptr<Server> server_;
};

}  // namespace opendfs::client::testing
