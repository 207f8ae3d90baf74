// RequestMetrics (see request_metrics.h).
#include "libnet/request_metrics.h"

#include "libnet/rpc_methods.h"

namespace opendfs {

RequestMetrics::RequestMetrics(MetricsRegistry& registry, std::string prefix,
                               MethodNamer namer)
    : registry_(registry), prefix_(std::move(prefix)), namer_(std::move(namer)) {}

std::string RequestMetrics::MethodLabel(uint16_t type) const {
  if (type == kPingMethod) return "Ping";
  std::string name = namer_ ? namer_(type) : "";
  return name.empty() ? std::to_string(type) : name;
}

RequestMetrics::PerType& RequestMetrics::For(uint16_t type) {
  PerType* p = types_[type].load(std::memory_order_acquire);
  if (p != nullptr) return *p;
  std::lock_guard lock(mu_);
  p = types_[type].load(std::memory_order_acquire);
  if (p == nullptr) {
    owned_.push_back(std::make_unique<PerType>());
    p = owned_.back().get();
    p->latency.store(registry_.AddHistogram(
        prefix_ + "_request_duration_seconds",
        "Time from receiving a request to answering it, by RPC method",
        LatencyBucketsSeconds(), {{"method", MethodLabel(type)}}));
    types_[type].store(p, std::memory_order_release);
  }
  return *p;
}

void RequestMetrics::Record(uint16_t type, StatusCode code, double seconds) {
  PerType& p = For(type);
  size_t c = static_cast<size_t>(code) % kCodes;
  Counter* counter = p.by_code[c].load(std::memory_order_acquire);
  if (counter == nullptr) {
    std::lock_guard lock(mu_);
    counter = registry_.AddCounter(
        prefix_ + "_requests_total", "Requests answered, by RPC method and result",
        {{"method", MethodLabel(type)}, {"result", EnumNameStatusCode(code)}});
    p.by_code[c].store(counter, std::memory_order_release);
  }
  counter->Add();
  p.latency.load(std::memory_order_relaxed)->Observe(seconds);
}

}  // namespace opendfs
