// setattr: chmod, chown, truncate, times, replication, and their permission
// rules (including the clearing of setuid/setgid bits).
#include "tests/metad/namespace/ns_fixture.h"

namespace opendfs::metad {
namespace {

using C = StatusCode;

class SetAttrTest : public NsTest {
 protected:
  void SetUp() override {
    pub = MustOk(Mkdir(kRootInode, "pub", 0777));
    f = MustOk(Create(pub, "f", 0644, alice));
  }
  ApplyResult Times(InodeId ino, F fields, int64_t atime, int64_t mtime, const Cred& c) {
    records::SetAttrArgs a;
    a.inode = ino;
    a.fields = fields;
    a.atime_ns = atime;
    a.mtime_ns = mtime;
    return SetAttr(a, c);
  }
  InodeId pub = 0, f = 0;
};

TEST_F(SetAttrTest, ChmodByOwnerOrRoot) {
  ApplyResult r = Chmod(f, 0600, alice);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.attr.mode, S_IFREG | 0600u);
  EXPECT_EQ(r.attr.ctime_ns, now_ns);
  EXPECT_EQ(Code(Chmod(f, 0777, bob)), C::NotPermitted);
  EXPECT_TRUE(Chmod(f, 04755, root).status.ok());
  EXPECT_EQ(AttrOf(f).mode, S_IFREG | 04755u);
  EXPECT_EQ(Code(Chmod(12345, 0, root)), C::NotFound);
}

TEST_F(SetAttrTest, ChmodSetgidOutsideTheGroupIsDropped) {
  ASSERT_TRUE(Chown(f, 1000, 50, root).status.ok());  // group alice is not in
  EXPECT_EQ(Chmod(f, 02755, alice).attr.mode, S_IFREG | 0755u);
  ASSERT_TRUE(Chown(f, 1000, 1000, root).status.ok());
  EXPECT_EQ(Chmod(f, 02755, alice).attr.mode, S_IFREG | 02755u);
}

TEST_F(SetAttrTest, ChownRules) {
  EXPECT_EQ(Code(Chown(f, 1001, 1000, alice)), C::NotPermitted);  // give away
  EXPECT_TRUE(Chown(f, 1000, 1000, alice).status.ok());          // same owner
  // The owner may pick a group it belongs to, nothing else.
  Cred alice_in_7{1000, 1000, {7}};
  records::SetAttrArgs a;
  a.inode = f;
  a.fields = F::Gid;
  a.gid = 7;
  EXPECT_TRUE(SetAttr(a, alice_in_7).status.ok());
  EXPECT_EQ(AttrOf(f).gid, 7u);
  a.gid = 8;
  EXPECT_EQ(Code(SetAttr(a, alice_in_7)), C::NotPermitted);
  EXPECT_EQ(Code(SetAttr(a, bob)), C::NotPermitted);
  EXPECT_TRUE(Chown(f, 1001, 1001, root).status.ok());
  EXPECT_EQ(AttrOf(f).uid, 1001u);
}

TEST_F(SetAttrTest, ChownClearsSetuidAndSetgidOfFiles) {
  ASSERT_TRUE(Chmod(f, 06755, root).status.ok());
  EXPECT_EQ(Chown(f, 1001, 1001, root).attr.mode, S_IFREG | 0755u);
  ASSERT_TRUE(Chmod(f, 02745, root).status.ok());  // setgid without group exec stays
  EXPECT_EQ(Chown(f, 1000, 1000, root).attr.mode, S_IFREG | 02745u);
  InodeId d = MustOk(Mkdir(pub, "d", 02755));
  EXPECT_EQ(Chown(d, 1000, 1000, root).attr.mode, S_IFDIR | 02755u);  // dirs keep it
}

TEST_F(SetAttrTest, TruncateNeedsWritePermission) {
  EXPECT_EQ(Code(Truncate(f, 0, bob)), C::AccessDenied);
  records::SetAttrArgs a;
  a.inode = f;
  a.fields = F::Size | F::OpenForWrite;
  a.size = 7;
  EXPECT_TRUE(SetAttr(a, bob).status.ok());  // ftruncate on a handle open for writing
  EXPECT_EQ(AttrOf(f).size, 7u);
  EXPECT_EQ(AttrOf(f).mtime_ns, now_ns);
  EXPECT_EQ(Code(Truncate(pub, 0)), C::IsDir);
  InodeId p = MustOk(Mknod(pub, "p", S_IFIFO | 0666));
  EXPECT_EQ(Code(Truncate(p, 0)), C::Invalid);
}

TEST_F(SetAttrTest, TruncateByNonRootClearsSetuid) {
  ASSERT_TRUE(Chmod(f, 06755, root).status.ok());
  EXPECT_EQ(Truncate(f, 0, alice).attr.mode, S_IFREG | 0755u);
  ASSERT_TRUE(Chmod(f, 06755, root).status.ok());
  EXPECT_EQ(Truncate(f, 0, root).attr.mode, S_IFREG | 06755u);
}

TEST_F(SetAttrTest, TruncateDropsAndShortensBlocks) {
  InodeId g = MakeFile(pub, "g", 3 * kBlockSize);
  FileBlocks before = *ns.GetBlocks(g, 0, 10);
  ApplyResult r = Truncate(g, kBlockSize + 100);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.freed_blocks, std::vector<BlockId>{before.blocks[2].id});
  ASSERT_TRUE(r.has_block);
  EXPECT_EQ(r.block_index, 1u);
  EXPECT_EQ(r.block.id, before.blocks[1].id);
  EXPECT_EQ(r.block.length, 100u);
  FileBlocks after = *ns.GetBlocks(g, 0, 10);
  EXPECT_EQ(after.size, kBlockSize + 100u);
  ASSERT_EQ(after.blocks.size(), 2u);
  EXPECT_EQ(after.blocks[0].length, kBlockSize);
  EXPECT_EQ(after.blocks[1].length, 100u);
  EXPECT_EQ(r.attr.allocated_bytes, kBlockSize + 100u);

