// Checkpointer: every `checkpoint_num` applied records, dump the namespace
// into a new fsimage covering the applied index, commit it, and trim the
// editlog behind it (DESIGN §3).
//
// Happy path: GroupCommitter's after_batch calls MaybeCheckpoint(last); when
// `checkpoint_num` records were applied since the last image, Checkpoint runs
// dump(writer) — the namespace writes its whole state, which must be exactly
// the state after applying `applied_index` — then Commit (the atomic flip),
// then EditLog::TrimBefore(applied_index + 1).
//
// Crash safety comes from the order: the log is trimmed only after the image
// covering it is durable. A crash between the flip and the trim leaves log
// records the image already covers; Recover skips (and trims) them.
//
// Failure modes: a failed dump or commit leaves the previous image current and
// the log untouched, and is returned; the next MaybeCheckpoint tries again. A
// failed trim is returned too (the image is committed; recovery finishes it).
//
// Threads: not thread-safe; call from one thread at a time (the committer's
// writer thread, which also keeps the namespace still while it dumps: commits
// pause for the length of a dump).
//
// Background mode (StartBackground): MaybeCheckpoint only captures the state
// into memory (dump into a framed string: a walk of the namespace, no disk),
// and a worker thread then syncs the editlog, writes and commits the image
// and trims the log — the slow part, off the commit path (a dump into
// RocksDB of a few 10k inodes took 100-400 ms, a stall of every commit).
// A checkpoint falling due while the previous one is still being written is
// taken at the first MaybeCheckpoint after it ended. A worker failure is
// logged and the next MaybeCheckpoint tries again. Costs one in-memory copy
// of the image while it is written.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "libnet/log.h"
#include "metad/store/edit_log.h"
#include "metad/store/fs_image_store.h"

namespace opendfs::store {

class Checkpointer {
 public:
  using DumpFn = std::function<Status(ImageSink& sink)>;

  // `images`, `log` and `logger` must outlive the checkpointer. `covered_index`
  // is the current image's (RecoveryResult::image_covered_index).
  Checkpointer(FsImageStore& images, EditLog& log, uint64_t checkpoint_num,
               uint64_t covered_index, DumpFn dump, Logger& logger);

  // Checkpoints when applied_index >= last image's covered index +
  // checkpoint_num; otherwise OK at once.
  Status MaybeCheckpoint(uint64_t applied_index);

  // Unconditionally: dump, commit, trim. The namespace must hold exactly the
  // state after applying `applied_index`.
  Status Checkpoint(uint64_t applied_index);

  uint64_t covered_index() const { return covered_index_.load(); }

  // Background mode from now on (see the file comment); before the first
  // MaybeCheckpoint.
  void StartBackground();
  // Waits until no image is being written (background mode; at once
  // otherwise). Whoever else writes images or trims the log calls it first.
  void WaitIdle();
  ~Checkpointer();  // waits for the worker

 private:
  struct Job {
    uint64_t applied_index = 0;
    std::string image;  // framed pairs
    std::chrono::steady_clock::time_point start;
    int64_t capture_ms = 0;  // how long the caller's thread spent capturing
  };
  void Work();
  // Writes `image` (a dump of the state at `applied_index`), then trims.
  Status Store(uint64_t applied_index, const std::function<Status(ImageSink&)>& fill);
  void LogDone(uint64_t applied_index, std::chrono::steady_clock::time_point start,
               int64_t capture_ms = -1);

  FsImageStore& images_;
  EditLog& log_;
  const uint64_t checkpoint_num_;
  std::atomic<uint64_t> covered_index_;
  const DumpFn dump_;
  Logger& logger_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Job> job_;     // GUARDED_BY(mu_): captured, not yet stored
  bool busy_ = false;          // GUARDED_BY(mu_): a job is queued or being stored
  bool stopping_ = false;      // GUARDED_BY(mu_)
  std::thread worker_;
};

}  // namespace opendfs::store
