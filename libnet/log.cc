#include "libnet/log.h"

#include <sys/time.h>

#include <cerrno>
#include <ctime>

namespace opendfs {

Result<LogLevel> ParseLogLevel(std::string_view text) {
  std::string t;
  for (char c : text) t += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  if (t.rfind("LOG_", 0) == 0) t = t.substr(4);
  if (t == "DEBUG") return LogLevel::kDebug;
  if (t == "INFO" || t == "NOTICE") return LogLevel::kInfo;
  if (t == "WARN" || t == "WARNING") return LogLevel::kWarn;
  if (t == "ERROR" || t == "ERR" || t == "CRIT" || t == "ALERT" ||
      t == "EMERG")
    return LogLevel::kError;
  if (t == "OFF" || t == "NONE") return LogLevel::kOff;
  return Status(StatusCode::Invalid,
                fmt::format("unknown log level '{}' (expected LOG_DEBUG, "
                            "LOG_INFO, LOG_WARN or LOG_ERROR)",
                            text));
}

Logger::Logger(LogLevel level) : level_(level), out_(stderr) {}

Logger::~Logger() {
  if (out_ && out_ != stderr) std::fclose(out_);
}

Status Logger::OpenFile(const std::string& path) {
  std::lock_guard lock(mu_);
  if (out_ && out_ != stderr) std::fclose(out_);
  out_ = stderr;
  path_ = path;
  if (path.empty()) return Status::Ok();
  FILE* f = std::fopen(path.c_str(), "a");
  if (!f) return ErrnoStatus(errno, "open log file " + path);
  std::setvbuf(f, nullptr, _IOLBF, 0);
  out_ = f;
  return Status::Ok();
}

Status Logger::Reopen() {
  std::string path;
  {
    std::lock_guard lock(mu_);
    path = path_;
  }
  return OpenFile(path);
}

void Logger::Write(LogLevel level, std::string_view line) {
  static constexpr const char* kNames[] = {"DEBUG", "INFO ", "WARN ", "ERROR",
                                           "OFF  "};
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  struct tm tm;
  gmtime_r(&tv.tv_sec, &tm);
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = fmt::format("{}.{:03d}Z {} {}\n", ts,
                                static_cast<int>(tv.tv_usec / 1000),
                                kNames[static_cast<int>(level)], line);
  std::lock_guard lock(mu_);
  std::fwrite(out.data(), 1, out.size(), out_);
  std::fflush(out_);
  if (level >= LogLevel::kWarn) {
    if (recent_.size() == kRecentMax) recent_.pop_front();
    out.pop_back();  // the newline
    recent_.push_back(std::move(out));
  }
}

std::vector<std::string> Logger::Recent() const {
  std::lock_guard lock(mu_);
  return {recent_.begin(), recent_.end()};
}

Logger& Logger::Quiet() {
  static Logger quiet(LogLevel::kError);
  return quiet;
}

}  // namespace opendfs
