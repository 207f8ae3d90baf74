// StartMetricsServer: the GET /metrics endpoint every daemon runs on its
// metrics_addr — an HttpServer answering /metrics with `registry` rendered
// in the Prometheus text format, plus any `extra` paths (metad's status
// page). Errors (bad or busy address) come back annotated "metrics_addr".
// `registry` must outlive the server.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "libnet/http_server.h"
#include "libnet/metrics.h"

namespace opendfs {

Result<std::unique_ptr<HttpServer>> StartMetricsServer(
    std::string_view addr, const MetricsRegistry& registry,
    std::map<std::string, HttpHandler> extra = {});

}  // namespace opendfs
