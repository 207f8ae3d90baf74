// Metrics registry: exact Prometheus text rendering (HELP/TYPE lines, label
// escaping, cumulative histogram buckets, +Inf, _sum/_count) and series reuse.
#include "libnet/metrics.h"
#include "libnet/request_metrics.h"

#include <gtest/gtest.h>

namespace opendfs {
namespace {

TEST(MetricsTest, CounterAndGaugeRenderExactly) {
  MetricsRegistry r;
  Counter* ok = r.AddCounter("odfs_requests_total", "Requests handled",
                             {{"method", "Create"}, {"result", "Ok"}});
  Counter* bad = r.AddCounter("odfs_requests_total", "Requests handled",
                              {{"method", "Create"}, {"result", "NotFound"}});
  ok->Add();
  ok->Add(2);
  bad->Add();
  Gauge* g = r.AddGauge("odfs_is_leader", "1 if leader");
  g->Set(1);
  r.AddCallbackGauge("odfs_inodes", "Inodes", [] { return 42.0; });
  EXPECT_EQ(r.Render(),
            "# HELP odfs_requests_total Requests handled\n"
            "# TYPE odfs_requests_total counter\n"
            "odfs_requests_total{method=\"Create\",result=\"Ok\"} 3\n"
            "odfs_requests_total{method=\"Create\",result=\"NotFound\"} 1\n"
            "# HELP odfs_is_leader 1 if leader\n"
            "# TYPE odfs_is_leader gauge\n"
            "odfs_is_leader 1\n"
            "# HELP odfs_inodes Inodes\n"
            "# TYPE odfs_inodes gauge\n"
            "odfs_inodes 42\n");
}

TEST(MetricsTest, CallbackCounterReadsAtRender) {
  MetricsRegistry r;
  double bytes = 10;
  r.AddCallbackCounter("odfs_bytes_total", "Bytes", [&] { return bytes; },
                       {{"dir", "/d1"}});
  EXPECT_EQ(r.Render(),
            "# HELP odfs_bytes_total Bytes\n"
            "# TYPE odfs_bytes_total counter\n"
            "odfs_bytes_total{dir=\"/d1\"} 10\n");
  bytes = 4096;
  EXPECT_NE(r.Render().find("odfs_bytes_total{dir=\"/d1\"} 4096\n"), std::string::npos);
}

TEST(MetricsTest, RequestMethodsAreLabelledByName) {
  MetricsRegistry r;
  RequestMetrics m(r, "odfs", [](uint16_t t) { return t == 107 ? std::string("Create") : ""; });
  m.Record(107, StatusCode::Ok, 0.001);
  m.Record(999, StatusCode::Ok, 0.001);  // the namer does not know it
  m.Record(1, StatusCode::Ok, 0.001);    // the transport's Ping
  std::string text = r.Render();
  EXPECT_NE(text.find("odfs_requests_total{method=\"Create\",result=\"Ok\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("odfs_requests_total{method=\"999\",result=\"Ok\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("odfs_requests_total{method=\"Ping\",result=\"Ok\"} 1\n"),
            std::string::npos);
}

TEST(MetricsTest, SameNameAndLabelsReturnsSameSeries) {
  MetricsRegistry r;
  Counter* a = r.AddCounter("c_total", "h", {{"k", "v"}});
  Counter* b = r.AddCounter("c_total", "h", {{"k", "v"}});
  EXPECT_EQ(a, b);
  EXPECT_NE(a, r.AddCounter("c_total", "h", {{"k", "w"}}));
}

TEST(MetricsTest, LabelValuesAndHelpAreEscaped) {
  MetricsRegistry r;
  r.AddCounter("c_total", "line1\nback\\slash \"q\"",
               {{"path", "a\\b\"c\nd"}})
      ->Add();
  EXPECT_EQ(r.Render(),
            "# HELP c_total line1\\nback\\\\slash \"q\"\n"
            "# TYPE c_total counter\n"
            "c_total{path=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  MetricsRegistry r;
  Histogram* h = r.AddHistogram("lat_seconds", "Latency", {0.001, 0.01, 0.1},
                                {{"op", "read"}});
  h->Observe(0.0005);  // <= 0.001
  h->Observe(0.001);   // le is inclusive
  h->Observe(0.05);    // <= 0.1
  h->Observe(3);       // +Inf only
  EXPECT_EQ(r.Render(),
            "# HELP lat_seconds Latency\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{op=\"read\",le=\"0.001\"} 2\n"
            "lat_seconds_bucket{op=\"read\",le=\"0.01\"} 2\n"
            "lat_seconds_bucket{op=\"read\",le=\"0.1\"} 3\n"
            "lat_seconds_bucket{op=\"read\",le=\"+Inf\"} 4\n"
            "lat_seconds_sum{op=\"read\"} 3.0515\n"
            "lat_seconds_count{op=\"read\"} 4\n");
}

TEST(MetricsTest, FormatsValues) {
  EXPECT_EQ(FormatMetricValue(0), "0");
  EXPECT_EQ(FormatMetricValue(1e12), "1000000000000");
  EXPECT_EQ(FormatMetricValue(0.25), "0.25");
  EXPECT_EQ(FormatMetricValue(-1.5), "-1.5");
  EXPECT_EQ(FormatMetricValue(1.0 / 0.0), "+Inf");
}

TEST(MetricsTest, DefaultBucketsAscend) {
  for (const auto& b : {LatencyBucketsSeconds(), SizeBucketsBytes()}) {
    ASSERT_FALSE(b.empty());
    for (size_t i = 1; i < b.size(); ++i) EXPECT_LT(b[i - 1], b[i]);
  }
}

}  // namespace
}  // namespace opendfs
