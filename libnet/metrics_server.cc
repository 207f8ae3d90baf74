// StartMetricsServer (see metrics_server.h).
#include "libnet/metrics_server.h"

namespace opendfs {

Result<std::unique_ptr<HttpServer>> StartMetricsServer(
    std::string_view addr, const MetricsRegistry& registry,
    std::map<std::string, HttpHandler> extra) {
  extra["/metrics"] = [&registry] {
    return HttpResponse{200, std::string(kPrometheusContentType), registry.Render()};
  };
  auto http = HttpServer::Start(addr, std::move(extra));
  if (!http.ok()) return http.status().Annotate("metrics_addr");
  return http;
}

}  // namespace opendfs
