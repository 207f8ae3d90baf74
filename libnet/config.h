// The seed's configuration format, used by every daemon and the client:
//
//   # comment
//   Server server;
//   server.bind_for_cli = "0.0.0.0:8000";
//   server.workers = 8;
//   server.recv_buff_len = 64KB;
//   server.log_level = LOG_INFO;
//   server.data_dir = "/data01/block,/data02/block";
//
// ConfigFile holds the parsed `key = value` lines (with their line numbers).
// A component declares its settings by binding each key to a field of its own
// settings struct through a ConfigReader, then calls Finish(): the first bad
// value, a missing required key, or any key nobody bound is an error naming the
// file, the line and what was expected.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libnet/log.h"
#include "libnet/status.h"

namespace opendfs {

class ConfigFile {
 public:
  struct Entry {
    std::string key;    // without the "server." prefix
    std::string value;  // unquoted
    bool quoted = false;
    int line = 0;       // 0 for values set by Set()
  };

  static Result<ConfigFile> Load(const std::string& path);
  static Result<ConfigFile> Parse(std::string_view text, std::string name);

  // Adds or replaces a value (command-line overrides such as -o blk_sz=1MB).
  void Set(std::string key, std::string value);

  const Entry* Find(std::string_view key) const;
  const std::vector<Entry>& entries() const { return entries_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::vector<Entry> entries_;
};

// Binds keys to typed fields. Each Bind call leaves the field at its default
// when the key is absent (unless required). Call Finish() last.
class ConfigReader {
 public:
  explicit ConfigReader(const ConfigFile& file) : file_(file) {}

  ConfigReader& String(std::string_view key, std::string* out,
                       bool required = false);
  ConfigReader& Int(std::string_view key, int64_t* out, int64_t min,
                    int64_t max, bool required = false);
  // Sizes: 4096, 64KB, 256MB, 1GB, 2TB (also K/M/G/T, KiB/MiB/...); powers of 1024.
  ConfigReader& Size(std::string_view key, uint64_t* out, uint64_t min,
                     uint64_t max, bool required = false);
  // ALLOW/DENY, yes/no, true/false, on/off, 1/0.
  ConfigReader& Bool(std::string_view key, bool* out, bool required = false);
  ConfigReader& Level(std::string_view key, LogLevel* out);
  // Comma-separated list; blanks around items are trimmed, empty items dropped.
  ConfigReader& List(std::string_view key, std::vector<std::string>* out,
                     bool required = false);
  // Accepts a key and ignores its value (seed keys with no meaning here).
  ConfigReader& Ignore(std::string_view key);

  // The first error seen, else an error for any key not bound, else Ok.
  Status Finish();

 private:
  const ConfigFile::Entry* Take(std::string_view key, bool required);
  void Fail(const ConfigFile::Entry& e, std::string_view expected);

  const ConfigFile& file_;
  std::vector<std::string> bound_;
  Status first_error_;
};

// Parses "64KB"-style sizes; exposed for command-line flags.
Result<uint64_t> ParseSize(std::string_view text);

}  // namespace opendfs
