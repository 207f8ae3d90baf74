// Extended attributes: flags, NoData, size limits, namespaces, permissions.
#include "tests/metad/namespace/ns_fixture.h"

namespace opendfs::metad {
namespace {

using C = StatusCode;

class XattrTest : public NsTest {
 protected:
  void SetUp() override {
    pub = MustOk(Mkdir(kRootInode, "pub", 0777));
    f = MustOk(Create(pub, "f", 0644, alice));
  }
  InodeId pub = 0, f = 0;
};

TEST_F(XattrTest, SetGetListRemove) {
  ApplyResult r = SetXattr(f, "user.a", "1", 0, alice);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.attr.ctime_ns, now_ns);
  ASSERT_TRUE(SetXattr(f, "user.c", std::string("\0bin\xff", 5), 0, alice).status.ok());
  ASSERT_TRUE(SetXattr(f, "user.b", "", 0, alice).status.ok());
  EXPECT_EQ(*ns.GetXattr(f, "user.a", alice), "1");
  EXPECT_EQ(*ns.GetXattr(f, "user.b", alice), "");
  EXPECT_EQ(*ns.GetXattr(f, "user.c", alice), std::string("\0bin\xff", 5));
  EXPECT_EQ(*ns.ListXattr(f, alice), (std::vector<std::string>{"user.a", "user.b", "user.c"}));
  ASSERT_TRUE(SetXattr(f, "user.a", "2", 0, alice).status.ok());  // plain set replaces
  EXPECT_EQ(*ns.GetXattr(f, "user.a", alice), "2");
  ASSERT_TRUE(RemoveXattr(f, "user.a", alice).status.ok());
  EXPECT_EQ(Code(ns.GetXattr(f, "user.a", alice)), C::NoData);
  EXPECT_EQ(Code(RemoveXattr(f, "user.a", alice)), C::NoData);
  ASSERT_TRUE(RemoveXattr(f, "user.b", alice).status.ok());
  ASSERT_TRUE(RemoveXattr(f, "user.c", alice).status.ok());
  EXPECT_TRUE(ns.ListXattr(f, alice)->empty());
  EXPECT_EQ(Code(ns.GetXattr(f, "user.zz", alice)), C::NoData);
  EXPECT_EQ(Code(ns.GetXattr(999, "user.zz", alice)), C::NotFound);
  EXPECT_EQ(Code(SetXattr(999, "user.zz", "", 0)), C::NotFound);
}

TEST_F(XattrTest, CreateAndReplaceFlags) {
  EXPECT_EQ(Code(SetXattr(f, "user.a", "1", kXattrReplace, alice)), C::NoData);
  EXPECT_TRUE(SetXattr(f, "user.a", "1", kXattrCreate, alice).status.ok());
  EXPECT_EQ(Code(SetXattr(f, "user.a", "2", kXattrCreate, alice)), C::Exists);
  EXPECT_TRUE(SetXattr(f, "user.a", "3", kXattrReplace, alice).status.ok());
  EXPECT_EQ(*ns.GetXattr(f, "user.a", alice), "3");
  EXPECT_EQ(Code(SetXattr(f, "user.a", "3", 8, alice)), C::Invalid);
}

TEST_F(XattrTest, Limits) {
  EXPECT_EQ(Code(SetXattr(f, "user." + std::string(251, 'n'), "v", 0, alice)), C::Range);
  EXPECT_TRUE(SetXattr(f, "user." + std::string(250, 'n'), "v", 0, alice).status.ok());
  EXPECT_EQ(Code(SetXattr(f, "", "v", 0, alice)), C::Range);
  EXPECT_EQ(Code(SetXattr(f, "user.big", std::string(kMaxXattrValueBytes + 1, 'x'), 0, alice)),
            C::TooBig);
  EXPECT_TRUE(SetXattr(f, "user.big", std::string(kMaxXattrValueBytes, 'x'), 0, alice).status.ok());
  EXPECT_EQ(ns.GetXattr(f, "user.big", alice)->size(), kMaxXattrValueBytes);
  // All of an inode's xattrs together are bounded; replacing counts once.
  const std::string v(kMaxXattrValueBytes, 'v');
  int stored = 1;
  for (; stored < 40; ++stored)
    if (!SetXattr(f, "user.v" + std::to_string(stored), v, 0, alice).status.ok()) break;
  EXPECT_EQ(stored, 15);  // 16 values of 64 KiB plus names exceed 1 MiB
  EXPECT_EQ(Code(SetXattr(f, "user.v99", v, 0, alice)), C::NoSpace);
  EXPECT_TRUE(SetXattr(f, "user.v1", v, 0, alice).status.ok());
}

TEST_F(XattrTest, Namespaces) {
  EXPECT_EQ(Code(SetXattr(f, "nonsense", "v", 0, alice)), C::NotSupported);
  EXPECT_EQ(Code(SetXattr(f, "system.other", "v", 0, root)), C::NotSupported);
  EXPECT_EQ(Code(SetXattr(f, "system.posix_acl_access", "v", 0, root)), C::Invalid);
  EXPECT_EQ(Code(ns.GetXattr(f, "system.posix_acl_access", alice)), C::NoData);
  // trusted.* is root's: others cannot write it, read it or see it.
  EXPECT_EQ(Code(SetXattr(f, "trusted.t", "v", 0, alice)), C::NotPermitted);
  ASSERT_TRUE(SetXattr(f, "trusted.t", "v", 0, root).status.ok());
  ASSERT_TRUE(SetXattr(f, "security.s", "v", 0, alice).status.ok());
  EXPECT_EQ(Code(ns.GetXattr(f, "trusted.t", alice)), C::NoData);
  EXPECT_EQ(*ns.GetXattr(f, "trusted.t", root), "v");
  EXPECT_EQ(*ns.ListXattr(f, alice), std::vector<std::string>{"security.s"});
  EXPECT_EQ(*ns.ListXattr(f, root), (std::vector<std::string>{"security.s", "trusted.t"}));
  // user.* only on files and directories.
  InodeId l = MustOk(Symlink(pub, "l", "f", alice));
  EXPECT_EQ(Code(SetXattr(l, "user.x", "v", 0, alice)), C::NotPermitted);
  EXPECT_EQ(Code(ns.GetXattr(l, "user.x", alice)), C::NoData);
  EXPECT_TRUE(SetXattr(pub, "user.x", "v", 0, root).status.ok());
}

TEST_F(XattrTest, Permissions) {
  EXPECT_EQ(Code(SetXattr(f, "user.a", "1", 0, bob)), C::AccessDenied);
  ASSERT_TRUE(SetXattr(f, "user.a", "1", 0, alice).status.ok());
  EXPECT_EQ(*ns.GetXattr(f, "user.a", bob), "1");  // 0644: others read
  ASSERT_TRUE(Chmod(f, 0600, alice).status.ok());
  EXPECT_EQ(Code(ns.GetXattr(f, "user.a", bob)), C::AccessDenied);
  EXPECT_EQ(Code(RemoveXattr(f, "user.a", bob)), C::AccessDenied);
  EXPECT_EQ(*ns.GetXattr(f, "user.a", root), "1");
  // A sticky directory's user xattrs are its owner's even if others may write.
  InodeId tmp = MustOk(Mkdir(kRootInode, "tmp", 01777));
  EXPECT_EQ(Code(SetXattr(tmp, "user.a", "1", 0, bob)), C::NotPermitted);
  EXPECT_TRUE(SetXattr(tmp, "user.a", "1", 0, root).status.ok());
}

TEST_F(XattrTest, FreedWithTheInode) {
  ASSERT_TRUE(SetXattr(f, "user.a", "1", 0, alice).status.ok());
  ASSERT_TRUE(Unlink(pub, "f", alice).status.ok());
  InodeId g = MustOk(Create(pub, "g", 0644, alice));
  EXPECT_TRUE(ns.ListXattr(g, alice)->empty());
  MemoryImage image;
  ASSERT_TRUE(ns.Save(image).ok());  // Save would fail on a dangling table
}

}  // namespace
}  // namespace opendfs::metad
