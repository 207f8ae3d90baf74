// `opendfs top`: live per-operation rates of the cluster, computed from two
// scrapes of the leader's metrics (ClusterStatus with_metrics, the same text
// its /metrics serves) taken `seconds` apart.
//
// Pure: ParseMetricsText reads the Prometheus text format (the subset
// libnet/metrics.cc writes: `name{k="v",...} value`, `#` comments), TopRows
// turns two scrapes into one row per RPC method with the rate of answers,
// of refusals (any result but Ok) and the mean and p99 latency of the
// interval (from the request duration histogram), busiest first.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "libnet/status.h"

namespace opendfs::cli {

struct MetricSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Every sample of `text`; Invalid naming the line on a malformed one.
Result<std::vector<MetricSample>> ParseMetricsText(std::string_view text);

struct TopRow {
  std::string method;
  double ops_per_s = 0;     // every answer
  double errors_per_s = 0;  // answers other than Ok
  double mean_ms = 0;       // 0 when nothing was answered
  double p99_ms = 0;        // upper bound of the bucket holding the 99th percentile
};

// Rows of methods answered during the interval, most ops first. `prefix`
// names the series (opendfs_metad: <prefix>_requests_total{method,result}
// and <prefix>_request_duration_seconds{method}).
std::vector<TopRow> TopRows(const std::vector<MetricSample>& before,
                            const std::vector<MetricSample>& after, double seconds,
                            std::string_view prefix = "opendfs_metad");

// The table as `opendfs top` prints it (header, at most max_rows rows, total).
std::string FormatTop(const std::vector<TopRow>& rows, size_t max_rows);

}  // namespace opendfs::cli
