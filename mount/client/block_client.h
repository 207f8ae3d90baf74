// BlockClient: the data path to blockds (schema/block.fbs).
//
// Writes: WritePiece() sends one piece (a few MiB at most) of a block to
// every given replica at once with CallAsync, sharing one buffer (no copy per
// replica), and returns a PendingPiece; Wait() on it yields one Status per
// replica. The caller (FileWriter) drops the replicas that failed. The piece
// carries its CRC32C so blockd checks it on arrival.
//
// Reads: ReadBlock() asks the replicas in order (nearest first) for a range,
// verifies the chunk CRCs that blockd sends beside the data, and fails over
// to the next replica on a transport error, a blockd error or a CRC
// mismatch (read again twice first: a rewrite landing between blockd's CRCs
// and its bytes tears a read). A block another client is rewriting is also
// read at the version its write started from (BlockLoc::write_from_version).
// Replicas that are corrupt, or (no write open) missing the block, are
// reported through the BadReplicaReporter; one at another version is not
// (it has mostly moved on; metad knows replicas' versions from blockds). When every replica
// failed the error of the last one is returned (StaleVersion/NoSuchBlock tell
// the caller its locations are outdated).
//
// Threads: any thread except the rpc Client's loop thread may call WritePiece,
// Wait and ReadBlock concurrently. Client and Logger outlive the BlockClient.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "libnet/bytes.h"
#include "libnet/client.h"
#include "libnet/log.h"
#include "libnet/status.h"
#include "mount/client/types.h"

namespace opendfs::client {

struct BlockClientOptions {
  std::chrono::milliseconds write_timeout{60000};  // one piece, one replica
  std::chrono::milliseconds read_timeout{60000};
};

// The outcome of one piece written to several replicas.
class PendingPiece {
 public:
  explicit PendingPiece(std::vector<std::string> replicas);
  // Blocks until every replica answered (or failed / timed out).
  void Wait();
  const std::vector<std::string>& replicas() const { return replicas_; }
  // After Wait(): one Status per replicas()[i].
  const std::vector<Status>& results() const { return results_; }
  uint64_t offset = 0;  // block offset and length of the piece
  uint64_t length = 0;

 private:
  friend class BlockClient;
  void Done(size_t i, Status s);

  const std::vector<std::string> replicas_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t remaining_;              // GUARDED_BY(mu_)
  std::vector<Status> results_;   // GUARDED_BY(mu_) until remaining_ == 0
};

// Called for a replica found corrupt, stale or missing the block.
using BadReplicaReporter = std::function<void(
    const BlockLoc& block, const std::string& replica, const Status& why)>;

class BlockClient {
 public:
  BlockClient(Client& rpc, Logger& log, BlockClientOptions options = {});

  // Writes data[data_offset, data_offset+length) at block offset `offset` of
  // (block_id, version) on every replica. `create` for the first piece of a
  // new block; `sync` makes each replica fdatasync before acknowledging. A
  // zero-length piece with sync only syncs.
  std::shared_ptr<PendingPiece> WritePiece(uint64_t block_id, uint64_t version,
                                           const std::vector<std::string>& replicas,
                                           uint64_t offset,
                                           std::shared_ptr<const Bytes> data,
                                           size_t data_offset, size_t length,
                                           bool create, bool sync);

  // Reads [offset, offset+length) of `block` into out (which has length
  // bytes). All of it must exist on the replica (callers ask only within the
  // committed length). Returns the replica that served it.
  Result<std::string> ReadBlock(const BlockLoc& block, uint64_t offset,
                                uint64_t length, uint8_t* out,
                                const BadReplicaReporter& report);

 private:
  // CRC mismatches read again before a replica is called corrupt.
  static constexpr int kTornReadRetries = 2;
  // One attempt on one replica at `version`.
  Status ReadFrom(const std::string& replica, const BlockLoc& block, uint64_t version,
                  uint64_t offset, uint64_t length, uint8_t* out);
  // ReadFrom, again on a CRC mismatch (a torn read), kTornReadRetries times.
  Status ReadFromReplica(const std::string& replica, const BlockLoc& block,
                         uint64_t version, uint64_t offset, uint64_t length, uint8_t* out);

  Client& rpc_;
  Logger& log_;
  const BlockClientOptions options_;
};

}  // namespace opendfs::client
