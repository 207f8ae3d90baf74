// RequestMetrics: per-RPC counters and a latency histogram that a libnet
// Server fills as each request is answered (ServerOptions::request_metrics).
//
// Series: <prefix>_requests_total{method,result} (method = RPC type number,
// result = StatusCode name) and <prefix>_request_duration_seconds{method},
// from hand-off to the handler until Reply/Fail. Hot path: two atomic loads to
// find the series, then atomic adds; a series is registered (registry lock)
// only the first time a (method, result) pair is seen.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "libnet/metrics.h"
#include "libnet/status.h"

namespace opendfs {

class RequestMetrics {
 public:
  RequestMetrics(MetricsRegistry& registry, std::string prefix);
  void Record(uint16_t type, StatusCode code, double seconds);

 private:
  static constexpr size_t kCodes = 64;
  struct PerType {
    std::array<std::atomic<Counter*>, kCodes> by_code{};
    std::atomic<Histogram*> latency{nullptr};
  };
  PerType& For(uint16_t type);

  MetricsRegistry& registry_;
  const std::string prefix_;
  std::mutex mu_;  // creating a PerType or a series (first sight only)
  std::array<std::atomic<PerType*>, 65536> types_{};
  std::vector<std::unique_ptr<PerType>> owned_;
};

}  // namespace opendfs
