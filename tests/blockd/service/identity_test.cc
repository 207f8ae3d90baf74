// The blockd uuid: created once, the same after a reload, never silently
// replaced when the file is damaged.
#include "blockd/metad_link/identity.h"

#include <gtest/gtest.h>

#include "service_test_util.h"

namespace opendfs::blockd {
namespace {

TEST(Identity, CreatedOnceThenReloaded) {
  testing::TempDir tmp;
  Result<std::string> a = LoadOrCreateUuid(tmp.Sub("d"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_TRUE(IsValidUuid(*a));
  Result<std::string> b = LoadOrCreateUuid(tmp.Sub("d"));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, NewUuid());
}

TEST(Identity, MalformedFileIsAnError) {
  testing::TempDir tmp;
  testing::WriteFile(tmp.Sub(kUuidFileName), "not-a-uuid\n");
  Result<std::string> a = LoadOrCreateUuid(tmp.path());
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::Corrupt);
  EXPECT_EQ(testing::ReadFile(tmp.Sub(kUuidFileName)), "not-a-uuid\n");
}

}  // namespace
}  // namespace opendfs::blockd
