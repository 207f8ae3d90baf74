// Small files kept inline (EditWriteInline): ranges applied in order with
// zero-filled gaps, size and st_blocks, the move to block 0, truncate, free,
// and the fsimage.
#include <gtest/gtest.h>

#include "tests/metad/namespace/ns_fixture.h"

namespace opendfs::metad {
namespace {

using C = StatusCode;

class InlineTest : public NsTest {
 protected:
  ApplyResult Write(InodeId ino, uint32_t offset, std::string_view data,
                    uint64_t file_size = 0) {
    std::vector<records::InlineExtentView> ex{{offset, data}};
    return Apply(records::WriteInline(ino, ex, file_size, Tick()));
  }
  std::string Data(InodeId ino) {
    Result<FileBlocks> b = ns.GetBlocks(ino, 0, 10);
    EXPECT_TRUE(b.ok());
    return b.ok() ? b->inline_data : std::string();
  }
};

TEST_F(InlineTest, WritesApplyInOrderWithZeroGaps) {
  InodeId f = MustOk(Create(kRootInode, "f"));
  ASSERT_TRUE(Write(f, 0, "hello").status.ok());
  ApplyResult r = Write(f, 8, "xy");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Data(f), std::string("hello\0\0\0xy", 10));
  EXPECT_EQ(r.attr.size, 10u);
  EXPECT_EQ(r.attr.inline_bytes, 10u);
  EXPECT_EQ(r.attr.allocated_bytes, 10u);
  EXPECT_EQ(r.attr.block_count, 0u);
  EXPECT_EQ(r.attr.mtime_ns, now_ns);
  // Several ranges in one record, later ones win.
  std::vector<records::InlineExtentView> ex{{1, "AAA"}, {2, "b"}};
  ASSERT_TRUE(Apply(records::WriteInline(f, ex, 0, Tick())).status.ok());
  EXPECT_EQ(Data(f), std::string("hAbAo\0\0\0xy", 10));
  // The size may run past the data (a hole at the end reads as zeros).
  EXPECT_EQ(Write(f, 0, "H", 4096).attr.size, 4096u);
  EXPECT_EQ(Data(f).size(), 10u);
  // GetBlocks carries the data only from index 0.
  EXPECT_TRUE(ns.GetBlocks(f, 1, 10)->inline_data.empty());
}

TEST_F(InlineTest, Refusals) {
  InodeId d = MustOk(Mkdir(kRootInode, "d"));
  EXPECT_EQ(Code(Write(d, 0, "x")), C::IsDir);
  EXPECT_EQ(Code(Write(999, 0, "x")), C::NotFound);
  InodeId fifo = MustOk(Mknod(kRootInode, "p", S_IFIFO | 0644));
  EXPECT_EQ(Code(Write(fifo, 0, "x")), C::Invalid);
  InodeId f = MustOk(Create(kRootInode, "f"));
  std::string big(kMaxInlineBytes, 'z');
  EXPECT_EQ(Code(Write(f, 1, big)), C::FileTooBig);
  EXPECT_TRUE(Write(f, 0, big).status.ok());
  // A file with blocks takes no inline data: the writer must use blocks.
  InodeId g = MakeFile(kRootInode, "g", 100);
  EXPECT_EQ(Code(Write(g, 0, "x")), C::Stale);
}

TEST_F(InlineTest, DataMovesToBlockZero) {
  InodeId f = MustOk(Create(kRootInode, "f"));
  ASSERT_TRUE(Write(f, 0, "0123456789").status.ok());
  // Only block 0 may be added while the data is inline.
  EXPECT_EQ(Code(AddBlock(f, 1)), C::Stale);
  ApplyResult b = AddBlock(f, 0);
  ASSERT_TRUE(b.status.ok());
  // Until block 0 is committed, readers still get the inline data.
  EXPECT_EQ(Data(f), "0123456789");
  // A commit shorter than the inline data would lose some of it.
  EXPECT_EQ(Code(CommitBlock(f, 0, b.block.id, 1, 5)), C::Stale);
  ApplyResult c = CommitBlock(f, 0, b.block.id, 1, 70000);
  ASSERT_TRUE(c.status.ok());
  EXPECT_EQ(Data(f), "");
  EXPECT_EQ(c.attr.inline_bytes, 0u);
  EXPECT_EQ(c.attr.size, 70000u);
  EXPECT_EQ(Code(Write(f, 0, "x")), C::Stale);
  EXPECT_TRUE(AddBlock(f, 1).status.ok());
}

TEST_F(InlineTest, TruncateCutsAndEmptyFileCanGoInlineAgain) {
  InodeId f = MustOk(Create(kRootInode, "f"));
  ASSERT_TRUE(Write(f, 0, "0123456789").status.ok());
  ASSERT_TRUE(Truncate(f, 4).status.ok());
  EXPECT_EQ(Data(f), "0123");
  ASSERT_TRUE(Truncate(f, 100).status.ok());  // extending adds a hole
  EXPECT_EQ(Data(f), "0123");
  EXPECT_EQ(AttrOf(f).size, 100u);
  ASSERT_TRUE(Truncate(f, 0).status.ok());
  EXPECT_EQ(Data(f), "");
  EXPECT_EQ(AttrOf(f).allocated_bytes, 0u);
  // A file whose blocks were all truncated away is small again.
  InodeId g = MakeFile(kRootInode, "g", 3 * kBlockSize);
  ASSERT_TRUE(Truncate(g, 0).status.ok());
  EXPECT_TRUE(Write(g, 0, "again").status.ok());
  EXPECT_EQ(Data(g), "again");
}

TEST_F(InlineTest, FreedWithTheInodeAndKeptByHardLinks) {
  InodeId f = MustOk(Create(kRootInode, "f"));
  ASSERT_TRUE(Write(f, 0, "data").status.ok());
  ASSERT_TRUE(Link(f, kRootInode, "g").status.ok());
  ASSERT_TRUE(Unlink(kRootInode, "f").status.ok());
  EXPECT_EQ(Data(f), "data");
  ASSERT_TRUE(Unlink(kRootInode, "g").status.ok());
  EXPECT_FALSE(ns.GetBlocks(f, 0, 10).ok());
  // A new file never sees the old data.
  InodeId h = MustOk(Create(kRootInode, "h"));
  EXPECT_EQ(Data(h), "");
}

TEST_F(InlineTest, ExplicitTimesFoldedIntoTheWrite) {
  InodeId f = MustOk(Create(kRootInode, "f", 0666));
  const int64_t atime_before = AttrOf(f).atime_ns;
  std::vector<records::InlineExtentView> ex{{0, "data"}};
  // tar: utimensat(UTIME_OMIT, mtime) while the data is staged.
  ApplyResult r = Apply(records::WriteInlineWithTimes(f, ex, 0, std::nullopt, 1234, root, Tick()));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.attr.mtime_ns, 1234);
  EXPECT_EQ(r.attr.atime_ns, atime_before);
  EXPECT_EQ(r.attr.ctime_ns, now_ns);
  r = Apply(records::WriteInlineWithTimes(f, ex, 0, 77, 88, root, Tick()));
  EXPECT_EQ(r.attr.atime_ns, 77);
  EXPECT_EQ(r.attr.mtime_ns, 88);
  // Explicit times need ownership: a non-owner who may write gets
  // NotPermitted and nothing is written.
  std::vector<records::InlineExtentView> other{{0, "EVIL"}};
  EXPECT_EQ(Code(Apply(records::WriteInlineWithTimes(f, other, 0, 1, 1, bob, Tick()))),
            C::NotPermitted);
  EXPECT_EQ(Data(f), "data");
}

TEST_F(InlineTest, SurvivesTheImageAndReplay) {
  InodeId f = MustOk(Create(kRootInode, "f"));
  ASSERT_TRUE(Write(f, 3, "tail", 50).status.ok());
  MemoryImage image;
  ASSERT_TRUE(ns.Save(image).ok());
  auto reader = image.NewReader();
  Result<std::unique_ptr<Namespace>> loaded = Namespace::Load(reader);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->GetBlocks(f, 0, 1)->inline_data, std::string("\0\0\0tail", 7));
  EXPECT_EQ((*loaded)->GetAttr(f)->size, 50u);
  Namespace replayed;
  for (const std::string& rec : log) ASSERT_TRUE(replayed.ApplyBytes(rec).status.ok());
  EXPECT_EQ(replayed.GetBlocks(f, 0, 1)->inline_data, std::string("\0\0\0tail", 7));
}

}  // namespace
}  // namespace opendfs::metad
