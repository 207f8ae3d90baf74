// Block records: add, commit, bump version, holes, GetBlocks paging.
#include "tests/metad/namespace/ns_fixture.h"

namespace opendfs::metad {
namespace {

using C = StatusCode;

TEST_F(NsTest, AddCommitAndGetBlocks) {
  InodeId f = MustOk(Create(kRootInode, "f"));
  ApplyResult a = AddBlock(f, 0);
  ASSERT_TRUE(a.status.ok());
  ASSERT_TRUE(a.has_block);
  EXPECT_EQ(a.block.version, 1u);
  EXPECT_EQ(a.block.length, 0u);
  EXPECT_EQ(a.block.id, ns.max_block_id());
  ApplyResult c = CommitBlock(f, 0, a.block.id, 1, 4096);
  ASSERT_TRUE(c.status.ok());
  EXPECT_EQ(c.attr.size, 4096u);
  EXPECT_EQ(c.attr.mtime_ns, now_ns);
  EXPECT_EQ(c.attr.allocated_bytes, 4096u);
  FileBlocks fb = *ns.GetBlocks(f, 0, 10);
  EXPECT_EQ(fb.size, 4096u);
  EXPECT_EQ(fb.block_size, kBlockSize);
  EXPECT_EQ(fb.block_count, 1u);
  ASSERT_EQ(fb.blocks.size(), 1u);
  EXPECT_EQ(fb.blocks[0], (BlockInfo{a.block.id, 1, 4096}));
}

TEST_F(NsTest, CommitSetsSizeFromTheFurthestByte) {
  InodeId f = MustOk(Create(kRootInode, "f"));
  BlockId b0 = AddBlock(f, 0).block.id;
  BlockId b1 = AddBlock(f, 1).block.id;
  ASSERT_TRUE(CommitBlock(f, 1, b1, 1, 10).status.ok());
  EXPECT_EQ(AttrOf(f).size, kBlockSize + 10u);
  ASSERT_TRUE(CommitBlock(f, 0, b0, 1, kBlockSize).status.ok());
  EXPECT_EQ(AttrOf(f).size, kBlockSize + 10u);  // never shrinks
  // A second write of block 1 (each commit closes the write that a version
  // bump opened).
  ASSERT_TRUE(Apply(records::BumpBlockVersion(f, 1, b1, 2, Tick())).status.ok());
  ASSERT_TRUE(CommitBlock(f, 1, b1, 2, 20, 5 * uint64_t{kBlockSize}).status.ok());
  EXPECT_EQ(AttrOf(f).size, 5u * kBlockSize);  // the writer's size (sparse tail)
}

TEST_F(NsTest, BlockErrors) {
  InodeId f = MustOk(Create(kRootInode, "f"));
  InodeId d = MustOk(Mkdir(kRootInode, "d"));
  InodeId p = MustOk(Mknod(kRootInode, "p", S_IFIFO | 0644));
  EXPECT_EQ(Code(AddBlock(d, 0)), C::IsDir);
  EXPECT_EQ(Code(AddBlock(p, 0)), C::Invalid);
  EXPECT_EQ(Code(AddBlock(999, 0)), C::NotFound);
  BlockId b = AddBlock(f, 0).block.id;
  EXPECT_EQ(Code(AddBlock(f, 0)), C::Exists);
  EXPECT_EQ(Code(Apply(records::AddBlock(f, 1, b, 1))), C::Invalid);  // stale id
  EXPECT_EQ(Code(CommitBlock(f, 0, b + 100, 1, 10)), C::Stale);
  EXPECT_EQ(Code(CommitBlock(f, 3, b, 1, 10)), C::Stale);
  EXPECT_EQ(Code(CommitBlock(f, 0, b, 2, 10)), C::StaleVersion);
  EXPECT_EQ(Code(CommitBlock(f, 0, b, 1, kBlockSize + 1)), C::Invalid);
  EXPECT_EQ(Code(ns.GetBlocks(d, 0, 1)), C::IsDir);
  EXPECT_EQ(Code(ns.GetBlocks(999, 0, 1)), C::NotFound);
  EXPECT_EQ(Code(AddBlock(f, UINT32_MAX)), C::FileTooBig);
  EXPECT_EQ(Code(AddBlock(f, kMaxBlocksPerFile)), C::FileTooBig);
  EXPECT_TRUE(AddBlock(f, kMaxBlocksPerFile - 1).status.ok());  // holes up to it
}

TEST_F(NsTest, BumpVersionForOverwrite) {
  InodeId f = MakeFile(kRootInode, "f", 100);
  BlockId b = ns.GetBlocks(f, 0, 1)->blocks[0].id;
  ApplyResult r = Apply(records::BumpBlockVersion(f, 0, b, 2, Tick()));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.block.version, 2u);
  EXPECT_EQ(Code(Apply(records::BumpBlockVersion(f, 0, b, 2, Tick()))), C::Invalid);
  EXPECT_EQ(Code(Apply(records::BumpBlockVersion(f, 0, b + 1, 3, Tick()))), C::Stale);
  // A commit at the old version is refused; at the new one accepted.
  EXPECT_EQ(Code(CommitBlock(f, 0, b, 1, 200)), C::StaleVersion);
  EXPECT_TRUE(CommitBlock(f, 0, b, 2, 200).status.ok());
  EXPECT_EQ(ns.GetBlocks(f, 0, 1)->blocks[0], (BlockInfo{b, 2, 200}));
}

TEST_F(NsTest, SparseFilesHaveHoles) {
  InodeId f = MustOk(Create(kRootInode, "f"));
  ApplyResult a = AddBlock(f, 3);
  ASSERT_TRUE(a.status.ok());
  FileBlocks fb = *ns.GetBlocks(f, 0, 10);
  ASSERT_EQ(fb.blocks.size(), 4u);
  EXPECT_EQ(fb.blocks[0].id, 0u);
  EXPECT_EQ(fb.blocks[3].id, a.block.id);
  EXPECT_EQ(Code(CommitBlock(f, 1, 0, 0, 10)), C::Stale);  // a hole is no block
  ApplyResult fill = AddBlock(f, 1);
  ASSERT_TRUE(fill.status.ok());  // filling a hole
  EXPECT_EQ(ns.GetBlocks(f, 1, 1)->blocks[0].id, fill.block.id);
  ApplyResult u = Unlink(kRootInode, "f");
  EXPECT_EQ(u.freed_blocks, (std::vector<BlockId>{fill.block.id, a.block.id}));
}

TEST_F(NsTest, GetBlocksPagesAtMostTen) {
  InodeId f = MakeFile(kRootInode, "f", 25 * uint64_t{kBlockSize});
  FileBlocks all = *ns.GetBlocks(f, 0, 100);
  EXPECT_EQ(all.blocks.size(), kMaxBlocksPerLookup);
  EXPECT_EQ(all.block_count, 25u);
  FileBlocks tail = *ns.GetBlocks(f, 20, 10);
  EXPECT_EQ(tail.blocks.size(), 5u);
  EXPECT_EQ(tail.first_index, 20u);
  EXPECT_TRUE(ns.GetBlocks(f, 25, 10)->blocks.empty());
  EXPECT_EQ(ns.GetBlocks(f, 3, 2)->blocks.size(), 2u);
}

}  // namespace
}  // namespace opendfs::metad
