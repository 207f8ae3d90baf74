// CommitTrace: where a commit's time goes inside one metad, stage by stage.
// On when the metad's environment has OPENDFS_COMMIT_TRACE=1
// (bench/commit_breakdown.sh sets it); off, every Record is one branch.
//
// Happy path: the Replicator calls Record(stage, ns) as a commit passes each
// step (the stages below); samples collect in a window, and a window ends
// after `idle_ms` without samples (a benchmark's pause between two runs) or
// when the metad stops: Flush logs one line per stage with n, p50, p99 and
// max in microseconds, and the next window starts empty.
//
// Failure modes: none that reach a client. Past kSamplesMax samples in one
// stage the window keeps counting but stops storing (the percentiles then
// describe the window's first kSamplesMax commits).
//
// Threads: Record and MaybeFlush from any thread (one mutex; only taken when
// tracing is on).
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "libnet/log.h"

namespace opendfs::replication {

enum class CommitStage : uint8_t {
  // Leader, per record: Submit() to the driver thread taking it into a batch.
  kQueued,
  // Leader, per batch: taken from the queue to its Accepts handed to libnet.
  kProposeToAcceptsOut,
  // Both: the synced Paxos store write of accepted entries (the fsync).
  kLeaderFsync,
  kFollowerFsync,
  // Both: a peer's Accept / Accepted from the server thread receiving it to
  // the driver thread stepping it into the core.
  kAcceptInbox,
  kAcceptedInbox,
  // Follower: an Accept received to its Accepted handed to libnet.
  kFollowerTurnaround,
  // Leader, per batch: Accepts out to the batch learnt chosen (the followers'
  // round trip, or the leader's own fsync when that ends later).
  kAcceptsOutToChosen,
  // Leader, per batch: the leader's own fsync done to the batch chosen.
  kFsyncToChosen,
  // Leader, per batch: apply + answer of every record in the batch.
  kApplyAndAnswer,
  // Leader, per record: Submit() to its answer handed to the client's loop.
  kLeaderTotal,
  // Both: the periodic editlog fsync (on the syncer thread).
  kEditLogSync,
  // Both: the after-batch hook on the driver thread (a checkpoint's capture
  // of the namespace when one is due).
  kAfterBatch,
  // Leader, per batch: records in it.
  kBatchRecords,
  kCount,
};

const char* StageName(CommitStage s);

class CommitTrace {
 public:
  static constexpr size_t kSamplesMax = 1 << 21;

  // `enabled` false: Record does nothing.
  CommitTrace(bool enabled, Logger& log, int64_t idle_ms = 1000);
  // From OPENDFS_COMMIT_TRACE (set and not "0").
  static bool EnabledByEnv();

  bool enabled() const { return enabled_; }
  // Nanoseconds on CLOCK_MONOTONIC (shared by every process on the machine).
  static int64_t NowNs();

  // `value`: nanoseconds for time stages, a count for kBatchRecords.
  void Record(CommitStage stage, int64_t value) {
    if (enabled_) Add(stage, value);
  }
  // Flushes the window when it has been idle for idle_ms; `force`: now.
  void MaybeFlush(bool force = false);

  // The summary line of one stage of the current window ("" when empty);
  // for tests.
  std::string Summary(CommitStage stage);

 private:
  struct Samples {
    std::vector<int64_t> values;
    uint64_t count = 0;
  };
  void Add(CommitStage stage, int64_t value);
  std::string SummaryLocked(CommitStage stage);

  const bool enabled_;
  Logger& log_;
  const int64_t idle_ns_;
  std::mutex mu_;
  std::array<Samples, static_cast<size_t>(CommitStage::kCount)> stages_;  // GUARDED_BY(mu_)
  int64_t last_sample_ns_ = 0;                                           // GUARDED_BY(mu_)
  bool dirty_ = false;                                                   // GUARDED_BY(mu_)
};

}  // namespace opendfs::replication
