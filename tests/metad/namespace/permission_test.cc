// Permission rules: owner/group/other classes, supplementary groups, search
// permission, sticky directories, root override, setgid directories.
#include "tests/metad/namespace/ns_fixture.h"

namespace opendfs::metad {
namespace {

using C = StatusCode;

TEST_F(NsTest, OwnerGroupOtherClassesAreExclusive) {
  InodeId f = MustOk(Create(kRootInode, "f", 0604));
  ASSERT_TRUE(Chown(f, 1000, 1000).status.ok());  // alice:alice, rw----r--
  EXPECT_TRUE(ns.Access(f, alice, kAccessRead | kAccessWrite).ok());
  EXPECT_EQ(Code(ns.Access(f, alice, kAccessExec)), C::AccessDenied);
  // carol is in group 1000: the group class (---) applies, not other (r--).
  EXPECT_EQ(Code(ns.Access(f, carol, kAccessRead)), C::AccessDenied);
  EXPECT_TRUE(ns.Access(f, bob, kAccessRead).ok());
  EXPECT_EQ(Code(ns.Access(f, bob, kAccessWrite)), C::AccessDenied);
  // The owner class applies even when it grants less than the others.
  ASSERT_TRUE(Chmod(f, 0077).status.ok());
  EXPECT_EQ(Code(ns.Access(f, alice, kAccessRead)), C::AccessDenied);
  EXPECT_TRUE(ns.Access(f, carol, kAccessRead | kAccessWrite | kAccessExec).ok());
  EXPECT_TRUE(ns.Access(f, alice, 0).ok());  // existence only
  EXPECT_EQ(Code(ns.Access(999, alice, 0)), C::NotFound);
}

TEST_F(NsTest, SupplementaryGroupsCount) {
  InodeId f = MustOk(Create(kRootInode, "f", 0640));
  ASSERT_TRUE(Chown(f, 0, 77).status.ok());
  Cred in77{1005, 1005, {3, 77, 9}};
  EXPECT_TRUE(ns.Access(f, in77, kAccessRead).ok());
  EXPECT_EQ(Code(ns.Access(f, bob, kAccessRead)), C::AccessDenied);
  Cred primary77{1005, 77, {}};
  EXPECT_TRUE(ns.Access(f, primary77, kAccessRead).ok());
}

TEST_F(NsTest, RootOverridesExceptExecWithoutAnyXBit) {
  InodeId f = MustOk(Create(kRootInode, "f", 0000));
  ASSERT_TRUE(Chown(f, 1000, 1000).status.ok());
  EXPECT_TRUE(ns.Access(f, root, kAccessRead | kAccessWrite).ok());
  EXPECT_EQ(Code(ns.Access(f, root, kAccessExec)), C::AccessDenied);
  ASSERT_TRUE(Chmod(f, 0001).status.ok());
  EXPECT_TRUE(ns.Access(f, root, kAccessExec).ok());
  InodeId d = MustOk(Mkdir(kRootInode, "d", 0000));
  EXPECT_TRUE(ns.Access(d, root, kAccessExec).ok());  // directories: always
  EXPECT_TRUE(Create(d, "x").status.ok());
}

TEST_F(NsTest, SearchPermissionOnEveryDirectoryWalked) {
  InodeId d = MustOk(Mkdir(kRootInode, "d", 0700, root));
  ASSERT_TRUE(Chown(d, 1000, 1000).status.ok());
  InodeId f = MustOk(Create(d, "f", 0644));
  EXPECT_EQ(ns.Lookup(d, "f", alice)->ino, f);
  EXPECT_EQ(Code(ns.Lookup(d, "f", bob)), C::AccessDenied);
  EXPECT_EQ(Code(ns.Lookup(d, "nope", bob)), C::AccessDenied);  // before NotFound
  EXPECT_EQ(Code(Create(d, "g", 0644, bob)), C::AccessDenied);
  EXPECT_EQ(Code(Unlink(d, "f", bob)), C::AccessDenied);
  EXPECT_EQ(Code(ns.Lookup(d, std::string(256, 'x'), alice)), C::NameTooLong);
  EXPECT_EQ(Code(ns.Lookup(f, "x", alice)), C::NotDir);
  // Search without read: lookups work, the listing is the caller's check.
  ASSERT_TRUE(Chmod(d, 0711).status.ok());
  EXPECT_EQ(ns.Lookup(d, "f", bob)->ino, f);
  EXPECT_EQ(Code(ns.Access(d, bob, kAccessRead)), C::AccessDenied);
}

TEST_F(NsTest, WriteAndSearchNeededOnTheParent) {
  InodeId d = MustOk(Mkdir(kRootInode, "d", 0755));
  ASSERT_TRUE(Chown(d, 1000, 1000).status.ok());
  EXPECT_TRUE(Create(d, "a", 0644, alice).status.ok());
  EXPECT_EQ(Code(Create(d, "b", 0644, bob)), C::AccessDenied);
  EXPECT_EQ(Code(Mkdir(d, "b", 0755, bob)), C::AccessDenied);
  ASSERT_TRUE(Chmod(d, 0775).status.ok());
  EXPECT_TRUE(Create(d, "c", 0644, carol).status.ok());  // via group
  ASSERT_TRUE(Chmod(d, 0666).status.ok());               // write without search
  EXPECT_EQ(Code(Create(d, "e", 0644, carol)), C::AccessDenied);
  EXPECT_EQ(Code(Create(d, "e", 0644, alice)), C::AccessDenied);
}

TEST_F(NsTest, StickyDirectory) {
  InodeId tmp = MustOk(Mkdir(kRootInode, "tmp", 01777));
  ASSERT_TRUE(Chown(tmp, 1002, 1002).status.ok());  // carol owns /tmp
  MustOk(Create(tmp, "alices", 0666, alice));
  MustOk(Create(tmp, "bobs", 0666, bob));
  MustOk(Mkdir(tmp, "alicedir", 0777, alice));
  EXPECT_EQ(Code(Unlink(tmp, "alices", bob)), C::NotPermitted);
  EXPECT_EQ(Code(Rmdir(tmp, "alicedir", bob)), C::NotPermitted);
  EXPECT_TRUE(Unlink(tmp, "bobs", bob).status.ok());          // own file
  EXPECT_TRUE(Unlink(tmp, "alices", carol).status.ok());      // directory owner
  EXPECT_TRUE(Rmdir(tmp, "alicedir", root).status.ok());      // root
}

TEST_F(NsTest, SetgidDirectoryPassesItsGroup) {
  InodeId d = MustOk(Mkdir(kRootInode, "d", 02777));
  ASSERT_TRUE(Chown(d, 0, 500).status.ok());
  ASSERT_TRUE(Chmod(d, 02777).status.ok());
  ApplyResult f = Create(d, "f", 0644, alice);
  EXPECT_EQ(f.attr.gid, 500u);
  EXPECT_EQ(f.attr.mode, S_IFREG | 0644u);
  ApplyResult sub = Mkdir(d, "sub", 0755, alice);
  EXPECT_EQ(sub.attr.gid, 500u);
  EXPECT_EQ(sub.attr.mode, S_IFDIR | 02755u);  // subdirectories inherit setgid
  EXPECT_EQ(Create(sub.attr.ino, "g", 0600, bob).status.code(), C::AccessDenied);
  // A file asking for setgid in a group its creator is not in loses it.
  ApplyResult sg = Create(d, "sg", 02755, alice);
  EXPECT_EQ(sg.attr.mode, S_IFREG | 0755u);
  Cred member{1000, 1000, {500}};
  EXPECT_EQ(Create(d, "sg2", 02755, member).attr.mode, S_IFREG | 02755u);
  // Without setgid the creator's group is used.
  EXPECT_EQ(Create(kRootInode, "plain", 0644, root).attr.gid, 0u);
  InodeId pub = MustOk(Mkdir(kRootInode, "pub", 0777));
  EXPECT_EQ(Create(pub, "x", 0644, bob).attr.gid, 1001u);
}

}  // namespace
}  // namespace opendfs::metad
