// POSIX ACL format and the Linux access algorithm (metad/namespace/posix_acl.h).
#include "metad/namespace/posix_acl.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

namespace opendfs::metad::acl {
namespace {

constexpr uint32_t U = kUndefinedId;

Acl Sample() {  // u::rw-, u:1001:rwx, g::r--, g:7:rw-, m::rw-, o::---
  return {{kUserObj, 6, U}, {kUser, 7, 1001}, {kGroupObj, 4, U},
          {kGroup, 6, 7},   {kMask, 6, U},    {kOther, 0, U}};
}

TEST(PosixAcl, RoundTripsTheLinuxFormat) {
  std::string bytes = Serialize(Sample());
  ASSERT_EQ(bytes.size(), 4u + 6 * 8);
  EXPECT_EQ(bytes[0], 2);  // version 2, little endian
  EXPECT_EQ(bytes[4 + 8], 0x02);  // second entry: ACL_USER
  Result<Acl> back = Parse(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, Sample());
}

TEST(PosixAcl, RejectsMalformed) {
  EXPECT_FALSE(Parse("").ok());
  EXPECT_FALSE(Parse(std::string("\x01\0\0\0", 4)).ok());  // version 1
  std::string b = Serialize(Sample());
  EXPECT_FALSE(Parse(b.substr(0, b.size() - 1)).ok());
  Acl no_mask = Sample();
  no_mask.erase(no_mask.begin() + 4);
  EXPECT_FALSE(Parse(Serialize(no_mask)).ok());  // named entries need a mask
  Acl dup = Sample();
  dup.insert(dup.begin() + 1, Entry{kUser, 1, 1001});
  EXPECT_FALSE(Parse(Serialize(dup)).ok());
  Acl bad_perm = Sample();
  bad_perm[0].perm = 8;
  EXPECT_FALSE(Parse(Serialize(bad_perm)).ok());
  EXPECT_FALSE(Parse(Serialize({{kUserObj, 6, U}, {kOther, 0, U}})).ok());  // no group
}

TEST(PosixAcl, NamedEntriesNeedAnId) {
  Acl a = Sample();
  a[1].id = U;
  EXPECT_FALSE(Parse(Serialize(a)).ok());
}

TEST(PosixAcl, InheritLimitsAclAndModeByEachOther) {
  // Default u::rwx, u:1001:rwx, g::r-x, m::rwx, o::r-x; create mode 0640.
  const Acl d = {{kUserObj, 7, U}, {kUser, 7, 1001}, {kGroupObj, 5, U},
                 {kMask, 7, U},    {kOther, 5, U}};
  uint32_t mode = S_IFREG | 0640;
  Acl a = Inherit(d, &mode);
  EXPECT_EQ(mode, S_IFREG | 0640u);  // group bits = the mask: rwx & r-- (from 0640)
  const Acl want = {{kUserObj, 6, U}, {kUser, 7, 1001}, {kGroupObj, 5, U},
                    {kMask, 4, U},    {kOther, 0, U}};
  EXPECT_EQ(a, want);
  // Without a mask the group entry takes the group bits; the default's
  // entries limit the mode too (the umask is not involved at all).
  uint32_t m2 = S_IFDIR | S_ISGID | 0777;
  Acl b = Inherit({{kUserObj, 7, U}, {kGroupObj, 5, U}, {kOther, 0, U}}, &m2);
  EXPECT_EQ(m2, S_IFDIR | S_ISGID | 0750u);
  EXPECT_TRUE(IsMinimal(b));
  EXPECT_EQ(ModeBits(b), 0750u);
}

TEST(PosixAcl, LinuxAccessAlgorithm) {
  const Acl a = Sample();  // file owned by 1000:1000
  auto ok = [&](const Cred& c, int mask) { return Permits(a, 1000, 1000, c, mask); };
  EXPECT_TRUE(ok(Cred{1000, 1000, {}}, kAccessRead | kAccessWrite));
  EXPECT_FALSE(ok(Cred{1000, 1000, {}}, kAccessExec));       // owner entry only
  EXPECT_TRUE(ok(Cred{1001, 50, {}}, kAccessWrite));         // named user
  EXPECT_FALSE(ok(Cred{1001, 50, {}}, kAccessExec));         // limited by the mask
  EXPECT_TRUE(ok(Cred{2000, 1000, {}}, kAccessRead));        // owning group
  EXPECT_FALSE(ok(Cred{2000, 1000, {}}, kAccessWrite));
  EXPECT_TRUE(ok(Cred{2000, 50, {7}}, kAccessWrite));        // named group
  EXPECT_FALSE(ok(Cred{2000, 50, {}}, kAccessRead));         // other: ---
  // In a matching group that does not grant: denied, not "other".
  Acl g = {{kUserObj, 7, U}, {kGroupObj, 0, U}, {kOther, 7, U}};
  EXPECT_FALSE(Permits(g, 1, 1, Cred{2, 1, {}}, kAccessRead));
  EXPECT_TRUE(Permits(g, 1, 1, Cred{2, 3, {}}, kAccessRead));
}

TEST(PosixAcl, ModeSync) {
  EXPECT_EQ(ModeBits(Sample()), 0660u);  // group bits show the mask
  EXPECT_EQ(ModeBits(FromMode(0754)), 0754u);
  EXPECT_TRUE(IsMinimal(FromMode(0754)));
  EXPECT_FALSE(IsMinimal(Sample()));
  Acl c = WithMode(Sample(), 0705);
  EXPECT_EQ(ModeBits(c), 0705u);
  EXPECT_EQ(c[2].perm, 4);  // the group entry is kept; the mask changed
  EXPECT_EQ(WithMode(FromMode(0644), 0750), FromMode(0750));
}

}  // namespace
}  // namespace opendfs::metad::acl
