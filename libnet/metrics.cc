// Metrics registry and Prometheus text rendering (see metrics.h).
#include "libnet/metrics.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "libnet/check.h"

namespace opendfs {

void Gauge::Add(double d) {
  double cur = value_.load(std::memory_order_relaxed);
  while (!value_.compare_exchange_weak(cur, cur + d,
                                       std::memory_order_relaxed)) {
  }
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 1; i < bounds_.size(); ++i) {
    ODFS_CHECK(bounds_[i - 1] < bounds_[i]);
  }
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  double cur = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(cur, cur + v,
                                     std::memory_order_relaxed)) {
  }
}

std::vector<double> LatencyBucketsSeconds() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5,    10};
}

std::vector<double> SizeBucketsBytes() {
  std::vector<double> b;
  for (double v = 512; v <= 64.0 * 1024 * 1024; v *= 4) b.push_back(v);
  return b;
}

double ResidentMemoryBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (n != 2) return 0;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string EscapeHelp(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string FormatMetricValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  // Prefer the shortest form that reads back the same.
  for (int prec = 1; prec <= 17; ++prec) {
    char s[32];
    std::snprintf(s, sizeof s, "%.*g", prec, v);
    if (std::strtod(s, nullptr) == v) return s;
  }
  return buf;
}

namespace {

std::string LabelText(const MetricLabels& labels,
                      const std::pair<std::string, std::string>* extra) {
  if (labels.empty() && extra == nullptr) return "";
  std::string out = "{";
  bool first = true;
  auto add = [&](const std::string& k, const std::string& v) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    out += EscapeLabelValue(v);
    out += '"';
  };
  for (const auto& [k, v] : labels) add(k, v);
  if (extra != nullptr) add(extra->first, extra->second);
  out += '}';
  return out;
}

}  // namespace

MetricsRegistry::Series* MetricsRegistry::FindOrAdd(
    const std::string& name, const std::string& help, Type type,
    const MetricLabels& labels, bool* created) {
  // mu_ held by the caller.
  Family* fam = nullptr;
  for (auto& f : families_) {
    if (f->name == name) fam = f.get();
  }
  if (fam == nullptr) {
    families_.push_back(std::make_unique<Family>());
    fam = families_.back().get();
    fam->name = name;
    fam->help = help;
    fam->type = type;
  }
  ODFS_CHECK(fam->type == type);
  for (auto& s : fam->series) {
    if (s->labels == labels) {
      *created = false;
      return s.get();
    }
  }
  fam->series.push_back(std::make_unique<Series>());
  fam->series.back()->labels = labels;
  *created = true;
  return fam->series.back().get();
}

Counter* MetricsRegistry::AddCounter(const std::string& name,
                                     const std::string& help,
                                     const MetricLabels& labels) {
  bool created;
  std::lock_guard lock(mu_);
  Series* s = FindOrAdd(name, help, Type::kCounter, labels, &created);
  if (!s->counter && !s->read) s->counter = std::make_unique<Counter>();
  ODFS_CHECK(s->counter != nullptr);
  return s->counter.get();
}

Gauge* MetricsRegistry::AddGauge(const std::string& name,
                                 const std::string& help,
                                 const MetricLabels& labels) {
  bool created;
  std::lock_guard lock(mu_);
  Series* s = FindOrAdd(name, help, Type::kGauge, labels, &created);
  if (!s->gauge && !s->read) s->gauge = std::make_unique<Gauge>();
  ODFS_CHECK(s->gauge != nullptr);
  return s->gauge.get();
}

Histogram* MetricsRegistry::AddHistogram(const std::string& name,
                                         const std::string& help,
                                         std::vector<double> bounds,
                                         const MetricLabels& labels) {
  bool created;
  std::lock_guard lock(mu_);
  Series* s = FindOrAdd(name, help, Type::kHistogram, labels, &created);
  if (!s->histogram) s->histogram = std::make_unique<Histogram>(std::move(bounds));
  return s->histogram.get();
}

void MetricsRegistry::AddCallback(const std::string& name, const std::string& help,
                                  Type type, std::function<double()> read,
                                  const MetricLabels& labels) {
  bool created;
  std::lock_guard lock(mu_);
  Series* s = FindOrAdd(name, help, type, labels, &created);
  ODFS_CHECK(created);  // a callback series is registered once
  s->read = std::move(read);
}

void MetricsRegistry::AddCallbackGauge(const std::string& name,
                                       const std::string& help,
                                       std::function<double()> read,
                                       const MetricLabels& labels) {
  AddCallback(name, help, Type::kGauge, std::move(read), labels);
}

void MetricsRegistry::AddCallbackCounter(const std::string& name,
                                         const std::string& help,
                                         std::function<double()> read,
                                         const MetricLabels& labels) {
  AddCallback(name, help, Type::kCounter, std::move(read), labels);
}

std::string MetricsRegistry::Render() const {
  // Snapshot the (never removed) families and series under the lock, render
  // without it: callback gauges may take their own locks.
  struct Snap {
    const Family* f;
    std::vector<const Series*> series;
  };
  std::vector<Snap> snaps;
  {
    std::lock_guard lock(mu_);
    for (const auto& f : families_) {
      Snap sn{f.get(), {}};
      for (const auto& s : f->series) sn.series.push_back(s.get());
      snaps.push_back(std::move(sn));
    }
  }
  std::string out;
  for (const auto& sn : snaps) {
    const Family* f = sn.f;
    out += "# HELP " + f->name + " " + EscapeHelp(f->help) + "\n";
    const char* type = f->type == Type::kCounter ? "counter"
                       : f->type == Type::kGauge ? "gauge"
                                                 : "histogram";
    out += "# TYPE " + f->name + " " + type + "\n";
    for (const Series* s : sn.series) {
      if (f->type == Type::kCounter) {
        out += f->name + LabelText(s->labels, nullptr) + " " +
               FormatMetricValue(s->read ? s->read()
                                         : static_cast<double>(s->counter->value())) +
               "\n";
      } else if (f->type == Type::kGauge) {
        double v = s->read ? s->read() : s->gauge->value();
        out += f->name + LabelText(s->labels, nullptr) + " " +
               FormatMetricValue(v) + "\n";
      } else {
        const Histogram& h = *s->histogram;
        uint64_t cum = 0;
        for (size_t i = 0; i <= h.bounds().size(); ++i) {
          cum += h.bucket_count(i);
          std::pair<std::string, std::string> le{
              "le", i < h.bounds().size() ? FormatMetricValue(h.bounds()[i])
                                          : "+Inf"};
          out += f->name + "_bucket" + LabelText(s->labels, &le) + " " +
                 FormatMetricValue(static_cast<double>(cum)) + "\n";
        }
        out += f->name + "_sum" + LabelText(s->labels, nullptr) + " " +
               FormatMetricValue(h.sum()) + "\n";
        out += f->name + "_count" + LabelText(s->labels, nullptr) + " " +
               FormatMetricValue(static_cast<double>(h.count())) + "\n";
      }
    }
  }
  return out;
}

}  // namespace opendfs
