// BlockService: the blockd's data path (schema/block.fbs, methods 300..399)
// on a libnet Server, plus the commands metads send on heartbeat replies.
//
// Happy path: Register(server) installs one handler per method. A handler
// runs on a loop thread, only copies the request into a task and queues it on
// the disk pool; the task does the disk work and answers through the
// thread-safe Responder:
//   WriteBlockData  in arrival order per block (a client pipelines a block's
//                   pieces; pool threads would otherwise apply them in any
//                   order and an append would land "past the end"): writes
//                   of a block wait behind the one running, which then runs
//                   them on its thread. Check the trailer's CRC32C (when has_crc), BlockStore
//                   Write (create / append / overwrite, version move, sync =
//                   durable before the ack), reply block_length, then report
//                   the replica as added (coalesced by ReplicaEvents).
//   ReadBlockData   BlockStore Read; reply data_offset, chunk CRCs and
//                   block_length; the data goes out by sendfile from the
//                   replica's fd, which the trailer's on_done closes (a
//                   range of one chunk or less is pread into memory on the
//                   disk thread instead: cheaper than a sendfile hand-off).
//                   Either way the blockd does not check the CRCs on reads;
//                   the client does.
//   DeleteBlock     BlockStore Delete (version 0 = any), report removed.
//   BlockInfo       BlockStore Stat.
//   CopyBlock       queued on the copy pool: BlockCopier pushes the replica.
//
// Failure modes: each request is answered exactly once with a precise code:
// Invalid (version 0 on a write, bad target), Corrupt (trailer CRC mismatch:
// nothing written; or a replica failing its CRCs: reported corrupt),
// StaleVersion, NoSuchBlock, OutOfRange, NoSpace (ENOSPC), Io, Busy (disk pool
// queue full), ShuttingDown (after BeginShutdown).
//
// Threads: handlers on loop threads, tasks on the pools; Delete/Copy commands
// from the metad link threads. Every reference passed in must outlive the
// service and its pools' queued tasks (Blockd stops the pools first).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "blockd/disk/block_store.h"
#include "blockd/service/block_copier.h"
#include "blockd/service/replica_events.h"
#include "blockd/service/work_pool.h"
#include "libnet/client.h"
#include "libnet/log.h"
#include "libnet/server.h"

namespace opendfs::blockd {

// What the service moved, for metrics (blockd/blockd_metrics.h): totals
// since start, updated with relaxed atomics on the pool threads.
struct BlockIoStats {
  std::atomic<uint64_t> bytes_written{0};  // WriteBlockData data accepted
  std::atomic<uint64_t> bytes_read{0};     // ReadBlockData data sent
  std::atomic<uint64_t> copies_ok{0};      // replicas pushed to another blockd
  std::atomic<uint64_t> copies_failed{0};
  std::atomic<uint64_t> bytes_copied{0};
};

class BlockService {
 public:
  // Largest read answered in one reply; a longer request gets a shorter range
  // (the reply says which range it covers). Below FrameLimits::max_data_len.
  static constexpr uint64_t kMaxReadBytes = 32u << 20;
  // Reads up to this size are pread into memory on the disk thread instead
  // of going through sendfile (see DoRead).
  static constexpr uint64_t kSmallReadBytes = 64u << 10;

  BlockService(disk::BlockStore& store, WorkPool& disk_pool, WorkPool& copy_pool,
               Client& client, ReplicaEvents& events, Logger& log);
  BlockCopier& copier() { return copier_; }

  // Before server.Start().
  void Register(Server& server);

  // From now on new requests get ShuttingDown; queued ones still complete.
  void BeginShutdown() { stopping_ = true; }

  // Commands from a metad heartbeat reply (any thread; run on the pools).
  void CommandDelete(uint64_t block_id, uint64_t max_version);
  void CommandCopy(uint64_t block_id, uint64_t version,
                   std::vector<std::string> targets);

  uint32_t inflight_copies() const { return inflight_copies_.load(); }
  const BlockIoStats& io_stats() const { return io_; }

 private:
  void OnWrite(Request&& req, Responder&& resp);
  void OnRead(Request&& req, Responder&& resp);
  void OnDelete(Request&& req, Responder&& resp);
  void OnInfo(Request&& req, Responder&& resp);
  void OnCopy(Request&& req, Responder&& resp);

  void DoWrite(const Request& req, Responder& resp);
  void DoRead(const Request& req, Responder& resp);
  void DoDelete(const Request& req, Responder& resp);
  void DoInfo(const Request& req, Responder& resp);
  void DoCopy(const Request& req, Responder& resp);

  // Queues fn(req, resp) on `pool`, answering Busy / ShuttingDown itself when
  // it cannot.
  using Work = void (BlockService::*)(const Request&, Responder&);
  void Queue(WorkPool& pool, Request&& req, Responder&& resp, Work work);
  // A request and its Responder travel in a shared box (std::function needs
  // a copyable callable).
  struct Box {
    Request req;
    Responder resp;
  };
  // Why a request could not be queued: ShuttingDown or Busy.
  Status Refusal() const;
  // Runs the writes queued for `block`, in order, until none is left.
  void RunWrites(uint64_t block);

  // copier_.Copy, counted in inflight_copies_ and io_.
  Result<uint64_t> CopyCounted(uint64_t block_id, uint64_t version, const std::string& target);

  // Reports a replica the store found corrupt while serving a request.
  void NoteFailure(uint64_t block_id, const Status& status);

  disk::BlockStore& store_;
  WorkPool& disk_pool_;
  WorkPool& copy_pool_;
  ReplicaEvents& events_;
  Logger& log_;
  BlockCopier copier_;
  std::mutex write_mu_;
  // Per block: writes waiting, the front one running.
  std::unordered_map<uint64_t, std::deque<std::shared_ptr<Box>>> writes_;  // GUARDED_BY(write_mu_)
  size_t queued_writes_ = 0;  // GUARDED_BY(write_mu_)
  std::atomic<bool> stopping_{false};
  std::atomic<uint32_t> inflight_copies_{0};
  BlockIoStats io_;
};

}  // namespace opendfs::blockd
