// mkdir, create (exclusive or not), mknod, symlink, link, lookup, getattr.
#include <sys/sysmacros.h>

#include "tests/metad/namespace/ns_fixture.h"

namespace opendfs::metad {
namespace {

using C = StatusCode;

TEST_F(NsTest, RootIsAnEmptyDirectory) {
  Attr a = AttrOf(kRootInode);
  EXPECT_TRUE(S_ISDIR(a.mode));
  EXPECT_EQ(a.mode & 07777, 0755u);
  EXPECT_EQ(a.nlink, 2u);
  EXPECT_TRUE(Names(kRootInode).empty());
  EXPECT_EQ(ns.inode_count(), 1u);
  EXPECT_EQ(ns.Lookup(kRootInode, "..", root)->ino, kRootInode);
  EXPECT_EQ(ns.Lookup(kRootInode, ".", root)->ino, kRootInode);
}

TEST_F(NsTest, MkdirSetsAttributesAndParentLinks) {
  ASSERT_TRUE(Chmod(kRootInode, 0777).status.ok());
  ApplyResult r = Mkdir(kRootInode, "d", 0750, alice);
  ASSERT_TRUE(r.status.ok());
  EXPECT_TRUE(r.created);
  EXPECT_EQ(r.attr.ino, 2u);
  EXPECT_EQ(r.attr.mode, S_IFDIR | 0750u);
  EXPECT_EQ(r.attr.uid, 1000u);
  EXPECT_EQ(r.attr.gid, 1000u);
  EXPECT_EQ(r.attr.nlink, 2u);
  EXPECT_EQ(r.attr.mtime_ns, now_ns);
  Attr root_attr = AttrOf(kRootInode);
  EXPECT_EQ(root_attr.nlink, 3u);
  EXPECT_EQ(root_attr.mtime_ns, now_ns);
  EXPECT_EQ(root_attr.ctime_ns, now_ns);
  EXPECT_EQ(Id(kRootInode, "d"), 2u);
  EXPECT_EQ(ns.Lookup(2, "..", root)->ino, kRootInode);
  EXPECT_EQ(ns.max_inode_id(), 2u);
}

TEST_F(NsTest, MkdirErrors) {
  InodeId f = MustOk(Create(kRootInode, "f"));
  EXPECT_EQ(Code(Mkdir(kRootInode, "f")), C::Exists);
  EXPECT_EQ(Code(Mkdir(f, "x")), C::NotDir);
  EXPECT_EQ(Code(Mkdir(999, "x")), C::NotFound);
  EXPECT_EQ(Code(Mkdir(kRootInode, std::string(256, 'a'))), C::NameTooLong);
  EXPECT_TRUE(Mkdir(kRootInode, std::string(255, 'a')).status.ok());
  EXPECT_EQ(Code(Mkdir(kRootInode, ".")), C::Invalid);
  EXPECT_EQ(Code(Mkdir(kRootInode, "..")), C::Invalid);
  EXPECT_EQ(Code(Mkdir(kRootInode, "")), C::Invalid);
  EXPECT_EQ(Code(Mkdir(kRootInode, "a/b")), C::Invalid);
  EXPECT_EQ(Code(Mkdir(kRootInode, std::string("a\0b", 3))), C::Invalid);
  EXPECT_EQ(Code(Mkdir(kRootInode, "x", 0755, alice)), C::AccessDenied);
}

TEST_F(NsTest, FailedApplyChangesNothing) {
  MemoryImage before, after;
  ASSERT_TRUE(ns.Save(before).ok());
  EXPECT_FALSE(Mkdir(kRootInode, "x", 0755, alice).status.ok());
  EXPECT_FALSE(Rmdir(kRootInode, "nope").status.ok());
  ASSERT_TRUE(ns.Save(after).ok());
  EXPECT_EQ(before.pairs(), after.pairs());
}

TEST_F(NsTest, RecordsMustCarryFreshIdsAndACaller) {
  EXPECT_TRUE(Mkdir(kRootInode, "a").status.ok());
  // An id already used (or lower than the counter) is a leader bug.
  EXPECT_EQ(Code(Apply(records::Mkdir(kRootInode, "b", 2, 0755, root, 1))), C::Invalid);
  EXPECT_EQ(Code(Apply(records::Mkdir(kRootInode, "b", 0, 0755, root, 1))), C::Invalid);
  EXPECT_EQ(Code(ns.ApplyBytes("garbage")), C::Invalid);
  flatbuffers::FlatBufferBuilder fbb;
  auto op = fb::CreateEditMkdir(fbb, kRootInode, fbb.CreateString("c"), 10, 0755);
  fbb.Finish(fb::CreateEditRecord(fbb, fb::EditOp::EditMkdir, op.Union()));
  EXPECT_EQ(Code(ns.ApplyBytes(std::string_view(
                reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize()))),
            C::Invalid);
  EXPECT_TRUE(Apply(records::Noop()).status.ok());
  // A union type without its table passes flatbuffers verification.
  flatbuffers::FlatBufferBuilder empty;
  empty.Finish(fb::CreateEditRecord(empty, fb::EditOp::EditRename, 0));
  EXPECT_EQ(Code(ns.ApplyBytes(std::string_view(
                reinterpret_cast<const char*>(empty.GetBufferPointer()), empty.GetSize()))),
            C::Invalid);
  flatbuffers::FlatBufferBuilder none;
  none.Finish(fb::CreateEditRecord(none));
  EXPECT_EQ(Code(ns.ApplyBytes(std::string_view(
                reinterpret_cast<const char*>(none.GetBufferPointer()), none.GetSize()))),
            C::Invalid);
}

TEST_F(NsTest, CreateRegularFile) {
  ASSERT_TRUE(Chmod(kRootInode, 0777).status.ok());
  ApplyResult r = Create(kRootInode, "f", 0640, alice);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.created);
  EXPECT_EQ(r.attr.mode, S_IFREG | 0640u);
  EXPECT_EQ(r.attr.nlink, 1u);
  EXPECT_EQ(r.attr.size, 0u);
  EXPECT_EQ(r.attr.block_size, kBlockSize);
  EXPECT_EQ(r.attr.replication, 3u);
  EXPECT_EQ(AttrOf(kRootInode).nlink, 2u);  // files do not add parent links
}

TEST_F(NsTest, CreateExclusiveAndNot) {
  InodeId f = MustOk(Create(kRootInode, "f"));
  EXPECT_EQ(Code(Create(kRootInode, "f")), C::Exists);
  ApplyResult again = Create(kRootInode, "f", 0644, root, /*exclusive=*/false);
  ASSERT_TRUE(again.status.ok());
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.attr.ino, f);
  MustOk(Mkdir(kRootInode, "d"));
  EXPECT_EQ(Code(Create(kRootInode, "d", 0644, root, false)), C::IsDir);
  EXPECT_EQ(Code(Create(kRootInode, "d", 0644, root, true)), C::Exists);
}

