#include "libnet/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

namespace opendfs {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

Status LineError(const std::string& name, int line, std::string_view what) {
  return Status(StatusCode::Invalid, fmt::format("{}:{}: {}", name, line, what));
}

// Strips a '#' comment that is not inside quotes.
std::string_view StripComment(std::string_view line) {
  bool in_quotes = false;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '"') in_quotes = !in_quotes;
    if (line[i] == '#' && !in_quotes) return line.substr(0, i);
  }
  return line;
}

}  // namespace

Result<uint64_t> ParseSize(std::string_view text) {
  std::string_view t = Trim(text);
  uint64_t number = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), number);
  if (ec != std::errc() || ptr == t.data())
    return Status(StatusCode::Invalid,
                  fmt::format("'{}' is not a size (expected e.g. 4096, 64KB, 256MB)", text));
  std::string unit = Upper(Trim(std::string_view(ptr, t.data() + t.size() - ptr)));
  uint64_t mult = 1;
  if (unit.empty() || unit == "B") mult = 1;
  else if (unit == "K" || unit == "KB" || unit == "KIB") mult = 1ull << 10;
  else if (unit == "M" || unit == "MB" || unit == "MIB") mult = 1ull << 20;
  else if (unit == "G" || unit == "GB" || unit == "GIB") mult = 1ull << 30;
  else if (unit == "T" || unit == "TB" || unit == "TIB") mult = 1ull << 40;
  else
    return Status(StatusCode::Invalid,
                  fmt::format("'{}' has an unknown size unit (expected B, KB, MB, GB or TB)", text));
  if (number > UINT64_MAX / mult)
    return Status(StatusCode::Invalid, fmt::format("size '{}' is too large", text));
  return number * mult;
}

Result<ConfigFile> ConfigFile::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return ErrnoStatus(errno, "read config " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return Parse(ss.str(), path);
}

Result<ConfigFile> ConfigFile::Parse(std::string_view text, std::string name) {
  ConfigFile cf;
  cf.name_ = std::move(name);
  std::string object;  // the name declared by "Server server;"
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = Trim(StripComment(text.substr(pos, end - pos)));
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    if (line.back() != ';')
      return LineError(cf.name_, line_no, fmt::format("expected ';' at the end of '{}'", line));
    line = Trim(line.substr(0, line.size() - 1));

    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      // Declaration: "Server server".
      std::string_view type = Trim(line.substr(0, line.find_first_of(" \t")));
      std::string_view var = Trim(line.substr(type.size()));
      if (type != "Server" || var.empty() || var.find_first_of(" \t.") != std::string_view::npos)
        return LineError(cf.name_, line_no,
                         fmt::format("expected 'Server <name>;' or '<name>.key = value;', got '{}'", line));
      object = std::string(var);
      continue;
    }

    std::string_view lhs = Trim(line.substr(0, eq));
    std::string_view rhs = Trim(line.substr(eq + 1));
    if (object.empty())
      return LineError(cf.name_, line_no, "expected 'Server server;' before the first setting");
    if (lhs.size() <= object.size() + 1 || lhs.substr(0, object.size()) != object ||
        lhs[object.size()] != '.')
      return LineError(cf.name_, line_no,
                       fmt::format("expected '{}.<key>' on the left of '=', got '{}'", object, lhs));
    std::string key(lhs.substr(object.size() + 1));
    if (!std::all_of(key.begin(), key.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
        }))
      return LineError(cf.name_, line_no, fmt::format("'{}' is not a valid key name", key));

    Entry e;
    e.key = key;
    e.line = line_no;
    if (!rhs.empty() && rhs.front() == '"') {
      if (rhs.size() < 2 || rhs.back() != '"')
        return LineError(cf.name_, line_no, fmt::format("unterminated string for '{}'", key));
      e.value = std::string(rhs.substr(1, rhs.size() - 2));
      e.quoted = true;
    } else {
      if (rhs.empty())
        return LineError(cf.name_, line_no, fmt::format("missing value for '{}'", key));
      e.value = std::string(rhs);
    }
    for (const Entry& old : cf.entries_)
      if (old.key == e.key)
        return LineError(cf.name_, line_no,
                         fmt::format("'{}' is set twice (first on line {})", key, old.line));
    cf.entries_.push_back(std::move(e));
  }
  return cf;
}

