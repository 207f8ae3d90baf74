#include "metad/store/checkpointer.h"

#include <chrono>

#include "metad/store/image_stream.h"

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

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void Checkpointer::StartBackground() {
  ODFS_CHECK(!worker_.joinable());
  worker_ = std::thread([this] { Work(); });
}

void Checkpointer::WaitIdle() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !busy_; });
}

Status Checkpointer::MaybeCheckpoint(uint64_t applied_index) {
  if (applied_index < covered_index_.load() + checkpoint_num_) return Status::Ok();
  if (!worker_.joinable()) return Checkpoint(applied_index);
  {
    std::lock_guard lock(mu_);
    if (busy_) return Status::Ok();  // the next call after it ends
  }
  Job job{applied_index, {}, std::chrono::steady_clock::now()};
  FunctionImageSink sink([&](std::string_view k, std::string_view v) {
    AppendFramedPair(&job.image, k, v);
    return Status::Ok();
  });
  Status s = dump_(sink);
  if (!s.ok()) return s.Annotate("checkpoint at " + std::to_string(applied_index) + ": dump");
  job.capture_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - job.start)
                       .count();
  {
    std::lock_guard lock(mu_);
    busy_ = true;
    job_ = std::move(job);
  }
  cv_.notify_all();
  return Status::Ok();
}

void Checkpointer::Work() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || job_.has_value(); });
    if (!job_) return;  // stopping, nothing left to store
    Job job = std::move(*job_);
    job_.reset();
    lock.unlock();
    FramedImageSource framed(job.image);
    Status s = Store(job.applied_index,
                     [&](ImageSink& sink) { return CopyImage(framed, sink); });
    if (s.ok())
      LogDone(job.applied_index, job.start, job.capture_ms);
    else
      logger_.Error("checkpoint at {} failed: {} (the next one tries again)", job.applied_index,
                    s.ToString());
    lock.lock();
    busy_ = false;
    cv_.notify_all();
  }
}

void Checkpointer::LogDone(uint64_t applied_index, std::chrono::steady_clock::time_point start,
                           int64_t capture_ms) {
  auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
  if (capture_ms < 0)
    logger_.Info("checkpoint: done covered_index={} elapsed_ms={}", applied_index, elapsed_ms);
  else
    logger_.Info("checkpoint: done covered_index={} elapsed_ms={} captured_in_ms={} (the rest "
                 "in the background)",
                 applied_index, elapsed_ms, capture_ms);
}

Status Checkpointer::Checkpoint(uint64_t applied_index) {
  auto start = std::chrono::steady_clock::now();
  ODFS_RETURN_IF_ERROR(Store(applied_index, dump_));
  LogDone(applied_index, start);
  return Status::Ok();
}

Status Checkpointer::Store(uint64_t applied_index,
                           const std::function<Status(ImageSink&)>& fill) {
  // The image must never be ahead of the durable editlog (records appended
  // unsynced by the Paxos driver): a machine crash would leave a gap.
  ODFS_RETURN_IF_ERROR(log_.Sync());
  ODFS_ASSIGN_OR_RETURN(std::unique_ptr<ImageWriter> writer, images_.BeginImage(applied_index));
  Status s = fill(*writer);
  if (!s.ok()) return s.Annotate("checkpoint at " + std::to_string(applied_index) + ": dump");
  s = writer->Commit();
  if (!s.ok()) return s.Annotate("checkpoint at " + std::to_string(applied_index) + ": commit");
  covered_index_ = applied_index;
  // Only now, with the image durable, may the records it covers go.
  s = log_.TrimBefore(applied_index + 1);
  if (!s.ok()) return s.Annotate("checkpoint at " + std::to_string(applied_index) + ": trim");
  return Status::Ok();
}

}  // namespace opendfs::store