TEST_F(NsTest, CreateValidatesFileParameters) {
  records::CreateArgs a{kRootInode, "f", next_inode(), S_IFREG | 0644, 0, true, 1000, 3};
  EXPECT_EQ(Code(Apply(records::Create(a, root, 1))), C::Invalid);  // block size
  a.block_size = kBlockSize;
  a.replication = 0;
  EXPECT_EQ(Code(Apply(records::Create(a, root, 1))), C::Invalid);
  a.replication = 2;
  a.mode = S_IFDIR | 0755;
  EXPECT_EQ(Code(Apply(records::Create(a, root, 1))), C::Invalid);
  a.mode = S_IFLNK | 0777;
  EXPECT_EQ(Code(Apply(records::Create(a, root, 1))), C::Invalid);
  a.mode = 0644;  // no type: a regular file
  EXPECT_TRUE(Apply(records::Create(a, root, 1)).status.ok());
  EXPECT_TRUE(S_ISREG(AttrOf(Id(kRootInode, "f")).mode));
}

TEST_F(NsTest, InlineDataIsReservedAndRefused) {
  flatbuffers::FlatBufferBuilder fbb;
  const uint8_t data[] = {1, 2, 3};
  auto op = fb::CreateEditCreate(fbb, kRootInode, fbb.CreateString("f"), 2, S_IFREG | 0644,
                                 0, true, kBlockSize, 3,
                                 fb::CreateEditCred(fbb, 0, 0), 1, fbb.CreateVector(data, 3));
  fbb.Finish(fb::CreateEditRecord(fbb, fb::EditOp::EditCreate, op.Union()));
  std::string bytes(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  EXPECT_EQ(Code(ns.ApplyBytes(bytes)), C::NotSupported);
}

TEST_F(NsTest, MknodTypes) {
  EXPECT_TRUE(S_ISFIFO(AttrOf(MustOk(Mknod(kRootInode, "fifo", S_IFIFO | 0644))).mode));
  EXPECT_TRUE(S_ISSOCK(AttrOf(MustOk(Mknod(kRootInode, "sock", S_IFSOCK | 0644))).mode));
  InodeId chr = MustOk(Mknod(kRootInode, "null", S_IFCHR | 0666, makedev(1, 3)));
  EXPECT_TRUE(S_ISCHR(AttrOf(chr).mode));
  EXPECT_EQ(AttrOf(chr).rdev, makedev(1, 3));
  InodeId blk = MustOk(Mknod(kRootInode, "sda", S_IFBLK | 0660, makedev(8, 0)));
  EXPECT_EQ(AttrOf(blk).rdev, makedev(8, 0));
  EXPECT_EQ(AttrOf(blk).mode, S_IFBLK | 0660u);
  // mknod of a regular file goes through create and needs a block size.
  EXPECT_EQ(Code(Mknod(kRootInode, "reg", S_IFREG | 0644)), C::Invalid);
}

TEST_F(NsTest, MknodDevicesNeedRoot) {
  MustOk(Mkdir(kRootInode, "pub", 0777));
  InodeId pub = Id(kRootInode, "pub");
  EXPECT_EQ(Code(Mknod(pub, "c", S_IFCHR | 0666, 1, alice)), C::NotPermitted);
  EXPECT_TRUE(Mknod(pub, "p", S_IFIFO | 0666, 0, alice).status.ok());
}

TEST_F(NsTest, Symlinks) {
  EXPECT_EQ(Code(Symlink(kRootInode, "l", "x", alice)), C::AccessDenied);
  ApplyResult r = Symlink(kRootInode, "l", "../some/where");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.attr.mode, S_IFLNK | 0777u);
  EXPECT_EQ(r.attr.size, 13u);
  EXPECT_EQ(*ns.ReadLink(r.attr.ino), "../some/where");
  EXPECT_EQ(Code(ns.ReadLink(kRootInode)), C::Invalid);
  EXPECT_EQ(Code(ns.ReadLink(12345)), C::NotFound);
  EXPECT_EQ(Code(Symlink(kRootInode, "l", "y")), C::Exists);
  EXPECT_EQ(Code(Symlink(kRootInode, "e", "")), C::NotFound);
  EXPECT_EQ(Code(Symlink(kRootInode, "big", std::string(4097, 'x'))), C::NameTooLong);
  EXPECT_TRUE(Symlink(kRootInode, "max", std::string(4096, 'x')).status.ok());
}

