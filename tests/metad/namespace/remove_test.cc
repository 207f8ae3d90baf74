// unlink, rmdir, orphans (keep_orphan + purge).
#include "tests/metad/namespace/ns_fixture.h"

namespace opendfs::metad {
namespace {

using C = StatusCode;

TEST_F(NsTest, UnlinkFreesBlocksOfTheLastLink) {
  InodeId f = MakeFile(kRootInode, "f", 2 * kBlockSize + 5);
  FileBlocks blocks = *ns.GetBlocks(f, 0, 10);
  ASSERT_EQ(blocks.blocks.size(), 3u);
  ApplyResult r = Unlink(kRootInode, "f");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.freed_inode, f);
  EXPECT_EQ(r.attr.nlink, 0u);
  std::vector<BlockId> want{blocks.blocks[0].id, blocks.blocks[1].id, blocks.blocks[2].id};
  EXPECT_EQ(r.freed_blocks, want);
  EXPECT_EQ(ns.inode_count(), 1u);
  EXPECT_EQ(AttrOf(kRootInode).mtime_ns, now_ns);
}

TEST_F(NsTest, UnlinkErrors) {
  InodeId d = MustOk(Mkdir(kRootInode, "d"));
  MustOk(Create(d, "f"));
  EXPECT_EQ(Code(Unlink(kRootInode, "nope")), C::NotFound);
  EXPECT_EQ(Code(Unlink(kRootInode, "d")), C::IsDir);
  EXPECT_EQ(Code(Unlink(d, "f", alice)), C::AccessDenied);
  EXPECT_EQ(Code(Unlink(d, ".")), C::Invalid);
  EXPECT_EQ(Code(Unlink(12345, "f")), C::NotFound);
  InodeId f = Id(d, "f");
  EXPECT_EQ(Code(Unlink(f, "x")), C::NotDir);
}

TEST_F(NsTest, UnlinkSymlinkFifoAndDevice) {
  MustOk(Symlink(kRootInode, "l", "t"));
  MustOk(Mknod(kRootInode, "p", S_IFIFO | 0644));
  MustOk(Mknod(kRootInode, "c", S_IFCHR | 0644, 5));
  EXPECT_TRUE(Unlink(kRootInode, "l").status.ok());
  EXPECT_TRUE(Unlink(kRootInode, "p").status.ok());
  EXPECT_TRUE(Unlink(kRootInode, "c").status.ok());
  EXPECT_EQ(ns.inode_count(), 1u);
}

TEST_F(NsTest, Rmdir) {
  InodeId d = MustOk(Mkdir(kRootInode, "d"));
  InodeId sub = MustOk(Mkdir(d, "sub"));
  MustOk(Create(sub, "f"));
  EXPECT_EQ(AttrOf(d).nlink, 3u);
  EXPECT_EQ(Code(Rmdir(d, "sub")), C::NotEmpty);
  EXPECT_TRUE(Unlink(sub, "f").status.ok());
  ApplyResult r = Rmdir(d, "sub");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.freed_inode, sub);
  EXPECT_EQ(AttrOf(d).nlink, 2u);
  EXPECT_EQ(Code(ns.GetAttr(sub)), C::NotFound);
  EXPECT_EQ(Code(ns.ReadDir(sub, 0, 10)), C::NotFound);
}

TEST_F(NsTest, RmdirErrors) {
  InodeId d = MustOk(Mkdir(kRootInode, "d"));
  MustOk(Create(kRootInode, "f"));
  EXPECT_EQ(Code(Rmdir(kRootInode, "f")), C::NotDir);
  EXPECT_EQ(Code(Rmdir(kRootInode, "nope")), C::NotFound);
  EXPECT_EQ(Code(Rmdir(kRootInode, "d", alice)), C::AccessDenied);
  EXPECT_EQ(Code(Rmdir(d, ".")), C::Invalid);
  EXPECT_EQ(Code(Rmdir(d, "..")), C::Invalid);
}

TEST_F(NsTest, OrphanKeepsBlocksUntilPurged) {
  InodeId f = MakeFile(kRootInode, "f", kBlockSize + 1);
  ApplyResult r = Unlink(kRootInode, "f", root, /*keep_orphan=*/true);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.orphaned, f);
  EXPECT_EQ(r.freed_inode, 0u);
  EXPECT_TRUE(r.freed_blocks.empty());
  EXPECT_EQ(ns.Orphans(), std::vector<InodeId>{f});
  // Still usable by id: read, write, truncate.
  EXPECT_EQ(AttrOf(f).nlink, 0u);
  EXPECT_EQ(ns.GetBlocks(f, 0, 10)->blocks.size(), 2u);
  ApplyResult add = AddBlock(f, 2);
  ASSERT_TRUE(add.status.ok());
  EXPECT_TRUE(CommitBlock(f, 2, add.block.id, 1, 10).status.ok());
  EXPECT_EQ(Code(Link(f, kRootInode, "back")), C::NotFound);  // no resurrection
  ApplyResult p = Apply(records::Purge(f));
  ASSERT_TRUE(p.status.ok());
  EXPECT_EQ(p.freed_inode, f);
  EXPECT_EQ(p.freed_blocks.size(), 3u);
  EXPECT_TRUE(ns.Orphans().empty());
  EXPECT_EQ(Code(ns.GetAttr(f)), C::NotFound);
  EXPECT_EQ(Code(Apply(records::Purge(f))), C::NotFound);
}

TEST_F(NsTest, PurgeRefusesLinkedInodes) {
  InodeId f = MustOk(Create(kRootInode, "f"));
  EXPECT_EQ(Code(Apply(records::Purge(f))), C::Invalid);
  EXPECT_EQ(Code(Apply(records::Purge(kRootInode))), C::Invalid);
}

TEST_F(NsTest, KeepOrphanOnlyMattersForTheLastLink) {
  InodeId f = MustOk(Create(kRootInode, "f"));
  MustOk(Link(f, kRootInode, "g"));
  ApplyResult r = Unlink(kRootInode, "f", root, true);
  EXPECT_EQ(r.orphaned, 0u);
  EXPECT_TRUE(ns.Orphans().empty());
  EXPECT_EQ(Unlink(kRootInode, "g", root, true).orphaned, f);
}

}  // namespace
}  // namespace opendfs::metad