void ConfigFile::Set(std::string key, std::string value) {
  for (Entry& e : entries_) {
    if (e.key == key) {
      e.value = std::move(value);
      e.line = 0;
      return;
    }
  }
  entries_.push_back(Entry{std::move(key), std::move(value), true, 0});
}

const ConfigFile::Entry* ConfigFile::Find(std::string_view key) const {
  for (const Entry& e : entries_)
    if (e.key == key) return &e;
  return nullptr;
}

const ConfigFile::Entry* ConfigReader::Take(std::string_view key, bool required) {
  bound_.emplace_back(key);
  const ConfigFile::Entry* e = file_.Find(key);
  if (!e && required && first_error_.ok())
    first_error_ = Status(StatusCode::Invalid,
                          fmt::format("{}: missing required key 'server.{}'", file_.name(), key));
  return e;
}

void ConfigReader::Fail(const ConfigFile::Entry& e, std::string_view expected) {
  if (!first_error_.ok()) return;
  std::string where = e.line > 0 ? fmt::format("{}:{}", file_.name(), e.line)
                                  : fmt::format("{} (override)", file_.name());
  first_error_ = Status(StatusCode::Invalid,
                        fmt::format("{}: server.{}: expected {}, got '{}'", where, e.key,
                                    expected, e.value));
}

ConfigReader& ConfigReader::String(std::string_view key, std::string* out, bool required) {
  if (const auto* e = Take(key, required)) *out = e->value;
  return *this;
}

ConfigReader& ConfigReader::Int(std::string_view key, int64_t* out, int64_t min, int64_t max,
                                bool required) {
  const auto* e = Take(key, required);
  if (!e) return *this;
  int64_t v = 0;
  std::string_view s = e->value;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < min || v > max) {
    Fail(*e, fmt::format("an integer in [{}, {}]", min, max));
    return *this;
  }
  *out = v;
  return *this;
}

ConfigReader& ConfigReader::Size(std::string_view key, uint64_t* out, uint64_t min, uint64_t max,
                                 bool required) {
  const auto* e = Take(key, required);
  if (!e) return *this;
  Result<uint64_t> v = ParseSize(e->value);
  if (!v.ok() || *v < min || *v > max) {
    Fail(*e, fmt::format("a size between {} and {} bytes (e.g. 64KB, 256MB)", min, max));
    return *this;
  }
  *out = *v;
  return *this;
}

ConfigReader& ConfigReader::Bool(std::string_view key, bool* out, bool required) {
  const auto* e = Take(key, required);
  if (!e) return *this;
  std::string v = Upper(e->value);
  if (v == "ALLOW" || v == "YES" || v == "TRUE" || v == "ON" || v == "1") *out = true;
  else if (v == "DENY" || v == "NO" || v == "FALSE" || v == "OFF" || v == "0") *out = false;
  else Fail(*e, "ALLOW or DENY (or yes/no, true/false, on/off)");
  return *this;
}

ConfigReader& ConfigReader::Level(std::string_view key, LogLevel* out) {
  const auto* e = Take(key, false);
  if (!e) return *this;
  Result<LogLevel> v = ParseLogLevel(e->value);
  if (!v.ok()) Fail(*e, "LOG_DEBUG, LOG_INFO, LOG_WARN or LOG_ERROR");
  else *out = *v;
  return *this;
}

ConfigReader& ConfigReader::List(std::string_view key, std::vector<std::string>* out,
                                 bool required) {
  const auto* e = Take(key, required);
  if (!e) return *this;
  out->clear();
  std::string_view s = e->value;
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string_view item = Trim(s.substr(0, comma));
    if (!item.empty()) out->emplace_back(item);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  if (out->empty() && required) Fail(*e, "a comma-separated list with at least one item");
  return *this;
}

ConfigReader& ConfigReader::Ignore(std::string_view key) {
  Take(key, false);
  return *this;
}

Status ConfigReader::Finish() {
  if (!first_error_.ok()) return first_error_;
  for (const ConfigFile::Entry& e : file_.entries()) {
    if (std::find(bound_.begin(), bound_.end(), e.key) != bound_.end()) continue;
    std::string where = e.line > 0 ? fmt::format("{}:{}", file_.name(), e.line)
                                    : fmt::format("{} (override)", file_.name());
    std::string known;
    for (const std::string& k : bound_) known += (known.empty() ? "" : ", ") + k;
    return Status(StatusCode::Invalid,
                  fmt::format("{}: unknown key 'server.{}' (known keys: {})", where, e.key, known));
  }
  return Status::Ok();
}

}  // namespace opendfs