TEST_F(NsTest, HardLinksCountLinks) {
  InodeId f = MustOk(Create(kRootInode, "f"));
  InodeId d = MustOk(Mkdir(kRootInode, "d"));
  ApplyResult r = Link(f, d, "g");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.attr.nlink, 2u);
  EXPECT_EQ(r.attr.ctime_ns, now_ns);
  EXPECT_EQ(Id(d, "g"), f);
  EXPECT_EQ(AttrOf(d).mtime_ns, now_ns);
  EXPECT_TRUE(Unlink(kRootInode, "f").status.ok());
  EXPECT_EQ(AttrOf(f).nlink, 1u);
  EXPECT_EQ(Code(ns.Lookup(kRootInode, "f", root)), C::NotFound);
  ApplyResult last = Unlink(d, "g");
  EXPECT_EQ(last.freed_inode, f);
  EXPECT_EQ(Code(ns.GetAttr(f)), C::NotFound);
}

TEST_F(NsTest, LinkErrors) {
  InodeId f = MustOk(Create(kRootInode, "f"));
  InodeId d = MustOk(Mkdir(kRootInode, "d"));
  EXPECT_EQ(Code(Link(d, kRootInode, "d2")), C::NotPermitted);
  EXPECT_EQ(Code(Link(f, kRootInode, "f")), C::Exists);
  EXPECT_EQ(Code(Link(f, f, "x")), C::NotDir);
  EXPECT_EQ(Code(Link(777, kRootInode, "x")), C::NotFound);
  EXPECT_EQ(Code(Link(f, kRootInode, "x", alice)), C::AccessDenied);
  EXPECT_EQ(Code(Link(f, kRootInode, "..")), C::Invalid);
}

TEST_F(NsTest, LinkCountLimit) {
  InodeId f = MustOk(Create(kRootInode, "f"));
  InodeId d = MustOk(Mkdir(kRootInode, "d"));
  for (uint32_t i = 1; i < kMaxLinks; ++i)
    ASSERT_TRUE(Link(f, d, "l" + std::to_string(i)).status.ok()) << i;
  EXPECT_EQ(AttrOf(f).nlink, kMaxLinks);
  EXPECT_EQ(Code(Link(f, d, "one-too-many")), C::TooManyLinks);
}

}  // namespace
}  // namespace opendfs::metad
