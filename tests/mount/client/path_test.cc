#include "mount/client/path.h"

#include <gtest/gtest.h>

namespace opendfs::client {
namespace {

using V = std::vector<std::string>;

TEST(SplitPath, NormalisesSlashesDotsAndDotDot) {
  EXPECT_EQ(SplitPath("/"), V{});
  EXPECT_EQ(SplitPath(""), V{});
  EXPECT_EQ(SplitPath("/a//b/./c/"), (V{"a", "b", "c"}));
  EXPECT_EQ(SplitPath("a/b"), (V{"a", "b"}));
  EXPECT_EQ(SplitPath("/a/b/../c"), (V{"a", "c"}));
  EXPECT_EQ(SplitPath("/../../x"), V{"x"});
  EXPECT_EQ(SplitPath("/a/..."), (V{"a", "..."}));
}

TEST(JoinPath, RoundTrips) {
  EXPECT_EQ(JoinPath({}), "/");
  EXPECT_EQ(JoinPath({"a", "b"}), "/a/b");
  EXPECT_EQ(JoinPath(SplitPath("x//y/")), "/x/y");
}

TEST(BaseName, LastComponent) {
  EXPECT_EQ(BaseName("/a/b.txt"), "b.txt");
  EXPECT_EQ(BaseName("/a/b/"), "b");
  EXPECT_EQ(BaseName("/"), "");
}

}  // namespace
}  // namespace opendfs::client
