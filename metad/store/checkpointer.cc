#include "metad/store/checkpointer.h"

#include <chrono>

namespace opendfs::store {

Checkpointer::Checkpointer(FsImageStore& images, EditLog& log, uint64_t checkpoint_num,
                           uint64_t covered_index, DumpFn dump, Logger& logger)
    : images_(images),
      log_(log),
      checkpoint_num_(checkpoint_num),
      covered_index_(covered_index),
      dump_(std::move(dump)),
      logger_(logger) {
  ODFS_CHECK(checkpoint_num_ > 0);
  ODFS_CHECK(dump_ != nullptr);
}

Status Checkpointer::MaybeCheckpoint(uint64_t applied_index) {
  if (applied_index < covered_index_ + checkpoint_num_) return Status::Ok();
  return Checkpoint(applied_index);
}

Status Checkpointer::Checkpoint(uint64_t applied_index) {
  auto start = std::chrono::steady_clock::now();
  // The image must never be ahead of the durable editlog (records appended
  // unsynced by the Paxos driver): a machine crash would leave a gap.
  ODFS_RETURN_IF_ERROR(log_.Sync());
  ODFS_ASSIGN_OR_RETURN(std::unique_ptr<ImageWriter> writer, images_.BeginImage(applied_index));
  Status s = dump_(*writer);
  if (!s.ok()) return s.Annotate("checkpoint at " + std::to_string(applied_index) + ": dump");
  s = writer->Commit();
  if (!s.ok()) return s.Annotate("checkpoint at " + std::to_string(applied_index) + ": commit");
  covered_index_ = applied_index;
  // Only now, with the image durable, may the records it covers go.
  s = log_.TrimBefore(applied_index + 1);
  if (!s.ok()) return s.Annotate("checkpoint at " + std::to_string(applied_index) + ": trim");
  auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
  logger_.Info("checkpoint: done covered_index={} elapsed_ms={}", applied_index, elapsed_ms);
  return Status::Ok();
}

}  // namespace opendfs::store
