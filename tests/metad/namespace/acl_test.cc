// POSIX ACLs in the namespace (ns_acl.cc): stored with validation, the mode
// kept in step both ways, set by the owner or root only, inherited from a
// directory's default ACL with the umask ignored, enforced by every
// permission check, and kept by the fsimage.
#include <gtest/gtest.h>

#include "metad/namespace/posix_acl.h"
#include "tests/metad/namespace/ns_fixture.h"

namespace opendfs::metad {
namespace {

using C = StatusCode;
using acl::Acl;
constexpr uint32_t U = acl::kUndefinedId;
constexpr const char* kAccess = "system.posix_acl_access";
constexpr const char* kDefault = "system.posix_acl_default";

// u::rw-, u:<uid>:<perm>, g::r--, m::<mask>, o::---
std::string NamedUser(uint32_t uid, uint16_t perm, uint16_t mask) {
  return acl::Serialize({{acl::kUserObj, 6, U}, {acl::kUser, perm, uid},
                         {acl::kGroupObj, 4, U}, {acl::kMask, mask, U},
                         {acl::kOther, 0, U}});
}

class AclTest : public NsTest {
 protected:
  void SetUp() override {
    dir = MustOk(Mkdir(kRootInode, "d", 0777));
    f = MustOk(Create(dir, "f", 0600, alice));
  }
  Acl StoredAcl(InodeId ino, const char* name = kAccess) {
    Result<std::string> v = ns.GetXattr(ino, name, bob);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    Result<Acl> a = acl::Parse(v.ok() ? *v : "");
    return a.ok() ? *a : Acl{};
  }
  InodeId dir = 0, f = 0;
};

TEST_F(AclTest, NamedUserGetsAccessOthersDoNot) {
  EXPECT_EQ(Code(ns.Access(f, bob, kAccessRead)), C::AccessDenied);
  ASSERT_TRUE(SetXattr(f, kAccess, NamedUser(bob.uid, 6, 6), 0, alice).status.ok());
  EXPECT_TRUE(ns.Access(f, bob, kAccessRead | kAccessWrite).ok());
  EXPECT_TRUE(ns.Access(f, carol, kAccessRead).ok());  // owning group: r--
  EXPECT_EQ(Code(ns.Access(f, carol, kAccessWrite)), C::AccessDenied);
  const Cred dave{1003, 1003, {}};
  EXPECT_EQ(Code(ns.Access(f, dave, kAccessRead)), C::AccessDenied);
  EXPECT_EQ(AttrOf(f).mode & 0777, 0660u);  // group bits = the mask
}

TEST_F(AclTest, MaskLimitsNamedEntries) {
  ASSERT_TRUE(SetXattr(f, kAccess, NamedUser(bob.uid, 6, 4), 0, alice).status.ok());
  EXPECT_TRUE(ns.Access(f, bob, kAccessRead).ok());
  EXPECT_EQ(Code(ns.Access(f, bob, kAccessWrite)), C::AccessDenied);
  EXPECT_EQ(AttrOf(f).mode & 0777, 0640u);
}

TEST_F(AclTest, NamedGroupAndSearchPermission) {
  // Directory 0700 of alice with g:1001:r-x: bob (group 1001) may look up.
  InodeId p = MustOk(Mkdir(dir, "p", 0700, alice));
  MustOk(Create(p, "x", 0644, alice));
  EXPECT_EQ(Code(ns.Lookup(p, "x", bob)), C::AccessDenied);
  Acl a = {{acl::kUserObj, 7, U}, {acl::kGroupObj, 0, U}, {acl::kGroup, 5, 1001},
           {acl::kMask, 5, U},    {acl::kOther, 0, U}};
  ASSERT_TRUE(SetXattr(p, kAccess, acl::Serialize(a), 0, alice).status.ok());
  EXPECT_TRUE(ns.Lookup(p, "x", bob).ok());
  EXPECT_EQ(Code(Create(p, "y", 0644, bob)), C::AccessDenied);  // no w
}

TEST_F(AclTest, BadBlobIsInvalidAndChangesNothing) {
  EXPECT_EQ(Code(SetXattr(f, kAccess, "junk", 0, alice)), C::Invalid);
  Acl no_mask = {{acl::kUserObj, 6, U}, {acl::kUser, 6, 1001}, {acl::kGroupObj, 4, U},
                 {acl::kOther, 0, U}};
  EXPECT_EQ(Code(SetXattr(f, kAccess, acl::Serialize(no_mask), 0, alice)), C::Invalid);
  EXPECT_EQ(AttrOf(f).mode & 0777, 0600u);
  EXPECT_EQ(Code(ns.GetXattr(f, kAccess, alice)), C::NoData);
}

TEST_F(AclTest, OnlyOwnerOrRootMaySet) {
  EXPECT_EQ(Code(SetXattr(f, kAccess, NamedUser(bob.uid, 6, 6), 0, bob)), C::NotPermitted);
  EXPECT_EQ(Code(RemoveXattr(f, kAccess, bob)), C::NotPermitted);
  EXPECT_TRUE(SetXattr(f, kAccess, NamedUser(bob.uid, 6, 6), 0, root).status.ok());
  EXPECT_TRUE(RemoveXattr(f, kAccess, alice).status.ok());
  // Removing what is not there succeeds, as on ext4.
  EXPECT_TRUE(RemoveXattr(f, kAccess, alice).status.ok());
}

TEST_F(AclTest, MinimalAclIsJustTheMode) {
  ASSERT_TRUE(SetXattr(f, kAccess, acl::Serialize(acl::FromMode(0754)), 0, alice).status.ok());
  EXPECT_EQ(AttrOf(f).mode, S_IFREG | 0754u);
  EXPECT_EQ(Code(ns.GetXattr(f, kAccess, alice)), C::NoData);
  EXPECT_TRUE(ns.ListXattr(f, alice)->empty());
}

TEST_F(AclTest, SettingAnAclOutsideTheGroupDropsSetgid) {
  InodeId g = MustOk(Create(dir, "g", 02755, root));
  MustOk(Chown(g, alice.uid, 50));
  MustOk(Chmod(g, 02755, root));
  ASSERT_TRUE(SetXattr(g, kAccess, NamedUser(bob.uid, 6, 7), 0, alice).status.ok());
  EXPECT_EQ(AttrOf(g).mode & 07777, 0670u);
}

TEST_F(AclTest, ChmodRewritesMaskOwnerAndOther) {
  ASSERT_TRUE(SetXattr(f, kAccess, NamedUser(bob.uid, 7, 7), 0, alice).status.ok());
  MustOk(Chmod(f, 0604, alice));
  const Acl want = {{acl::kUserObj, 6, U}, {acl::kUser, 7, bob.uid}, {acl::kGroupObj, 4, U},
                    {acl::kMask, 0, U},    {acl::kOther, 4, U}};
  EXPECT_EQ(StoredAcl(f), want);
  // Mask --- : Linux then judges by the mode bits alone (bob: other r--).
  EXPECT_TRUE(ns.Access(f, bob, kAccessRead).ok());
  EXPECT_EQ(Code(ns.Access(f, bob, kAccessWrite)), C::AccessDenied);
  MustOk(Chmod(f, 0620, alice));
  EXPECT_TRUE(ns.Access(f, bob, kAccessWrite).ok());  // named u rwx & mask -w-
  EXPECT_EQ(Code(ns.Access(f, bob, kAccessRead)), C::AccessDenied);
}

TEST_F(AclTest, DefaultAclOnlyOnDirectories) {
  const std::string d = NamedUser(bob.uid, 7, 7);
  EXPECT_EQ(Code(SetXattr(f, kDefault, d, 0, alice)), C::AccessDenied);
  EXPECT_TRUE(RemoveXattr(f, kDefault, alice).status.ok());
  InodeId l = MustOk(Symlink(dir, "l", "f", alice));
  EXPECT_EQ(Code(SetXattr(l, kAccess, d, 0, alice)), C::NotSupported);
}

TEST_F(AclTest, ChildrenInheritTheDefaultWithoutTheUmask) {
  // Default: u::rwx, u:bob:rwx, g::r-x, m::rwx, o::r-x.
  Acl d = {{acl::kUserObj, 7, U}, {acl::kUser, 7, bob.uid}, {acl::kGroupObj, 5, U},
           {acl::kMask, 7, U},    {acl::kOther, 5, U}};
  ASSERT_TRUE(SetXattr(dir, kDefault, acl::Serialize(d), 0, root).status.ok());
  records::CreateArgs a{dir, "n", next_inode(), S_IFREG | 0666, 0, true, kBlockSize, 3, 077};
  InodeId n = MustOk(Apply(records::Create(a, alice, Tick())));
  EXPECT_EQ(AttrOf(n).mode, S_IFREG | 0664u);  // umask 077 ignored
  const Acl want = {{acl::kUserObj, 6, U}, {acl::kUser, 7, bob.uid}, {acl::kGroupObj, 5, U},
                    {acl::kMask, 6, U},    {acl::kOther, 4, U}};
  EXPECT_EQ(StoredAcl(n), want);
  EXPECT_TRUE(ns.Access(n, bob, kAccessWrite).ok());
  InodeId sub = MustOk(Apply(records::Mkdir(dir, "sub", next_inode(), 0777, alice, Tick(), 077)));
  EXPECT_EQ(AttrOf(sub).mode, S_IFDIR | 0775u);
  EXPECT_EQ(StoredAcl(sub, kDefault), d);
  EXPECT_EQ(StoredAcl(sub), d);
  // Grandchildren inherit through the copied default.
  InodeId gc = MustOk(Apply(records::Mkdir(sub, "gc", next_inode(), 0700, alice, Tick(), 022)));
  EXPECT_EQ(AttrOf(gc).mode, S_IFDIR | 0700u);
  EXPECT_EQ(StoredAcl(gc, kDefault), d);
  // Symlinks take nothing.
  InodeId l = MustOk(Symlink(dir, "l", "n", alice));
  EXPECT_TRUE(ns.ListXattr(l, alice)->empty());
}

TEST_F(AclTest, UmaskAppliesWithoutADefaultAcl) {
  records::CreateArgs a{dir, "n", next_inode(), S_IFREG | 0666, 0, true, kBlockSize, 3, 027};
  EXPECT_EQ(AttrOf(MustOk(Apply(records::Create(a, alice, Tick())))).mode, S_IFREG | 0640u);
  InodeId sub = MustOk(Apply(records::Mkdir(dir, "s", next_inode(), 0777, alice, Tick(), 022)));
  EXPECT_EQ(AttrOf(sub).mode, S_IFDIR | 0755u);
}

TEST_F(AclTest, FsimageKeepsAcls) {
  ASSERT_TRUE(SetXattr(f, kAccess, NamedUser(bob.uid, 6, 6), 0, alice).status.ok());
  MemoryImage image;
  ASSERT_TRUE(ns.Save(image).ok());
  auto reader = image.NewReader();
  Result<std::unique_ptr<Namespace>> loaded = Namespace::Load(reader);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE((*loaded)->Access(f, bob, kAccessWrite).ok());
  EXPECT_EQ(*(*loaded)->GetXattr(f, kAccess, bob), NamedUser(bob.uid, 6, 6));
}

}  // namespace
}  // namespace opendfs::metad
