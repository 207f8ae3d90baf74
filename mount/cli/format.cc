#include "mount/cli/format.h"

#include <sys/stat.h>

#include <ctime>

#include <fmt/format.h>

namespace opendfs::cli {

std::string HumanSize(uint64_t bytes) {
  static const char kUnits[] = {'K', 'M', 'G', 'T', 'P', 'E'};
  if (bytes < 1024) return std::to_string(bytes);
  double v = static_cast<double>(bytes);
  int u = -1;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  return fmt::format("{:.1f}{}", v, kUnits[u]);
}

std::string ModeString(uint32_t mode) {
  std::string s(10, '-');
  switch (mode & S_IFMT) {
    case S_IFDIR: s[0] = 'd'; break;
    case S_IFLNK: s[0] = 'l'; break;
    case S_IFIFO: s[0] = 'p'; break;
    case S_IFSOCK: s[0] = 's'; break;
    case S_IFCHR: s[0] = 'c'; break;
    case S_IFBLK: s[0] = 'b'; break;
    default: break;
  }
  const char* rwx = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i)
    if (mode & (1u << (8 - i))) s[static_cast<size_t>(i) + 1] = rwx[i];
  if (mode & S_ISUID) s[3] = (mode & S_IXUSR) ? 's' : 'S';
  if (mode & S_ISGID) s[6] = (mode & S_IXGRP) ? 's' : 'S';
  if (mode & S_ISVTX) s[9] = (mode & S_IXOTH) ? 't' : 'T';
  return s;
}

std::string TimeString(int64_t ns) {
  time_t t = static_cast<time_t>(ns / 1000000000);
  struct tm tm;
  localtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M", &tm);
  return buf;
}

Progress::Progress(FILE* out, bool enabled, std::string label, uint64_t total)
    : out_(out),
      enabled_(enabled),
      label_(std::move(label)),
      total_(total),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void Progress::Update(uint64_t done) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(200) && done < total_) return;
  last_ = now;
  double secs = std::chrono::duration<double>(now - start_).count();
  double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  int pct = total_ ? static_cast<int>(100.0 * static_cast<double>(done) /
                                      static_cast<double>(total_))
                   : 100;
  std::fprintf(out_, "\r%s  %3d%%  %s/%s  %s/s   ", label_.c_str(), pct,
               HumanSize(done).c_str(), HumanSize(total_).c_str(),
               HumanSize(static_cast<uint64_t>(rate)).c_str());
  std::fflush(out_);
}

void Progress::Finish() {
  if (!enabled_) return;
  Update(total_);
  std::fputc('\n', out_);
}

ScanProgress::ScanProgress(FILE* out, bool enabled, std::string label)
    : out_(out), enabled_(enabled), label_(std::move(label)), last_(std::chrono::steady_clock::now()) {}

void ScanProgress::Update(uint64_t entries, uint64_t bytes) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(200)) return;
  last_ = now;
  shown_ = true;
  std::fprintf(out_, "\r\033[K%s  %llu entries  %s", label_.c_str(),
               static_cast<unsigned long long>(entries), HumanSize(bytes).c_str());
  std::fflush(out_);
}

void ScanProgress::Clear() {
  if (!shown_) return;
  std::fputs("\r\033[K", out_);
  std::fflush(out_);
  shown_ = false;
}

}  // namespace opendfs::cli
