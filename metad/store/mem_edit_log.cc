#include "metad/store/mem_edit_log.h"

namespace opendfs::store {

void MemEditLog::TruncateAfter(uint64_t index) {
  std::lock_guard lock(mu_);
  records_.erase(records_.upper_bound(index), records_.end());
  if (last_ > index) last_ = std::max(index, first_ - 1);
}

Status MemEditLog::Append(std::span<const LogRecord> records) {
  std::function<void()> hook;
  {
    std::lock_guard lock(mu_);
    hook = append_hook_;
  }
  if (hook) hook();
  if (records.empty()) return Status(StatusCode::Invalid, "editlog append: no records");
  std::lock_guard lock(mu_);
  if (!fail_appends_.ok()) return fail_appends_;
  for (size_t i = 0; i < records.size(); ++i) {
    if (records[i].index != last_ + 1 + i) {
      return Status(StatusCode::Invalid,
                    "mem editlog: append of index " + std::to_string(records[i].index) +
                        " where " + std::to_string(last_ + 1 + i) + " is next");
    }
  }
  for (const LogRecord& r : records) records_.emplace(r.index, r.bytes);
  last_ += records.size();
  ++append_calls_;
  return Status::Ok();
}

Result<std::vector<LogRecord>> MemEditLog::Read(uint64_t from_index, size_t max_records,
                                                size_t max_bytes) {
  if (from_index == 0) return Status(StatusCode::Invalid, "editlog read: index 0");
  std::lock_guard lock(mu_);
  if (from_index < first_) {
    return Status(StatusCode::NotFound, "mem editlog: index " + std::to_string(from_index) +
                                            " trimmed (first is " + std::to_string(first_) + ")");
  }
  std::vector<LogRecord> out;
  size_t bytes = 0;
  for (auto it = records_.find(from_index);
       it != records_.end() && out.size() < max_records && (out.empty() || bytes < max_bytes); ++it) {
    out.push_back(LogRecord{it->first, it->second});
    bytes += it->second.size();
  }
  return out;
}

uint64_t MemEditLog::first_index() const {
  std::lock_guard lock(mu_);
  return first_;
}

uint64_t MemEditLog::last_index() const {
  std::lock_guard lock(mu_);
  return last_;
}

Status MemEditLog::TrimBefore(uint64_t index) {
  if (index == 0) return Status(StatusCode::Invalid, "editlog trim: index 0");
  std::lock_guard lock(mu_);
  if (index <= first_) return Status::Ok();
  records_.erase(records_.begin(), records_.lower_bound(index));
  first_ = index;
  if (last_ < index - 1) last_ = index - 1;
  return Status::Ok();
}

Result<std::optional<std::string>> MemEditLog::GetMeta(std::string_view name) {
  if (name.size() > kMetaNameBytesMax) return Status(StatusCode::Invalid, "meta name too long");
  std::lock_guard lock(mu_);
  auto it = meta_.find(name);
  if (it == meta_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status MemEditLog::PutMeta(std::string_view name, std::string_view value) {
  if (name.size() > kMetaNameBytesMax) return Status(StatusCode::Invalid, "meta name too long");
  if (value.size() > kMetaValueBytesMax) {
    return Status(StatusCode::Invalid, "meta value too long");
  }
  std::lock_guard lock(mu_);
  meta_.insert_or_assign(std::string(name), std::string(value));
  return Status::Ok();
}

void MemEditLog::FailAppends(Status s) {
  std::lock_guard lock(mu_);
  fail_appends_ = std::move(s);
}

void MemEditLog::SetAppendHook(std::function<void()> hook) {
  std::lock_guard lock(mu_);
  append_hook_ = std::move(hook);
}

uint64_t MemEditLog::append_calls() const {
  std::lock_guard lock(mu_);
  return append_calls_;
}

}  // namespace opendfs::store
