#include "mount/cli/format.h"
#include "mount/cli/json_out.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <nlohmann/json.hpp>

namespace opendfs::cli {
namespace {

TEST(HumanSize, Units) {
  EXPECT_EQ(HumanSize(0), "0");
  EXPECT_EQ(HumanSize(1023), "1023");
  EXPECT_EQ(HumanSize(1536), "1.5K");
  EXPECT_EQ(HumanSize(3ull << 30), "3.0G");
}

TEST(ModeString, TypesAndSpecialBits) {
  EXPECT_EQ(ModeString(S_IFDIR | 0755), "drwxr-xr-x");
  EXPECT_EQ(ModeString(S_IFREG | 0644), "-rw-r--r--");
  EXPECT_EQ(ModeString(S_IFLNK | 0777), "lrwxrwxrwx");
  EXPECT_EQ(ModeString(S_IFDIR | 01777), "drwxrwxrwt");
  EXPECT_EQ(ModeString(S_IFREG | 04755), "-rwsr-xr-x");
  EXPECT_EQ(ModeString(S_IFREG | 02644), "-rw-r-Sr--");
}

TEST(ClusterStatusJson, ParsesBackWithEveryField) {
  client::ClusterInfo ci;
  client::MetadInfo m;
  m.address = "127.0.1.1:8000";
  m.role = "leader";
  m.ballot = "3.1";
  m.committed_index = 42;
  m.is_leader = true;
  ci.metads.push_back(m);
  client::BlockdInfo b;
  b.address = "127.0.2.1:8100";
  b.rack = "rack \"a\"\n\x01\xff";  // quotes, control bytes, invalid UTF-8
  b.state = "live";
  b.capacity_bytes = uint64_t{1} << 40;
  ci.blockds.push_back(b);
  ci.files = 7;
  ci.waiting_for_reports = true;
  std::string text = ClusterStatusJson(ci);
  ASSERT_EQ(text.back(), '\n');
  auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["metads"][0]["address"], "127.0.1.1:8000");
  EXPECT_EQ(j["metads"][0]["is_leader"], true);
  EXPECT_EQ(j["metads"][0]["committed_index"], 42);
  EXPECT_EQ(j["blockds"][0]["capacity_bytes"], uint64_t{1} << 40);
  EXPECT_EQ(j["blockds"][0]["rack"], "rack \"a\"\n\x01\xEF\xBF\xBD");  // U+FFFD for the bad byte
  EXPECT_EQ(j["files"], 7);
  EXPECT_EQ(j["waiting_for_reports"], true);
  for (const char* k : {"blocks", "under_replicated", "missing", "corrupt", "pending_copies",
                        "pending_deletions", "copies_completed"})
    EXPECT_TRUE(j.contains(k)) << k;
}

TEST(Progress, SilentWhenDisabled) {
  char buf[256] = {};
  FILE* f = fmemopen(buf, sizeof(buf), "w");
  Progress p(f, false, "put x", 100);
  p.Update(50);
  p.Finish();
  std::fclose(f);
  EXPECT_STREQ(buf, "");
}

TEST(Progress, PrintsPercentAndNewlineWhenEnabled) {
  char buf[256] = {};
  FILE* f = fmemopen(buf, sizeof(buf), "w");
  Progress p(f, true, "get y", 2048);
  p.Finish();
  std::fclose(f);
  std::string s(buf);
  EXPECT_NE(s.find("get y  100%  2.0K/2.0K"), std::string::npos) << s;
  EXPECT_EQ(s.back(), '\n');
}

TEST(ScanProgress, SilentWhenDisabledAndClearsWhatItShowed) {
  char off[128] = {};
  FILE* f = fmemopen(off, sizeof(off), "w");
  {
    ScanProgress p(f, false, "du /a");
    std::this_thread::sleep_for(std::chrono::milliseconds(210));
    p.Update(5, 5000);
    p.Clear();
  }
  std::fclose(f);
  EXPECT_STREQ(off, "");

  char on[256] = {};
  f = fmemopen(on, sizeof(on), "w");
  {
    ScanProgress p(f, true, "du /a");
    p.Clear();  // nothing shown yet: nothing to erase
    std::this_thread::sleep_for(std::chrono::milliseconds(210));
    p.Update(5, 5000);
    p.Clear();
  }
  std::fclose(f);
  std::string s(on);
  EXPECT_NE(s.find("du /a  5 entries  4.9K"), std::string::npos) << s;
  EXPECT_EQ(s.substr(s.size() - 4), "\r\033[K");
  EXPECT_EQ(s.find("\r\033[K"), 0u);  // each redraw erases the line first
}

}  // namespace
}  // namespace opendfs::cli
