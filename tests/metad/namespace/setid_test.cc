// Writes clear set-id bits (issue 12 item 2): a block commit or an inline
// write marked kill_setid (the writer is not root) clears S_ISUID, and
// S_ISGID when group-exec is set, as Linux's file_remove_privs; an unmarked
// one (root) keeps them. Truncates and ftruncate through a writable handle.
#include "tests/metad/namespace/ns_fixture.h"

namespace opendfs::metad {
namespace {

using C = StatusCode;

class SetidTest : public NsTest {
 protected:
  void SetUp() override {
    pub = MustOk(Mkdir(kRootInode, "pub", 0777));
    f = MustOk(Create(pub, "f", 0644, alice));
  }
  ApplyResult InlineWrite(bool kill) {
    std::vector<records::InlineExtentView> ex{{0, "data"}};
    return Apply(records::WriteInline(f, ex, 4, Tick(), kill));
  }
  InodeId pub = 0, f = 0;
};

TEST_F(SetidTest, InlineWriteByNonRootClearsSetuidAndExecSetgid) {
  ASSERT_TRUE(Chmod(f, 06775, root).status.ok());
  ApplyResult r = InlineWrite(true);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.attr.mode, S_IFREG | 0775u);
}

TEST_F(SetidTest, SetgidWithoutGroupExecStays) {
  ASSERT_TRUE(Chmod(f, 06764, root).status.ok());
  EXPECT_EQ(InlineWrite(true).attr.mode, S_IFREG | 02764u);
}

TEST_F(SetidTest, RootWriteKeepsTheBits) {
  ASSERT_TRUE(Chmod(f, 06775, root).status.ok());
  EXPECT_EQ(InlineWrite(false).attr.mode, S_IFREG | 06775u);
}

TEST_F(SetidTest, BlockCommitByNonRootClearsTheBits) {
  ASSERT_TRUE(Chmod(f, 04755, root).status.ok());
  ApplyResult b = AddBlock(f, 0);
  ASSERT_TRUE(b.status.ok());
  ApplyResult kept = Apply(records::CommitBlock(f, 0, b.block.id, 1, 10, 10, Tick(), {}, false));
  ASSERT_TRUE(kept.status.ok());
  EXPECT_EQ(kept.attr.mode, S_IFREG | 04755u);
  ASSERT_TRUE(Apply(records::BumpBlockVersion(f, 0, b.block.id, 2, Tick())).status.ok());
  ApplyResult r = Apply(records::CommitBlock(f, 0, b.block.id, 2, 20, 20, Tick(), {}, true));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.attr.mode, S_IFREG | 0755u);
}

TEST_F(SetidTest, TruncateByNonRootClearsRootKeeps) {
  ASSERT_TRUE(Chmod(f, 06777, root).status.ok());
  ASSERT_TRUE(Truncate(f, 0, root).status.ok());
  EXPECT_EQ(AttrOf(f).mode, S_IFREG | 06777u);
  ApplyResult r = Truncate(f, 1, bob);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.attr.mode, S_IFREG | 0777u);
}

TEST_F(SetidTest, ChownByNonRootOwnerClears) {
  Cred alice_in_7{1000, 1000, {7}};
  ASSERT_TRUE(Chmod(f, 06775, alice).status.ok());
  records::SetAttrArgs a;
  a.inode = f;
  a.fields = F::Gid;
  a.gid = 7;
  ApplyResult r = SetAttr(a, alice_in_7);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.attr.mode, S_IFREG | 0775u);
}

// ftruncate through a handle opened for writing (the service sets
// OpenForWrite): allowed on a mode-0 file; truncate by path is refused.
TEST_F(SetidTest, HandleAuthorisesTruncateOfAModeZeroFile) {
  const InodeId z = MustOk(Create(pub, "z", 0, bob));
  EXPECT_EQ(Code(Truncate(z, 5, bob)), C::AccessDenied);
  records::SetAttrArgs a;
  a.inode = z;
  a.fields = F::Size | F::OpenForWrite;
  a.size = 5;
  ApplyResult r = SetAttr(a, bob);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.attr.size, 5u);
}

}  // namespace
}  // namespace opendfs::metad
