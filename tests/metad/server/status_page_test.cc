// Status page rendering: status.json carries the view, the index page
// inlines it safely inside <script> (no "</" from a log line can end the
// element), bad UTF-8 does not throw, the follower's leader link, and the
// embedded assets are served with their content types.
#include "metad/server/status_page.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace opendfs::metad {
namespace {

ClusterView Sample() {
  ClusterView v;
  v.self_address = "127.0.1.2:8000";
  v.leader_address = "127.0.1.1:8000";
  v.metads = {{"127.0.1.1:8000", "leader", "3.1", 40, 40, true, false},
              {"127.0.1.2:8000", "follower", "3.1", 40, 39, false, true}};
  v.blockds = {{"127.0.2.1:8100", "r1", "live", 1000, 250, 7, 120, false},
               {"127.0.2.2:8100", "r2", "dead", 1000, 0, 0, 9000, false}};
  v.files = 12;
  v.blocks = 7;
  v.replication.under_replicated = 3;
  v.missing_blocks = {{42, 17, 1, "/d/f1"}};
  v.corrupt_blocks = {{43, 18, 0, "/d/f2"}};
  v.under_replicated_blocks = {{44, 19, 2, ""}, {45, 0, 0, ""}};
  v.recent_errors = {"ERROR </script><b>x", std::string("bad \xff utf8")};
  return v;
}

TEST(StatusPageTest, JsonCarriesTheView) {
  nlohmann::json j = nlohmann::json::parse(StatusJson(Sample(), "127.0.1.2:9100"));
  EXPECT_EQ(j["self"], "127.0.1.2:8000");
  EXPECT_FALSE(j["serving_leader"]);
  EXPECT_EQ(j["leader_page"], "http://127.0.1.1:9100/");
  ASSERT_EQ(j["blockds"].size(), 2u);
  EXPECT_EQ(j["blockds"][1]["state"], "dead");
  EXPECT_EQ(j["blockds"][0]["used_bytes"], 250);
  EXPECT_EQ(j["metads"][1]["self"], true);
  EXPECT_EQ(j["files"], 12);
  EXPECT_EQ(j["replication"]["under_replicated"], 3);
  EXPECT_EQ(j["missing_blocks"][0]["inode"], 17);
  EXPECT_EQ(j["missing_blocks"][0]["path"], "/d/f1");
  EXPECT_EQ(j["corrupt_blocks"][0]["path"], "/d/f2");
  ASSERT_EQ(j["under_replicated_blocks"].size(), 2u);
  EXPECT_EQ(j["under_replicated_blocks"][0]["index"], 2);
  EXPECT_EQ(j["under_replicated_blocks"][1]["inode"], 0);
  EXPECT_EQ(j["recent_errors"][1], "bad \xef\xbf\xbd utf8");  // U+FFFD
}

TEST(StatusPageTest, NoLeaderNoLink) {
  ClusterView v = Sample();
  v.leader_address.clear();
  EXPECT_EQ(LeaderPageUrl(v, "127.0.1.2:9100"), "");
}

TEST(StatusPageTest, IndexInlinesTheViewSafely) {
  HttpResponse r = StatusPageIndex(Sample(), "127.0.1.2:9100");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  size_t open = r.body.find("<script id=\"initial-status\"");
  ASSERT_NE(open, std::string::npos);
  size_t start = r.body.find('>', open) + 1;
  size_t end = r.body.find("</script>", start);
  ASSERT_NE(end, std::string::npos);
  std::string inlined = r.body.substr(start, end - start);
  EXPECT_EQ(inlined.find('<'), std::string::npos);
  nlohmann::json j = nlohmann::json::parse(inlined);
  EXPECT_EQ(j["recent_errors"][0], "ERROR </script><b>x");
  EXPECT_NE(r.body.find("status.js"), std::string::npos);
}

TEST(StatusPageTest, AssetsAreEmbedded) {
  auto assets = StatusPageAssets();
  ASSERT_TRUE(assets.count("/status.js"));
  ASSERT_TRUE(assets.count("/status.css"));
  EXPECT_EQ(assets["/status.js"].content_type, "application/javascript; charset=utf-8");
  EXPECT_NE(assets["/status.js"].body.find("status.json"), std::string::npos);
  EXPECT_EQ(assets["/status.css"].content_type, "text/css; charset=utf-8");
  EXPECT_FALSE(assets.count("/index.html"));
}

}  // namespace
}  // namespace opendfs::metad
