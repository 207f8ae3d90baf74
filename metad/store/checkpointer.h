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
#pragma once

#include <cstdint>
#include <functional>

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

  uint64_t covered_index() const { return covered_index_; }

 private:
  FsImageStore& images_;
  EditLog& log_;
  const uint64_t checkpoint_num_;
  uint64_t covered_index_;
  const DumpFn dump_;
  Logger& logger_;
};

}  // namespace opendfs::store
