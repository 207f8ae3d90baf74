// RequestMetrics: per-RPC counters and a latency histogram that a libnet
// Server fills as each request is answered (ServerOptions::request_metrics).
//
// Series: <prefix>_requests_total{method,result} (method = the service's
// name for the RPC type, e.g. "Create", from the MethodNamer the service
// passes; its number when the namer has none; result = StatusCode name) and <prefix>_request_duration_seconds{method},
// from hand-off to the handler until Reply/Fail. Hot path: two atomic loads to
// find the series, then atomic adds; a series is registered (registry lock)
// only the first time a (method, result) pair is seen.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <functional>
#include <string>

#include "libnet/metrics.h"
#include "libnet/status.h"

namespace opendfs {

// The label of an RPC type: a schema enum's name (fb::EnumNameMetaMethod
// returns "" for an unknown value), or "" when the namer does not know it.
using MethodNamer = std::function<std::string(uint16_t type)>;

class RequestMetrics {
 public:
  RequestMetrics(MetricsRegistry& registry, std::string prefix, MethodNamer namer = {});
  void Record(uint16_t type, StatusCode code, double seconds);

 private:
  static constexpr size_t kCodes = 64;
  struct PerType {
    std::array<std::atomic<Counter*>, kCodes> by_code{};
    std::atomic<Histogram*> latency{nullptr};
  };
  PerType& For(uint16_t type);
  std::string MethodLabel(uint16_t type) const;

  MetricsRegistry& registry_;
  const std::string prefix_;
  const MethodNamer namer_;
  std::mutex mu_;  // creating a PerType or a series (first sight only)
  std::array<std::atomic<PerType*>, 65536> types_{};
  std::vector<std::unique_ptr<PerType>> owned_;
};

}  // namespace opendfs
