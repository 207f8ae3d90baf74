// Metrics: counters, gauges and histograms rendered in the Prometheus text
// exposition format (version 0.0.4), for every daemon's GET /metrics.
//
// Happy path: a part registers its series once at start-up
// (registry.AddCounter("opendfs_metad_requests_total", "Requests handled",
// {{"method","Create"},{"result","Ok"}})) and keeps the returned pointer;
// the hot path then only touches atomics (Counter::Add, Histogram::Observe:
// one relaxed fetch_add per field, no lock). Render() takes the registry lock
// only to walk the list of series, never while a request runs.
//
// Failure modes: registering the same name with a different type or help is a
// programming error (ODFS_CHECK); the same name + labels returns the existing
// series. Label values are escaped (\\, \", \n) so any byte string renders as
// valid text. Values are in base units (seconds, bytes) as Prometheus expects;
// histogram buckets are fixed at registration and rendered cumulatively with
// a final le="+Inf".
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace opendfs {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// A monotonically increasing count (requests, bytes).
class Counter {
 public:
  void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down (role, index, queue depth).
class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double d);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into fixed buckets (upper bounds, ascending).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);

  const std::vector<double>& bounds() const { return bounds_; }
  // Non-cumulative count of bucket i (i == bounds().size() is +Inf).
  uint64_t bucket_count(size_t i) const {
    return buckets_[i].load(std::memory_order_relaxed);
  }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// Latency buckets in seconds: 50 us .. 10 s.
std::vector<double> LatencyBucketsSeconds();
// Size buckets in bytes: 512 B .. 64 MiB, powers of 4.
std::vector<double> SizeBucketsBytes();

class MetricsRegistry {
 public:
  Counter* AddCounter(const std::string& name, const std::string& help,
                      const MetricLabels& labels = {});
  Gauge* AddGauge(const std::string& name, const std::string& help,
                  const MetricLabels& labels = {});
  Histogram* AddHistogram(const std::string& name, const std::string& help,
                          std::vector<double> bounds,
                          const MetricLabels& labels = {});
  // A gauge whose value is read at render time (inode count, disk free).
  // The callback runs on the rendering thread without the registry lock; it
  // must be quick.
  void AddCallbackGauge(const std::string& name, const std::string& help,
                        std::function<double()> read,
                        const MetricLabels& labels = {});
  // The same for a count another part keeps itself (bytes scanned, copies
  // made): rendered as a counter; `read` must never go down.
  void AddCallbackCounter(const std::string& name, const std::string& help,
                          std::function<double()> read,
                          const MetricLabels& labels = {});

  // The whole registry in the text exposition format, families in
  // registration order.
  std::string Render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Series {
    MetricLabels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
    std::function<double()> read;
  };
  struct Family {
    std::string name;
    std::string help;
    Type type;
    std::vector<std::unique_ptr<Series>> series;
  };
  Series* FindOrAdd(const std::string& name, const std::string& help,
                    Type type, const MetricLabels& labels, bool* created);
  void AddCallback(const std::string& name, const std::string& help, Type type,
                   std::function<double()> read, const MetricLabels& labels);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;
};

// This process's resident set size in bytes (/proc/self/statm), 0 when it
// cannot be read: every daemon exports it as <prefix>_resident_memory_bytes.
double ResidentMemoryBytes();

// Escaping and number formatting, exposed for tests.
std::string EscapeLabelValue(std::string_view v);
std::string EscapeHelp(std::string_view v);
std::string FormatMetricValue(double v);

}  // namespace opendfs
