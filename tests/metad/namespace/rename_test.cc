// rename corner cases: over files and empty dirs, type mismatches, own
// subtree, NOREPLACE, EXCHANGE, hard links to the same inode, link counts,
// ctimes, sticky directories, orphans of replaced targets.
#include "tests/metad/namespace/ns_fixture.h"

namespace opendfs::metad {
namespace {

using C = StatusCode;

TEST_F(NsTest, RenameWithinAndAcrossDirectories) {
  InodeId a = MustOk(Mkdir(kRootInode, "a"));
  InodeId b = MustOk(Mkdir(kRootInode, "b"));
  InodeId f = MustOk(Create(a, "f"));
  ApplyResult r = Rename(a, "f", a, "g");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.attr.ino, f);
  EXPECT_EQ(r.attr.ctime_ns, now_ns);
  EXPECT_EQ(Names(a), std::vector<std::string>{"g"});
  ASSERT_TRUE(Rename(a, "g", b, "h").status.ok());
  EXPECT_TRUE(Names(a).empty());
  EXPECT_EQ(Id(b, "h"), f);
  EXPECT_EQ(AttrOf(a).mtime_ns, now_ns);
  EXPECT_EQ(AttrOf(b).mtime_ns, now_ns);
}

TEST_F(NsTest, RenameDirectoryMovesParentLinks) {
  InodeId a = MustOk(Mkdir(kRootInode, "a"));
  InodeId b = MustOk(Mkdir(kRootInode, "b"));
  InodeId d = MustOk(Mkdir(a, "d"));
  EXPECT_EQ(AttrOf(a).nlink, 3u);
  ASSERT_TRUE(Rename(a, "d", b, "d").status.ok());
  EXPECT_EQ(AttrOf(a).nlink, 2u);
  EXPECT_EQ(AttrOf(b).nlink, 3u);
  EXPECT_EQ(ns.Lookup(d, "..", root)->ino, b);
}

TEST_F(NsTest, RenameOverFileFreesOrKeepsIt) {
  InodeId f = MakeFile(kRootInode, "f", 10);
  InodeId g = MakeFile(kRootInode, "g", 10);
  BlockId gblock = ns.GetBlocks(g, 0, 1)->blocks[0].id;
  ApplyResult r = Rename(kRootInode, "f", kRootInode, "g");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.attr.ino, f);
  EXPECT_EQ(r.freed_inode, g);
  EXPECT_EQ(r.freed_blocks, std::vector<BlockId>{gblock});
  EXPECT_EQ(Id(kRootInode, "g"), f);
  EXPECT_EQ(Names(kRootInode), std::vector<std::string>{"g"});

  InodeId h = MustOk(Create(kRootInode, "h"));
  ApplyResult k = Rename(kRootInode, "g", kRootInode, "h", 0, root, /*keep_orphan=*/true);
  ASSERT_TRUE(k.status.ok());
  EXPECT_EQ(k.orphaned, h);
  EXPECT_EQ(ns.Orphans(), std::vector<InodeId>{h});
}

TEST_F(NsTest, RenameOverEmptyDirectory) {
  InodeId a = MustOk(Mkdir(kRootInode, "a"));
  InodeId b = MustOk(Mkdir(kRootInode, "b"));
  EXPECT_EQ(AttrOf(kRootInode).nlink, 4u);
  ApplyResult r = Rename(kRootInode, "a", kRootInode, "b");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.freed_inode, b);
  EXPECT_EQ(Id(kRootInode, "b"), a);
  EXPECT_EQ(AttrOf(kRootInode).nlink, 3u);
}

TEST_F(NsTest, RenameTypeAndEmptinessRules) {
  InodeId a = MustOk(Mkdir(kRootInode, "a"));
  MustOk(Mkdir(kRootInode, "b"));
  MustOk(Create(kRootInode, "f"));
  MustOk(Create(a, "inside"));
  EXPECT_EQ(Code(Rename(kRootInode, "b", kRootInode, "f")), C::NotDir);
  EXPECT_EQ(Code(Rename(kRootInode, "f", kRootInode, "b")), C::IsDir);
  EXPECT_EQ(Code(Rename(kRootInode, "b", kRootInode, "a")), C::NotEmpty);
  EXPECT_EQ(Code(Rename(kRootInode, "nope", kRootInode, "x")), C::NotFound);
  EXPECT_EQ(Code(Rename(kRootInode, "f", 9999, "x")), C::NotFound);
  EXPECT_EQ(Code(Rename(kRootInode, "f", Id(kRootInode, "f"), "x")), C::NotDir);
  EXPECT_EQ(Code(Rename(kRootInode, "f", kRootInode, "..")), C::Invalid);
  EXPECT_EQ(Code(Rename(kRootInode, "f", kRootInode, std::string(256, 'x'))), C::NameTooLong);
  EXPECT_EQ(Code(Rename(kRootInode, "f", kRootInode, "x", 4 /*WHITEOUT*/)), C::Invalid);
  EXPECT_EQ(Code(Rename(kRootInode, "f", kRootInode, "x",
                        kRenameNoReplace | kRenameExchange)), C::Invalid);
}

