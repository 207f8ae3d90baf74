// opendfs top: the metrics text parser and the per-method rates.
#include "mount/cli/top.h"

#include <cmath>

#include <gtest/gtest.h>

namespace opendfs::cli {
namespace {

std::vector<MetricSample> Parse(std::string_view text) {
  auto r = ParseMetricsText(text);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<MetricSample>{};
}

TEST(ParseMetricsText, NamesLabelsValuesAndComments) {
  auto s = Parse(
      "# HELP x a counter\n# TYPE x counter\n"
      "x 3\n"
      "y{a=\"1\",b=\"q\\\"uote\\\\\"} 2.5\n"
      "z_bucket{le=\"+Inf\"} 7 1700000000\n");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].name, "x");
  EXPECT_TRUE(s[0].labels.empty());
  EXPECT_EQ(s[0].value, 3);
  EXPECT_EQ(s[1].labels.at("a"), "1");
  EXPECT_EQ(s[1].labels.at("b"), "q\"uote\\");
  EXPECT_EQ(s[1].value, 2.5);
  EXPECT_EQ(s[2].labels.at("le"), "+Inf");
  EXPECT_EQ(s[2].value, 7);
}

TEST(ParseMetricsText, MalformedLinesAreNamed) {
  for (const char* bad : {"x\n", "x{a=1} 2\n", "x{a=\"1} 2\n", "x abc\n", "{a=\"1\"} 2\n"}) {
    auto r = ParseMetricsText(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("metrics line 1"), std::string::npos) << bad;
  }
}

constexpr const char* kBefore =
    "opendfs_metad_requests_total{method=\"Create\",result=\"Ok\"} 100\n"
    "opendfs_metad_requests_total{method=\"Lookup\",result=\"Ok\"} 50\n"
    "opendfs_metad_requests_total{method=\"Lookup\",result=\"NotFound\"} 10\n"
    "opendfs_metad_request_duration_seconds_bucket{method=\"Create\",le=\"0.001\"} 90\n"
    "opendfs_metad_request_duration_seconds_bucket{method=\"Create\",le=\"0.01\"} 100\n"
    "opendfs_metad_request_duration_seconds_bucket{method=\"Create\",le=\"+Inf\"} 100\n"
    "opendfs_metad_request_duration_seconds_sum{method=\"Create\"} 0.1\n"
    "opendfs_metad_request_duration_seconds_count{method=\"Create\"} 100\n";
constexpr const char* kAfter =
    "opendfs_metad_requests_total{method=\"Create\",result=\"Ok\"} 300\n"
    "opendfs_metad_requests_total{method=\"Lookup\",result=\"Ok\"} 850\n"
    "opendfs_metad_requests_total{method=\"Lookup\",result=\"NotFound\"} 210\n"
    "opendfs_metad_requests_total{method=\"Mkdir\",result=\"Ok\"} 4\n"
    "opendfs_metad_request_duration_seconds_bucket{method=\"Create\",le=\"0.001\"} 90\n"
    "opendfs_metad_request_duration_seconds_bucket{method=\"Create\",le=\"0.01\"} 298\n"
    "opendfs_metad_request_duration_seconds_bucket{method=\"Create\",le=\"+Inf\"} 300\n"
    "opendfs_metad_request_duration_seconds_sum{method=\"Create\"} 1.1\n"
    "opendfs_metad_request_duration_seconds_count{method=\"Create\"} 300\n"
    "opendfs_blockd_requests_total{method=\"Read\",result=\"Ok\"} 999\n";

TEST(TopRows, RatesOfTheIntervalBusiestFirst) {
  auto rows = TopRows(Parse(kBefore), Parse(kAfter), 2.0);
  ASSERT_EQ(rows.size(), 3u);
  // Lookup: 1000 answers in 2 s, 200 of them NotFound.
  EXPECT_EQ(rows[0].method, "Lookup");
  EXPECT_DOUBLE_EQ(rows[0].ops_per_s, 500);
  EXPECT_DOUBLE_EQ(rows[0].errors_per_s, 100);
  EXPECT_EQ(rows[0].mean_ms, 0);  // no histogram
  // Create: 200 ops, 1.0 s in all -> 5 ms mean; 198 of 200 under 10 ms:
  // the 99th percentile is in the 10 ms bucket.
  EXPECT_EQ(rows[1].method, "Create");
  EXPECT_DOUBLE_EQ(rows[1].ops_per_s, 100);
  EXPECT_NEAR(rows[1].mean_ms, 5.0, 1e-9);
  EXPECT_DOUBLE_EQ(rows[1].p99_ms, 10);
  EXPECT_EQ(rows[2].method, "Mkdir");
  EXPECT_DOUBLE_EQ(rows[2].ops_per_s, 2);
}

TEST(TopRows, NewMethodsCountFromZeroAndQuietOnesAreLeftOut) {
  // Mkdir has no series before: its first answers came in the interval.
  auto rows = TopRows(Parse(kBefore), Parse(kAfter), 1.0);
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows.back().method, "Mkdir");
  EXPECT_DOUBLE_EQ(rows.back().ops_per_s, 4);
  auto same = TopRows(Parse(kAfter), Parse(kAfter), 1.0);
  EXPECT_TRUE(same.empty());
}

TEST(TopRows, ACounterGoingBackwardsShowsNothing) {
  // A new leader's counters start again from 0.
  EXPECT_TRUE(TopRows(Parse(kAfter), Parse(kBefore), 1.0).empty());
}

TEST(FormatTop, HeaderRowsAndTotal) {
  auto rows = TopRows(Parse(kBefore), Parse(kAfter), 2.0);
  std::string t = FormatTop(rows, 1);
  EXPECT_NE(t.find("METHOD"), std::string::npos);
  EXPECT_NE(t.find("Lookup"), std::string::npos);
  EXPECT_EQ(t.find("Create"), std::string::npos);  // past max_rows
  EXPECT_NE(t.find("total"), std::string::npos);
  EXPECT_NE(t.find("602.0"), std::string::npos);  // 500 + 100 + 2 ops/s
}

}  // namespace
}  // namespace opendfs::cli
