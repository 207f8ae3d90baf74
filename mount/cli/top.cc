// opendfs top's arithmetic; see top.h.
#include "mount/cli/top.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace opendfs::cli {

namespace {

Status Bad(size_t line, std::string_view why) {
  return Status(StatusCode::Invalid, fmt::format("metrics line {}: {}", line, why));
}

// `k="v",...}` from just after the `{`: fills labels, returns the rest.
Result<std::string_view> ParseLabels(std::string_view s, size_t line,
                                     std::map<std::string, std::string>& labels) {
  for (;;) {
    if (!s.empty() && s[0] == '}') return s.substr(1);
    size_t eq = s.find('=');
    if (eq == std::string_view::npos || eq + 1 >= s.size() || s[eq + 1] != '"')
      return Bad(line, "label without =\"value\"");
    std::string key(s.substr(0, eq));
    std::string value;
    size_t i = eq + 2;
    for (; i < s.size() && s[i] != '"'; ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) {
        ++i;
        value += s[i] == 'n' ? '\n' : s[i];
      } else {
        value += s[i];
      }
    }
    if (i >= s.size()) return Bad(line, "unterminated label value");
    labels[std::move(key)] = std::move(value);
    s = s.substr(i + 1);
    if (!s.empty() && s[0] == ',') s = s.substr(1);
  }
}

double ParseValue(std::string_view v, bool* ok) {
  if (v == "+Inf") return std::numeric_limits<double>::infinity();
  if (v == "-Inf") return -std::numeric_limits<double>::infinity();
  if (v == "NaN") return std::numeric_limits<double>::quiet_NaN();
  std::string s(v);
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  *ok = end != s.c_str() && *end == '\0';
  return d;
}

struct Window {
  double ops = 0, errors = 0, sum = 0, count = 0;
  std::map<double, double> buckets;  // le -> cumulative count
};

void Add(std::map<std::string, Window>& by_method, const std::vector<MetricSample>& samples,
         std::string_view prefix, double sign) {
  const std::string total = std::string(prefix) + "_requests_total";
  const std::string dur = std::string(prefix) + "_request_duration_seconds";
  for (const MetricSample& m : samples) {
    auto method = m.labels.find("method");
    if (method == m.labels.end()) continue;
    Window& w = by_method[method->second];
    if (m.name == total) {
      w.ops += sign * m.value;
      auto result = m.labels.find("result");
      if (result != m.labels.end() && result->second != "Ok") w.errors += sign * m.value;
    } else if (m.name == dur + "_sum") {
      w.sum += sign * m.value;
    } else if (m.name == dur + "_count") {
      w.count += sign * m.value;
    } else if (m.name == dur + "_bucket") {
      auto le = m.labels.find("le");
      if (le == m.labels.end()) continue;
      bool ok = true;
      double bound = ParseValue(le->second, &ok);
      if (ok) w.buckets[bound] += sign * m.value;
    }
  }
}

}  // namespace

Result<std::vector<MetricSample>> ParseMetricsText(std::string_view text) {
  std::vector<MetricSample> out;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    MetricSample m;
    size_t name_end = line.find_first_of("{ ");
    if (name_end == 0 || name_end == std::string_view::npos) return Bad(line_no, "no value");
    m.name = std::string(line.substr(0, name_end));
    std::string_view rest = line.substr(name_end);
    if (rest[0] == '{') {
      ODFS_ASSIGN_OR_RETURN(rest, ParseLabels(rest.substr(1), line_no, m.labels));
    }
    while (!rest.empty() && rest[0] == ' ') rest = rest.substr(1);
    rest = rest.substr(0, rest.find(' '));  // an optional timestamp follows
    bool ok = true;
    m.value = ParseValue(rest, &ok);
    if (!ok) return Bad(line_no, "value is not a number");
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<TopRow> TopRows(const std::vector<MetricSample>& before,
                            const std::vector<MetricSample>& after, double seconds,
                            std::string_view prefix) {
  std::map<std::string, Window> by_method;
  Add(by_method, after, prefix, +1);
  Add(by_method, before, prefix, -1);
  std::vector<TopRow> rows;
  for (const auto& [method, w] : by_method) {
    if (w.ops <= 0) continue;
    TopRow r;
    r.method = method;
    r.ops_per_s = seconds > 0 ? w.ops / seconds : 0;
    r.errors_per_s = seconds > 0 ? w.errors / seconds : 0;
    if (w.count > 0) {
      r.mean_ms = 1000 * w.sum / w.count;
      for (const auto& [le, cumulative] : w.buckets) {
        if (cumulative >= 0.99 * w.count) {
          r.p99_ms = std::isinf(le) ? std::numeric_limits<double>::infinity() : 1000 * le;
          break;
        }
      }
    }
    rows.push_back(std::move(r));
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const TopRow& a, const TopRow& b) { return a.ops_per_s > b.ops_per_s; });
  return rows;
}

std::string FormatTop(const std::vector<TopRow>& rows, size_t max_rows) {
  std::string out = fmt::format("{:<18} {:>10} {:>9} {:>9} {:>9}\n", "METHOD", "OPS/S", "ERR/S",
                                "MEAN_MS", "P99_MS");
  double ops = 0, errors = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const TopRow& r = rows[i];
    ops += r.ops_per_s;
    errors += r.errors_per_s;
    if (i >= max_rows) continue;
    std::string p99 = std::isinf(r.p99_ms) ? std::string(">max") : fmt::format("{:.2f}", r.p99_ms);
    out += fmt::format("{:<18} {:>10.1f} {:>9.1f} {:>9.2f} {:>9}\n", r.method, r.ops_per_s,
                       r.errors_per_s, r.mean_ms, p99);
  }
  out += fmt::format("{:<18} {:>10.1f} {:>9.1f}\n", "total", ops, errors);
  return out;
}

}  // namespace opendfs::cli