  // At a block boundary nothing is shortened.
  ApplyResult exact = Truncate(g, kBlockSize);
  EXPECT_EQ(exact.freed_blocks, std::vector<BlockId>{before.blocks[1].id});
  EXPECT_FALSE(exact.has_block);
  // Growing is sparse: no blocks added.
  ApplyResult grow = Truncate(g, 10 * uint64_t{kBlockSize});
  EXPECT_TRUE(grow.freed_blocks.empty());
  EXPECT_EQ(ns.GetBlocks(g, 0, 10)->blocks.size(), 1u);
  EXPECT_EQ(AttrOf(g).size, 10u * kBlockSize);
  ApplyResult zero = Truncate(g, 0);
  EXPECT_EQ(zero.freed_blocks, std::vector<BlockId>{before.blocks[0].id});
  EXPECT_EQ(ns.GetBlocks(g, 0, 10)->block_count, 0u);
  EXPECT_EQ(Code(Truncate(g, uint64_t{1} << 61)), C::FileTooBig);
}

TEST_F(SetAttrTest, TruncateToSameSizeDropsUncommittedBlocks) {
  ApplyResult b = AddBlock(f, 0);  // allocated, never committed: size stays 0
  ASSERT_TRUE(b.status.ok());
  ApplyResult r = Truncate(f, 0, alice);  // open(O_TRUNC)
  EXPECT_EQ(r.freed_blocks, std::vector<BlockId>{b.block.id});
}

TEST_F(SetAttrTest, ExplicitTimesNeedOwnership) {
  ApplyResult r = Times(f, F::Atime | F::Mtime, 111, 222, alice);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.attr.atime_ns, 111);
  EXPECT_EQ(r.attr.mtime_ns, 222);
  EXPECT_EQ(r.attr.ctime_ns, now_ns);
  ASSERT_TRUE(Chmod(f, 0666, alice).status.ok());
  EXPECT_EQ(Code(Times(f, F::Mtime, 5, 5, bob)), C::NotPermitted);
  // "now" needs ownership or write permission.
  EXPECT_TRUE(Times(f, F::Atime | F::AtimeNow | F::Mtime | F::MtimeNow, 7, 7, bob).status.ok());
  ASSERT_TRUE(Chmod(f, 0644, alice).status.ok());
  EXPECT_EQ(Code(Times(f, F::Atime | F::AtimeNow | F::Mtime | F::MtimeNow, 7, 7, bob)),
            C::AccessDenied);
  // Only one of the two set, keeps the other.
  ApplyResult only_a = Times(f, F::Atime, 333, 0, alice);
  EXPECT_EQ(only_a.attr.atime_ns, 333);
  EXPECT_EQ(only_a.attr.mtime_ns, 7);
}

TEST_F(SetAttrTest, Replication) {
  records::SetAttrArgs a;
  a.inode = f;
  a.fields = F::Replication;
  a.replication = 5;
  EXPECT_EQ(SetAttr(a, alice).attr.replication, 5u);
  EXPECT_EQ(Code(SetAttr(a, bob)), C::NotPermitted);
  a.replication = 0;
  EXPECT_EQ(Code(SetAttr(a, alice)), C::Invalid);
  // A directory keeps a goal for what is created in it; a new
  // subdirectory inherits it.
  a.inode = pub;
  a.replication = 2;
  EXPECT_EQ(SetAttr(a, root).attr.replication, 2u);
  EXPECT_EQ(AttrOf(MustOk(Mkdir(pub, "sub"))).replication, 2u);
  a.inode = MustOk(Symlink(pub, "l", "f"));
  EXPECT_EQ(Code(SetAttr(a, root)), C::Invalid);
}

TEST_F(SetAttrTest, FailedSetAttrChangesNothing) {
  Attr before = AttrOf(f);
  records::SetAttrArgs a;
  a.inode = f;
  a.fields = F::Mode | F::Uid;  // mode alone would pass, uid does not
  a.mode = 0600;
  a.uid = 0;
  EXPECT_EQ(Code(SetAttr(a, alice)), C::NotPermitted);
  EXPECT_EQ(AttrOf(f), before);
}

}  // namespace
}  // namespace opendfs::metad
