// metad's GET /metrics: the request counters/latency filled by the client
// Server (RequestMetrics) plus gauges read at scrape time (Paxos role,
// applied index, inode count). Off when metrics_addr is empty; a bad or
// unbindable metrics_addr fails start-up.
#include "metad/server/meta_server.h"

namespace opendfs::metad {

Status MetaServer::StartMetrics() {
  if (settings_.metrics_addr.empty()) return Status::Ok();
  metrics_.AddCallbackGauge("opendfs_metad_is_leader",
                            "1 while this metad is the serving leader",
                            [this] { return serving_leader() ? 1.0 : 0.0; });
  metrics_.AddCallbackGauge(
      "opendfs_metad_applied_index", "Last editlog index applied to the namespace",
      [this] { return static_cast<double>(applied_index_.load()); });
  metrics_.AddCallbackGauge("opendfs_metad_inodes", "Inodes in the namespace", [this] {
    std::shared_lock lock(ns_mu_);
    return static_cast<double>(ns_->inode_count());
  });
  auto http = HttpServer::Start(
      settings_.metrics_addr,
      {{"/metrics", [this] {
          return HttpResponse{200, std::string(kPrometheusContentType), metrics_.Render()};
        }}});
  if (!http.ok()) return http.status().Annotate("metrics_addr");
  http_server_ = std::move(*http);
  log_.Info("metad: metrics on http://{}/metrics", settings_.metrics_addr);
  return Status::Ok();
}

}  // namespace opendfs::metad
