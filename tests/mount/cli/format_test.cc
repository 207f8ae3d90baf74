#include "mount/cli/format.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

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

TEST(JsonString, Escapes) {
  EXPECT_EQ(JsonString("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
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

}  // namespace
}  // namespace opendfs::cli