TEST_F(NsTest, RenameIntoOwnSubtreeIsInvalid) {
  InodeId a = MustOk(Mkdir(kRootInode, "a"));
  InodeId b = MustOk(Mkdir(a, "b"));
  InodeId c = MustOk(Mkdir(b, "c"));
  EXPECT_EQ(Code(Rename(kRootInode, "a", c, "a")), C::Invalid);
  EXPECT_EQ(Code(Rename(kRootInode, "a", a, "x")), C::Invalid);
  EXPECT_EQ(Code(Rename(a, "b", b, "x")), C::Invalid);
  // Moving up is fine.
  EXPECT_TRUE(Rename(b, "c", kRootInode, "c").status.ok());
  // Over an ancestor: the ancestor is not empty.
  MustOk(Mkdir(c, "d"));
  EXPECT_EQ(Code(Rename(c, "d", kRootInode, "c")), C::NotEmpty);
}

TEST_F(NsTest, RenameSameInodeDoesNothing) {
  InodeId f = MustOk(Create(kRootInode, "f"));
  MustOk(Link(f, kRootInode, "g"));
  int64_t ctime = AttrOf(f).ctime_ns;
  ApplyResult r = Rename(kRootInode, "f", kRootInode, "g");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Names(kRootInode), (std::vector<std::string>{"f", "g"}));
  EXPECT_EQ(AttrOf(f).nlink, 2u);
  EXPECT_EQ(AttrOf(f).ctime_ns, ctime);
  EXPECT_TRUE(Rename(kRootInode, "f", kRootInode, "f").status.ok());
}

TEST_F(NsTest, RenameNoReplace) {
  MustOk(Create(kRootInode, "f"));
  MustOk(Create(kRootInode, "g"));
  EXPECT_EQ(Code(Rename(kRootInode, "f", kRootInode, "g", kRenameNoReplace)), C::Exists);
  EXPECT_TRUE(Rename(kRootInode, "f", kRootInode, "h", kRenameNoReplace).status.ok());
}

TEST_F(NsTest, RenameExchange) {
  InodeId a = MustOk(Mkdir(kRootInode, "a"));
  InodeId b = MustOk(Mkdir(kRootInode, "b"));
  InodeId d = MustOk(Mkdir(a, "d"));
  InodeId f = MustOk(Create(b, "f"));
  MustOk(Create(d, "keeps-dir-non-empty"));
  EXPECT_EQ(Code(Rename(a, "d", b, "nope", kRenameExchange)), C::NotFound);
  ApplyResult r = Rename(a, "d", b, "f", kRenameExchange);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(Id(a, "d"), f);
  EXPECT_EQ(Id(b, "f"), d);
  EXPECT_EQ(ns.Lookup(d, "..", root)->ino, b);
  EXPECT_EQ(AttrOf(a).nlink, 2u);
  EXPECT_EQ(AttrOf(b).nlink, 3u);
  EXPECT_EQ(AttrOf(f).ctime_ns, now_ns);
  EXPECT_EQ(AttrOf(d).ctime_ns, now_ns);
  // Exchanging a directory with its own ancestor's entry is refused.
  InodeId inner = MustOk(Mkdir(d, "inner"));
  EXPECT_EQ(Code(Rename(kRootInode, "b", inner, "x", kRenameExchange)), C::NotFound);
  MustOk(Create(inner, "x"));
  EXPECT_EQ(Code(Rename(kRootInode, "b", inner, "x", kRenameExchange)), C::Invalid);
  EXPECT_EQ(Code(Rename(inner, "x", kRootInode, "b", kRenameExchange)), C::Invalid);
}

TEST_F(NsTest, RenamePermissions) {
  InodeId pub = MustOk(Mkdir(kRootInode, "pub", 0777));
  InodeId priv = MustOk(Mkdir(kRootInode, "priv", 0755));
  InodeId f = MustOk(Create(pub, "f", 0644, alice));
  (void)f;
  EXPECT_EQ(Code(Rename(pub, "f", priv, "f", 0, alice)), C::AccessDenied);
  EXPECT_EQ(Code(Rename(priv, "x", pub, "x", 0, alice)), C::NotFound);
  // Moving a directory to a new parent rewrites its "..": needs write on it.
  MustOk(Mkdir(pub, "ro", 0555, alice));
  InodeId other = MustOk(Mkdir(kRootInode, "other", 0777));
  EXPECT_EQ(Code(Rename(pub, "ro", other, "ro", 0, alice)), C::AccessDenied);
  EXPECT_TRUE(Rename(pub, "ro", pub, "ro2", 0, alice).status.ok());
  EXPECT_TRUE(Rename(pub, "ro2", other, "ro", 0, root).status.ok());
}

TEST_F(NsTest, RenameInStickyDirectory) {
  InodeId tmp = MustOk(Mkdir(kRootInode, "tmp", 01777));
  MustOk(Create(tmp, "alices", 0644, alice));
  MustOk(Create(tmp, "bobs", 0644, bob));
  EXPECT_EQ(Code(Rename(tmp, "alices", tmp, "stolen", 0, bob)), C::NotPermitted);
  EXPECT_EQ(Code(Rename(tmp, "bobs", tmp, "alices", 0, bob)), C::NotPermitted);
  EXPECT_TRUE(Rename(tmp, "bobs", tmp, "bobs2", 0, bob).status.ok());
  EXPECT_TRUE(Rename(tmp, "alices", tmp, "x", 0, root).status.ok());
}

}  // namespace
}  // namespace opendfs::metad
