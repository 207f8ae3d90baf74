// Text formatting for the CLI: sizes, modes, times, progress (JSON: json_out.h).
// Pure functions (Progress writes to the FILE it is given).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace opendfs::cli {

// 1536 -> "1.5K", 0 -> "0", 3 GiB -> "3.0G" (powers of 1024).
std::string HumanSize(uint64_t bytes);
// st_mode -> "drwxr-xr-x" (with s/S/t/T for setuid, setgid, sticky).
std::string ModeString(uint32_t mode);
// Nanoseconds since the epoch -> "2026-11-24 04:10" in local time.
std::string TimeString(int64_t ns);

// A one-line progress meter on a terminal: "put big.iso  45%  1.2G/2.6G  85.3M/s".
// Prints nothing unless enabled (stderr is a tty and the total is large).
class Progress {
 public:
  Progress(FILE* out, bool enabled, std::string label, uint64_t total);
  void Update(uint64_t done);
  void Finish();

 private:
  FILE* out_;
  bool enabled_;
  std::string label_;
  uint64_t total_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
};

// A one-line meter for tree walks of unknown size (du, fsck), on a terminal:
// "du /data  12345 entries  3.4G". At most five updates a second; Clear()
// erases the line before the results are printed.
class ScanProgress {
 public:
  ScanProgress(FILE* out, bool enabled, std::string label);
  void Update(uint64_t entries, uint64_t bytes);
  void Clear();

 private:
  FILE* out_;
  bool enabled_;
  bool shown_ = false;
  std::string label_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace opendfs::cli
