// BlockCopier: pushes one local replica to another blockd (re-replication),
// for the CopyBlock method and for Copy commands from metad heartbeats.
//
// Happy path: Copy(block, version, "host:port") reads the replica in 1 MiB
// slices with ReadVerified (every byte checked against its CRC before it
// leaves), and sends each slice to the target as WriteBlockData with the
// slice's CRC: the first with create, the last with sync, so the target's
// reply to the last piece means the whole replica is durable there. Returns
// the replica length. All copies share one byte rate (set_rate), so that
// re-replication cannot starve client traffic.
//
// Failure modes: NoSuchBlock / StaleVersion when the local replica is missing
// or at another version; Corrupt when the local data fails its CRCs (the
// replica is marked corrupt by the store and reported through ReplicaEvents);
// Invalid for a bad target address; any status the target or the transport
// returns (ConnRefused, TimedOut, NoSpace, ...), annotated with the target.
//
// Threads: Copy() blocks on disk and network; call it from the copy pool,
// never from a loop thread. Concurrent calls are fine.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "blockd/disk/block_store.h"
#include "blockd/disk/token_bucket.h"
#include "blockd/service/replica_events.h"
#include "libnet/client.h"
#include "libnet/log.h"
#include "libnet/status.h"

namespace opendfs::blockd {

class BlockCopier {
 public:
  static constexpr uint64_t kSliceBytes = 1u << 20;

  // All references must outlive the copier.
  BlockCopier(disk::BlockStore& store, Client& client, ReplicaEvents& events,
              Logger& log)
      : store_(store), client_(client), events_(events), log_(log) {}

  // version 0 = whatever version the replica has.
  Result<uint64_t> Copy(uint64_t block_id, uint64_t version,
                        const std::string& target);

  std::chrono::milliseconds piece_timeout{30000};
  // Every copy from this blockd together sends at most this many bytes/s
  // (datanode.conf copy_rate); 0 = unlimited. Before the first Copy.
  void set_rate(uint64_t bytes_per_s);

 private:
  Status SendPiece(const Endpoint& target, uint64_t block_id, uint64_t version,
                   uint64_t offset, const std::string& data, bool first,
                   bool last);

  // Waits until `bytes` more may be sent under the rate.
  void Pace(uint64_t bytes);

  std::mutex rate_mu_;
  std::optional<disk::TokenBucket> bucket_;  // GUARDED_BY(rate_mu_); none = unlimited
  disk::BlockStore& store_;
  Client& client_;
  ReplicaEvents& events_;
  Logger& log_;
};

}  // namespace opendfs::blockd
