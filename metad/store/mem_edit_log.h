// MemEditLog: the EditLog in memory, with the same index rules as
// RocksEditLog, for tests of everything built on the log. Nothing survives the
// object. Fault injection: FailAppends makes every Append fail (nothing
// written) until cleared; SetAppendHook runs a function at the start of every
// Append, outside the lock, so a test can hold the writer at a known point.
#pragma once

#include <functional>
#include <map>
#include <mutex>

#include "metad/store/edit_log.h"

namespace opendfs::store {

class MemEditLog final : public EditLog {
 public:
  MemEditLog() = default;

  Status Append(std::span<const LogRecord> records) override;
  Result<std::vector<LogRecord>> Read(uint64_t from_index, size_t max_records,
                                      size_t max_bytes) override;
  uint64_t first_index() const override;
  uint64_t last_index() const override;
  Status TrimBefore(uint64_t index) override;
  Result<std::optional<std::string>> GetMeta(std::string_view name) override;
  Status PutMeta(std::string_view name, std::string_view value) override;

  // A machine crash: drops every record after `index` (a test models the
  // loss of records appended unsynced).
  void TruncateAfter(uint64_t index);

  // Every later Append returns `s` without writing; Status::Ok() clears it.
  void FailAppends(Status s);
  // Called at the start of each Append, on the appending thread.
  void SetAppendHook(std::function<void()> hook);
  // Number of successful Append calls (a test counts syncs with it).
  uint64_t append_calls() const;

 private:
  mutable std::mutex mu_;
  std::map<uint64_t, std::string> records_;         // GUARDED_BY(mu_)
  std::map<std::string, std::string, std::less<>> meta_;  // GUARDED_BY(mu_)
  uint64_t first_ = 1;                               // GUARDED_BY(mu_)
  uint64_t last_ = 0;                                // GUARDED_BY(mu_)
  uint64_t append_calls_ = 0;                        // GUARDED_BY(mu_)
  Status fail_appends_;                              // GUARDED_BY(mu_)
  std::function<void()> append_hook_;                // GUARDED_BY(mu_)
};

}  // namespace opendfs::store
