#include "metad/store/group_committer.h"

#include <vector>

namespace opendfs::store {

GroupCommitter::GroupCommitter(EditLog& log, GroupCommitterHooks hooks,
                               GroupCommitterOptions options, Logger& logger)
    : log_(log),
      hooks_(std::move(hooks)),
      options_(options),
      logger_(logger),
      next_index_(log.last_index() + 1) {
  ODFS_CHECK(options_.queue_records_max > 0);
  ODFS_CHECK(options_.batch_records_max > 0);
  writer_ = std::thread([this] { WriterLoop(); });
}

GroupCommitter::~GroupCommitter() { Shutdown(); }

Status GroupCommitter::Submit(std::string record, DoneFn done) {
  ODFS_CHECK(done != nullptr);
  if (record.size() > options_.record_bytes_max) {
    return Status(StatusCode::TooBig, "editlog record of " + std::to_string(record.size()) +
                                          " bytes exceeds " +
                                          std::to_string(options_.record_bytes_max));
  }
  std::unique_lock lock(mu_);
  for (;;) {
    if (stopping_) return Status(StatusCode::ShuttingDown, "group committer is shutting down");
    if (!failed_.ok()) return failed_;
    if (queue_.size() < options_.queue_records_max) break;
    if (options_.reject_when_full) {
      return Status(StatusCode::Busy, "editlog queue full (" +
                                          std::to_string(options_.queue_records_max) +
                                          " records)");
    }
    has_room_.wait(lock);
  }
  queue_.push_back(Pending{std::move(record), std::move(done)});
  lock.unlock();
  has_work_.notify_one();
  return Status::Ok();
}

std::future<Committed> GroupCommitter::SubmitFuture(std::string record) {
  auto promise = std::make_shared<std::promise<Committed>>();
  std::future<Committed> future = promise->get_future();
  Status s = Submit(std::move(record),
                    [promise](const Committed& c) { promise->set_value(c); });
  if (!s.ok()) promise->set_value(Committed{std::move(s), 0});
  return future;
}

void GroupCommitter::Shutdown() {
  std::call_once(shutdown_once_, [this] {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    has_work_.notify_all();
    has_room_.notify_all();
    writer_.join();
  });
}

GroupCommitterStats GroupCommitter::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void GroupCommitter::WriterLoop() {
  std::deque<Pending> batch;
  for (;;) {
    Status failed;
    {
      std::unique_lock lock(mu_);
      has_work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) {
        batch.swap(queue_);
        break;
      }
      size_t bytes = 0;
      while (!queue_.empty() && batch.size() < options_.batch_records_max &&
             (batch.empty() || bytes + queue_.front().record.size() <= options_.batch_bytes_max)) {
        bytes += queue_.front().record.size();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      failed = failed_;
    }
    has_room_.notify_all();
    if (failed.ok()) {
      CommitBatch(batch);
    } else {
      FailAll(batch, failed);
    }
    batch.clear();
  }
  FailAll(batch, Status(StatusCode::ShuttingDown, "group committer shut down before commit"));
}

void GroupCommitter::CommitBatch(std::deque<Pending>& batch) {
  std::vector<LogRecord> records;
  records.reserve(batch.size());
  for (Pending& p : batch) {
    records.push_back(LogRecord{next_index_ + records.size(), std::move(p.record)});
  }
  Status s = log_.Append(records);
  if (!s.ok()) {
    logger_.Error("group_committer: append failed first_index={} records={} status={}; "
                  "failing every later record until restart",
                  next_index_, records.size(), s.ToString());
    {
      std::lock_guard lock(mu_);
      failed_ = s;
    }
    has_room_.notify_all();
    FailAll(batch, s);
    return;
  }
  next_index_ += records.size();
  {
    std::lock_guard lock(mu_);
    stats_.batches += 1;
    stats_.records += records.size();
    if (records.size() > stats_.batch_records_max) stats_.batch_records_max = records.size();
  }
  for (size_t i = 0; i < records.size(); ++i) {
    Status applied = hooks_.apply ? hooks_.apply(records[i].index, records[i].bytes)
                                  : Status::Ok();
    batch[i].done(Committed{std::move(applied), records[i].index});
  }
  if (hooks_.after_batch) hooks_.after_batch(records.back().index);
}

void GroupCommitter::FailAll(std::deque<Pending>& items, const Status& s) {
  for (Pending& p : items) p.done(Committed{s, 0});
  items.clear();
}

}  // namespace opendfs::store
