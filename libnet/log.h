// Logger: one line per event, "2026-11-24T03:30:00.123Z INFO  component: event key=value ...".
//
// A Logger is created by the daemon's main() from its config (error_log,
// log_level) and passed by reference to every part that logs; parts never
// reach for a global. Thread-safe: lines from many threads never interleave.
#pragma once

#include <cstdio>
#include <deque>
#include <mutex>
#include <vector>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "libnet/status.h"

namespace opendfs {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

// Parses the seed's level names: LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR
// (also "debug", "info", ...).
Result<LogLevel> ParseLogLevel(std::string_view text);

class Logger {
 public:
  // Logs to stderr.
  explicit Logger(LogLevel level = LogLevel::kInfo);
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  // Appends to `path` (created if missing); empty path = stderr.
  Status OpenFile(const std::string& path);
  // Re-opens the file (for logrotate; called on SIGHUP).
  Status Reopen();

  void set_level(LogLevel level) { level_ = level; }
  LogLevel level() const { return level_; }
  bool Enabled(LogLevel l) const { return l >= level_; }

  void Write(LogLevel level, std::string_view line);

  template <class... Args>
  void Debug(fmt::format_string<Args...> f, Args&&... args) {
    if (Enabled(LogLevel::kDebug))
      Write(LogLevel::kDebug, fmt::format(f, std::forward<Args>(args)...));
  }
  template <class... Args>
  void Info(fmt::format_string<Args...> f, Args&&... args) {
    if (Enabled(LogLevel::kInfo))
      Write(LogLevel::kInfo, fmt::format(f, std::forward<Args>(args)...));
  }
  template <class... Args>
  void Warn(fmt::format_string<Args...> f, Args&&... args) {
    if (Enabled(LogLevel::kWarn))
      Write(LogLevel::kWarn, fmt::format(f, std::forward<Args>(args)...));
  }
  template <class... Args>
  void Error(fmt::format_string<Args...> f, Args&&... args) {
    if (Enabled(LogLevel::kError))
      Write(LogLevel::kError, fmt::format(f, std::forward<Args>(args)...));
  }

  // A logger that drops everything below kError, for tests and benchmarks.
  static Logger& Quiet();

  // The last kRecentMax warning and error lines written (oldest first, with
  // their timestamps), for a status page's "recent errors".
  static constexpr size_t kRecentMax = 50;
  std::vector<std::string> Recent() const;

 private:
  LogLevel level_;
  mutable std::mutex mu_;
  std::string path_;      // GUARDED_BY(mu_)
  std::deque<std::string> recent_;  // GUARDED_BY(mu_); at most kRecentMax
  FILE* out_ = nullptr;   // GUARDED_BY(mu_); stderr when path_ is empty
};

}  // namespace opendfs
