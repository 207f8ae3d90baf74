// GroupCommitter: many threads submit records; one writer thread makes them
// durable together ("one RocksDB sync per batch") and then applies and
// completes them in index order.
//
// Happy path (how the metad service uses it):
//   committer.Submit(record, [](const Committed& c) { reply(c.status); });
// The writer thread takes everything queued (up to batch_records_max /
// batch_bytes_max), gives the records consecutive indices last_index()+1...,
// writes them with one EditLog::Append (one synced WriteBatch), then for each
// record in index order calls apply(index, bytes) and right after it that
// record's done({apply's status, index}) — so a done callback sees the state
// just after its own record, before the next one is applied. After the whole
// batch, after_batch(last index) runs (the Checkpointer hooks in there).
//
// Failure modes:
//  - Queue full (queue_records_max records waiting): Submit blocks until there
//    is room (default), or returns Busy at once when reject_when_full is set.
//    With blocking, never Submit from apply/done/after_batch: the writer
//    thread would wait on itself.
//  - A record larger than record_bytes_max: Submit returns TooBig.
//  - Append fails (disk error): the batch's records complete with that Status
//    and index 0, and the committer is failed: every queued and later record
//    fails with the same Status. A failed sync leaves the log's durable state
//    unknown, so the only safe recovery is a restart (replay from disk).
//  - Shutdown(): new Submits return ShuttingDown; the batch being written
//    finishes normally; records still queued complete with ShuttingDown and
//    index 0. Blocked submitters wake up with ShuttingDown.
//
// Threads: Submit/SubmitFuture/Shutdown from any thread. apply, done and
// after_batch run on the writer thread only (shutdown failures may run on the
// thread calling Shutdown), one at a time; keep them short or the log stalls.
// The committer must be the only writer of the EditLog while it runs.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "libnet/log.h"
#include "metad/store/edit_log.h"

namespace opendfs::store {

// The outcome of one submitted record.
struct Committed {
  // OK, or apply's Status for a durable record, or why it never reached the
  // log (ShuttingDown, Io, ...).
  Status status;
  // The record's log index when it is durable; 0 when it never reached the log.
  uint64_t index = 0;
};

struct GroupCommitterOptions {
  size_t queue_records_max = 8192;     // records waiting for the writer
  size_t batch_records_max = 4096;     // records per Append
  size_t batch_bytes_max = 4 << 20;    // record bytes per Append (>= 1 record)
  size_t record_bytes_max = 1 << 20;   // larger records are refused (TooBig)
  bool reject_when_full = false;       // true: Busy instead of blocking
};

struct GroupCommitterHooks {
  // Applies a durable record; its Status becomes Committed::status. Optional.
  std::function<Status(uint64_t index, std::string_view record)> apply;
  // After every record of a batch is applied and completed. Optional.
  std::function<void(uint64_t last_index)> after_batch;
};

struct GroupCommitterStats {
  uint64_t batches = 0;       // successful Appends
  uint64_t records = 0;       // records in them
  uint64_t batch_records_max = 0;
};

class GroupCommitter {
 public:
  using DoneFn = std::function<void(const Committed&)>;

  // `log` must outlive the committer. Starts the writer thread; the first
  // record gets index log.last_index() + 1.
  GroupCommitter(EditLog& log, GroupCommitterHooks hooks, GroupCommitterOptions options,
                 Logger& logger);
  ~GroupCommitter();  // Shutdown()
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Queues `record`. OK: `done` will be called exactly once. Not OK (Busy,
  // TooBig, ShuttingDown, or the committer's failure): `done` is never called.
  Status Submit(std::string record, DoneFn done);
  // The same, as a future (refusals are delivered through the future too).
  std::future<Committed> SubmitFuture(std::string record);

  // Stops accepting, lets the batch in flight finish, fails the queued records
  // with ShuttingDown and joins the writer. Idempotent.
  void Shutdown();

  GroupCommitterStats stats() const;

 private:
  struct Pending {
    std::string record;
    DoneFn done;
  };

  void WriterLoop();
  void CommitBatch(std::deque<Pending>& batch);
  void FailAll(std::deque<Pending>& items, const Status& s);

  EditLog& log_;
  const GroupCommitterHooks hooks_;
  const GroupCommitterOptions options_;
  Logger& logger_;

  mutable std::mutex mu_;
  std::condition_variable has_work_;     // writer waits: queue non-empty or stopping
  std::condition_variable has_room_;     // submitters wait: queue below the limit
  std::deque<Pending> queue_;            // GUARDED_BY(mu_)
  bool stopping_ = false;                // GUARDED_BY(mu_)
  Status failed_;                        // GUARDED_BY(mu_); set once, never cleared
  GroupCommitterStats stats_;            // GUARDED_BY(mu_)
  uint64_t next_index_;                  // writer thread only
  std::once_flag shutdown_once_;
  std::thread writer_;
};

}  // namespace opendfs::store
