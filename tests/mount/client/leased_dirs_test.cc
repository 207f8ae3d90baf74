// LeasedDirs: each local operation's checks and effects, the batch and its
// bounds, late errors; then a seeded random run of operations applied both to
// LeasedDirs and, with real system calls, to a directory on local disk (the
// shadow), comparing every errno and the resulting listings and attributes.
#include "mount/client/leased_dirs.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace opendfs::client {
namespace {

constexpr uint64_t kDir = 100;
constexpr uint32_t kInlineMax = 8192;

fb::Attr DirAttr(uint64_t ino, uint32_t mode, uint32_t uid = 0, uint32_t gid = 0,
                 uint32_t nlink = 2) {
  return fb::Attr(ino, 0, 1, 1, 1, 0, S_IFDIR | mode, nlink, uid, gid, 0, 3, 0);
}

LeaseGrant GrantOf(fb::Attr dir, std::vector<DirEntryInfo> entries = {},
                   uint64_t first = 1000, uint32_t count = 1000) {
  LeaseGrant g;
  g.granted = true;
  g.dir_attr = dir;
  g.entries = std::move(entries);
  g.first_inode = first;
  g.inode_count = count;
  return g;
}

DirEntryInfo Entry(const std::string& name, uint64_t ino, uint32_t mode, uint32_t uid = 0,
                   uint32_t nlink = 1) {
  DirEntryInfo e;
  e.name = name;
  e.ino = ino;
  e.mode = mode;
  e.attr = fb::Attr(ino, 10, 1, 1, 1, 0, mode, nlink, uid, 0, 4096, 3, 0);
  return e;
}

LeasedDirs::Limits TestLimits() {
  LeasedDirs::Limits l;
  l.inline_max = kInlineMax;
  return l;
}

const Cred kRoot{0, 0, {}};
const Cred kAlice{1000, 1000, {}};
const Cred kBob{1001, 1001, {}};

StatusCode Code(const LocalAnswer& a) {
  EXPECT_TRUE(a.local);
  return a.status.code();
}

TEST(LeasedDirs, NothingIsLocalWithoutALease) {
  LeasedDirs ld(TestLimits());
  EXPECT_FALSE(ld.Lookup(kDir, "a").has_value());
  EXPECT_FALSE(ld.List(kDir).has_value());
  EXPECT_FALSE(ld.GetAttr(kDir).has_value());
  EXPECT_FALSE(ld.Create(kRoot, kDir, "a", 0644, 0, O_EXCL, 4096, 0, false, 5).local);
  EXPECT_FALSE(ld.Mkdir(kRoot, kDir, "a", 0755, 0, 5).local);
  EXPECT_FALSE(ld.Unlink(kRoot, kDir, "a", 5).local);
  EXPECT_EQ(ld.BatchOps(), 0u);
}

TEST(LeasedDirs, GrantAnswersLookupsPositiveAndNegativeAndListsInNameOrder) {
  LeasedDirs ld(TestLimits());
  ASSERT_TRUE(ld.Grant(kDir, GrantOf(DirAttr(kDir, 0755), {Entry("b", 7, S_IFREG | 0644),
                                                          Entry("a", 8, S_IFREG | 0600)})));
  EXPECT_TRUE(ld.Holds(kDir));
  auto hit = ld.Lookup(kDir, "a");
  ASSERT_TRUE(hit.has_value());
  EXPECT_TRUE(hit->found);
  EXPECT_EQ(hit->attr.ino, 8u);
  auto miss = ld.Lookup(kDir, "zz");
  ASSERT_TRUE(miss.has_value());
  EXPECT_FALSE(miss->found);
  auto list = ld.List(kDir);
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "a");
  EXPECT_EQ((*list)[1].name, "b");
  EXPECT_EQ(ld.GetAttr(kDir)->mode, S_IFDIR | 0755u);
  EXPECT_FALSE(ld.GetAttr(7).has_value());  // not created here: metad's
  EXPECT_EQ(ld.InodesLeft(), 1000u);
}

TEST(LeasedDirs, GrantPastTheBoundsIsRefused) {
  LeasedDirs::Limits l = TestLimits();
  l.max_entries = 1;
  l.max_leases = 1;
  LeasedDirs ld(l);
  EXPECT_FALSE(ld.Grant(kDir, GrantOf(DirAttr(kDir, 0755), {Entry("a", 7, S_IFREG | 0644),
                                                           Entry("b", 8, S_IFREG | 0644)})));
  EXPECT_TRUE(ld.Grant(kDir, GrantOf(DirAttr(kDir, 0755))));
  EXPECT_FALSE(ld.Grant(kDir + 1, GrantOf(DirAttr(kDir + 1, 0755))));
}

TEST(LeasedDirs, CreateUsesDelegatedIdsUmaskAndTouchesTheParent) {
  LeasedDirs ld(TestLimits());
  ld.Grant(kDir, GrantOf(DirAttr(kDir, 0777), {}, 500, 2));
  LocalAnswer a = ld.Create(kAlice, kDir, "f", 0666, 022, O_EXCL, 4096, 0, true, 42);
  ASSERT_EQ(Code(a), StatusCode::Ok);
  EXPECT_EQ(a.attr.ino, 500u);
  EXPECT_EQ(a.attr.mode, S_IFREG | 0644u);
  EXPECT_EQ(a.attr.uid, 1000u);
  EXPECT_EQ(a.attr.gid, 1000u);
  EXPECT_EQ(a.attr.nlink, 1u);
  EXPECT_EQ(a.attr.mtime_ns, 42);
  EXPECT_EQ(a.attr.replication, 3);  // inherited from the directory
  EXPECT_EQ(ld.GetAttr(kDir)->mtime_ns, 42);
  EXPECT_EQ(ld.GetAttr(kDir)->ctime_ns, 42);
  EXPECT_EQ(ld.GetAttr(kDir)->nlink, 2u);
  EXPECT_TRUE(ld.Created(500));
  EXPECT_TRUE(ld.HasPendingChanges(500));
  EXPECT_EQ(ld.InlineData(500), std::string());
  std::vector<BatchOpArgs> b = ld.TakeBatch();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].kind, BatchOpArgs::Kind::Create);
  EXPECT_EQ(b[0].inode, 500u);
  EXPECT_EQ(b[0].mode, S_IFREG | 0666u);  // as asked: the leader applies the umask
  EXPECT_EQ(b[0].umask, 022u);
  EXPECT_TRUE(b[0].open);
  EXPECT_EQ(b[0].time_ns, 42);
  EXPECT_FALSE(ld.HasPendingChanges(500));
  // One id left, then none: no more local creates.
  EXPECT_EQ(Code(ld.Create(kAlice, kDir, "g", 0666, 0, O_EXCL, 4096, 0, false, 43)),
            StatusCode::Ok);
  EXPECT_FALSE(ld.Create(kAlice, kDir, "h", 0666, 0, O_EXCL, 4096, 0, false, 44).local);
  ld.AddInodes(900, 10);
  EXPECT_EQ(ld.Create(kAlice, kDir, "h", 0666, 0, O_EXCL, 4096, 0, false, 44).attr.ino, 900u);
}

TEST(LeasedDirs, CreateErrnosAsExt4) {
  LeasedDirs ld(TestLimits());
  ld.Grant(kDir, GrantOf(DirAttr(kDir, 0755), {Entry("d", 7, S_IFDIR | 0755, 0, 2),
                                              Entry("f", 8, S_IFREG | 0644)}));
  EXPECT_EQ(Code(ld.Create(kRoot, kDir, "f", 0644, 0, O_EXCL, 4096, 0, false, 1)),
            StatusCode::Exists);
  EXPECT_EQ(Code(ld.Create(kRoot, kDir, "d", 0644, 0, 0, 4096, 0, false, 1)), StatusCode::IsDir);
  // Opening an existing file is not a local create.
  EXPECT_FALSE(ld.Create(kRoot, kDir, "f", 0644, 0, 0, 4096, 0, false, 1).local);
  EXPECT_EQ(Code(ld.Create(kAlice, kDir, "new", 0644, 0, O_EXCL, 4096, 0, false, 1)),
            StatusCode::AccessDenied);  // no write on the parent
  EXPECT_EQ(Code(ld.Create(kRoot, kDir, std::string(256, 'x'), 0644, 0, O_EXCL, 4096, 0,
                           false, 1)),
            StatusCode::NameTooLong);
  EXPECT_EQ(Code(ld.Create(kRoot, kDir, std::string(255, 'x'), 0644, 0, O_EXCL, 4096, 0,
                           false, 1)),
            StatusCode::Ok);
  EXPECT_EQ(Code(ld.Mkdir(kRoot, kDir, "f", 0755, 0, 1)), StatusCode::Exists);
  EXPECT_EQ(Code(ld.Symlink(kRoot, kDir, "f", "t", 1)), StatusCode::Exists);
  EXPECT_EQ(Code(ld.Mknod(kRoot, kDir, "f", S_IFIFO | 0644, 0, 0, 1)), StatusCode::Exists);
  // Devices and sockets stay synchronous (the leader's checks).
  EXPECT_FALSE(ld.Mknod(kRoot, kDir, "c", S_IFCHR | 0644, 0, 0x0101, 1).local);
  EXPECT_FALSE(ld.Mknod(kRoot, kDir, "s", S_IFSOCK | 0644, 0, 0, 1).local);
  // Search permission on the parent comes first.
  LeasedDirs closed(TestLimits());
  closed.Grant(kDir, GrantOf(DirAttr(kDir, 0766, 1000, 1000), {Entry("f", 8, S_IFREG | 0644)}));
  EXPECT_EQ(Code(closed.Create(kBob, kDir, "f", 0644, 0, O_EXCL, 4096, 0, false, 1)),
            StatusCode::AccessDenied);
  EXPECT_EQ(Code(closed.Unlink(kBob, kDir, "f", 1)), StatusCode::AccessDenied);
}

TEST(LeasedDirs, SetgidDirectoryGivesItsGroupAndBitToSubdirectories) {
  LeasedDirs ld(TestLimits());
  ld.Grant(kDir, GrantOf(DirAttr(kDir, 02777, 0, 50)));
  LocalAnswer d = ld.Mkdir(kAlice, kDir, "sub", 0755, 0, 1);
  ASSERT_EQ(Code(d), StatusCode::Ok);
  EXPECT_EQ(d.attr.gid, 50u);
  EXPECT_EQ(d.attr.mode, S_IFDIR | 02755u);
  EXPECT_EQ(d.attr.nlink, 2u);
  EXPECT_EQ(ld.GetAttr(kDir)->nlink, 3u);
  // A setgid, group-executable file in a group the caller is not in loses it.
  LocalAnswer f = ld.Create(kAlice, kDir, "f", 02755, 0, O_EXCL, 4096, 0, false, 2);
  EXPECT_EQ(f.attr.gid, 50u);
  EXPECT_EQ(f.attr.mode, S_IFREG | 0755u);
  Cred member{1000, 1000, {50}};
  LocalAnswer g = ld.Create(member, kDir, "g", 02755, 0, O_EXCL, 4096, 0, false, 2);
  EXPECT_EQ(g.attr.mode, S_IFREG | 02755u);
  // mkdir drops set-id bits of its mode argument (vfs_mkdir).
  LeasedDirs plain(TestLimits());
  plain.Grant(kDir, GrantOf(DirAttr(kDir, 0777)));
  EXPECT_EQ(plain.Mkdir(kAlice, kDir, "d", 06755, 0, 1).attr.mode, S_IFDIR | 0755u);
}

TEST(LeasedDirs, MkdirLeasesTheNewDirectoryAndRmdirNeedsItEmpty) {
  LeasedDirs ld(TestLimits());
  ld.Grant(kDir, GrantOf(DirAttr(kDir, 0755)));
  LocalAnswer d = ld.Mkdir(kRoot, kDir, "sub", 0755, 0, 1);
  ASSERT_TRUE(ld.Holds(d.attr.ino));
  EXPECT_TRUE(ld.List(d.attr.ino)->empty());
  ASSERT_EQ(Code(ld.Create(kRoot, d.attr.ino, "f", 0644, 0, O_EXCL, 4096, 0, false, 2)),
            StatusCode::Ok);
  EXPECT_EQ(ld.GetAttr(d.attr.ino)->mtime_ns, 2);
  EXPECT_EQ(Code(ld.Rmdir(kRoot, kDir, "sub", 3)), StatusCode::NotEmpty);
  EXPECT_EQ(Code(ld.Unlink(kRoot, kDir, "sub", 3)), StatusCode::IsDir);
  EXPECT_EQ(Code(ld.Rmdir(kRoot, d.attr.ino, "f", 3)), StatusCode::NotDir);
  EXPECT_EQ(Code(ld.Rmdir(kRoot, kDir, "nope", 3)), StatusCode::NotFound);
  EXPECT_EQ(Code(ld.Unlink(kRoot, d.attr.ino, "f", 4)), StatusCode::Ok);
  EXPECT_EQ(Code(ld.Rmdir(kRoot, kDir, "sub", 5)), StatusCode::Ok);
  EXPECT_FALSE(ld.Holds(d.attr.ino));
  EXPECT_EQ(ld.GetAttr(kDir)->nlink, 2u);
  EXPECT_EQ(ld.GetAttr(kDir)->mtime_ns, 5);
  EXPECT_FALSE(ld.Lookup(kDir, "sub")->found);
  EXPECT_EQ(ld.BatchOps(), 4u);  // refusals add nothing
}

TEST(LeasedDirs, RmdirOfADirectoryNotLeasedIsTheLeaders) {
  LeasedDirs ld(TestLimits());
  ld.Grant(kDir, GrantOf(DirAttr(kDir, 0755), {Entry("d", 7, S_IFDIR | 0755, 0, 2)}));
  EXPECT_FALSE(ld.Rmdir(kRoot, kDir, "d", 1).local);
}

TEST(LeasedDirs, StickyDirectoryLetsOnlyOwnersRemove) {
  LeasedDirs ld(TestLimits());
  ld.Grant(kDir, GrantOf(DirAttr(kDir, 01777),
                         {Entry("alices", 7, S_IFREG | 0666, 1000), Entry("x", 9, S_IFREG | 0666, 1000)}));
  EXPECT_EQ(Code(ld.Unlink(kBob, kDir, "alices", 1)), StatusCode::NotPermitted);
  EXPECT_EQ(Code(ld.Rename(kBob, kDir, "alices", kDir, "b", 0, 1)), StatusCode::NotPermitted);
  EXPECT_EQ(Code(ld.Unlink(kAlice, kDir, "alices", 1)), StatusCode::Ok);
  EXPECT_EQ(Code(ld.Unlink(kRoot, kDir, "x", 1)), StatusCode::Ok);
}

TEST(LeasedDirs, UnlinkDropsALinkAndSetsCtime) {
  LeasedDirs ld(TestLimits());
  ld.Grant(kDir, GrantOf(DirAttr(kDir, 0755), {Entry("f", 7, S_IFREG | 0644, 0, 2)}));
  LocalAnswer a = ld.Unlink(kRoot, kDir, "f", 9);
  ASSERT_EQ(Code(a), StatusCode::Ok);
  EXPECT_EQ(a.attr.nlink, 1u);
  EXPECT_EQ(a.attr.ctime_ns, 9);
  EXPECT_EQ(Code(ld.Unlink(kRoot, kDir, "f", 10)), StatusCode::NotFound);
  std::vector<BatchOpArgs> b = ld.TakeBatch();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].kind, BatchOpArgs::Kind::Unlink);
  EXPECT_EQ(b[0].ino, 7u);
  EXPECT_EQ(b[0].name, "f");
}

TEST(LeasedDirs, RenameRules) {
  LeasedDirs ld(TestLimits());
  ld.Grant(kDir, GrantOf(DirAttr(kDir, 0755, 0, 0, 4),
                         {Entry("f", 7, S_IFREG | 0644), Entry("g", 8, S_IFREG | 0644),
                          Entry("d", 9, S_IFDIR | 0755, 0, 2)}));
  ld.Grant(200, GrantOf(DirAttr(200, 0755)));
  EXPECT_EQ(Code(ld.Rename(kRoot, kDir, "nope", kDir, "x", 0, 1)), StatusCode::NotFound);
  EXPECT_EQ(Code(ld.Rename(kRoot, kDir, "f", kDir, "g", 1 /*NOREPLACE*/, 1)),
            StatusCode::Exists);
  EXPECT_EQ(Code(ld.Rename(kRoot, kDir, "f", kDir, "d", 0, 1)), StatusCode::IsDir);
  EXPECT_EQ(Code(ld.Rename(kRoot, kDir, "f", kDir, std::string(256, 'n'), 0, 1)),
            StatusCode::NameTooLong);
  EXPECT_FALSE(ld.Rename(kRoot, kDir, "f", kDir, "g", 2 /*EXCHANGE*/, 1).local);
  // A directory moving to another directory: ".." and loops are the leader's.
  EXPECT_FALSE(ld.Rename(kRoot, kDir, "d", 200, "d", 0, 1).local);
  // Over an existing file: the victim loses a link, both names settle.
  LocalAnswer a = ld.Rename(kRoot, kDir, "f", kDir, "g", 0, 5);
  ASSERT_EQ(Code(a), StatusCode::Ok);
  EXPECT_EQ(a.attr.ino, 7u);
  EXPECT_EQ(a.attr.ctime_ns, 5);
  EXPECT_FALSE(ld.Lookup(kDir, "f")->found);
  EXPECT_EQ(ld.Lookup(kDir, "g")->attr.ino, 7u);
  // Across two leased directories.
  ASSERT_EQ(Code(ld.Rename(kRoot, kDir, "g", 200, "h", 0, 6)), StatusCode::Ok);
  EXPECT_EQ(ld.Lookup(200, "h")->attr.ino, 7u);
  EXPECT_EQ(ld.GetAttr(200)->mtime_ns, 6);
  EXPECT_EQ(ld.GetAttr(kDir)->mtime_ns, 6);
  // A directory over a file; over an empty leased directory.
  ld.Grant(200, GrantOf(DirAttr(200, 0755)));
  EXPECT_EQ(Code(ld.Rename(kRoot, 200, "h", 200, "h", 0, 7)), StatusCode::Ok);  // same inode
  LocalAnswer e = ld.Mkdir(kRoot, kDir, "empty", 0755, 0, 8);
  EXPECT_EQ(ld.GetAttr(kDir)->nlink, 5u);
  ASSERT_EQ(Code(ld.Rename(kRoot, kDir, "d", kDir, "empty", 0, 9)), StatusCode::Ok);
  EXPECT_FALSE(ld.Holds(e.attr.ino));
  EXPECT_EQ(ld.GetAttr(kDir)->nlink, 4u);
  LocalAnswer full = ld.Mkdir(kRoot, kDir, "full", 0755, 0, 10);
  ld.Create(kRoot, full.attr.ino, "x", 0644, 0, O_EXCL, 4096, 0, false, 10);
  LocalAnswer dd = ld.Mkdir(kRoot, kDir, "dd", 0755, 0, 11);
  EXPECT_EQ(Code(ld.Rename(kRoot, kDir, "dd", kDir, "full", 0, 12)), StatusCode::NotEmpty);
  ld.Create(kRoot, kDir, "file", 0644, 0, O_EXCL, 4096, 0, false, 10);
  EXPECT_EQ(Code(ld.Rename(kRoot, kDir, "dd", kDir, "file", 0, 12)), StatusCode::NotDir);
  (void)dd;
}

TEST(LeasedDirs, SetAttrOfCreatedInodes) {
  LeasedDirs ld(TestLimits());
  ld.Grant(kDir, GrantOf(DirAttr(kDir, 0777), {Entry("old", 7, S_IFREG | 0644)}));
  LocalAnswer f = ld.Create(kAlice, kDir, "f", 0644, 0, O_EXCL, 4096, 0, false, 1);
  const uint64_t ino = f.attr.ino;
  using B = fb::SetAttrBits;
  SetAttrArgs chmod;
  chmod.valid = static_cast<uint32_t>(B::Mode);
  chmod.mode = 02700;
  EXPECT_EQ(Code(ld.SetAttr(kBob, ino, chmod, 2)), StatusCode::NotPermitted);
  LocalAnswer m = ld.SetAttr(kAlice, ino, chmod, 2);
  ASSERT_EQ(Code(m), StatusCode::Ok);
  EXPECT_EQ(m.attr.mode, S_IFREG | 02700u);  // alice is in group 1000
  EXPECT_EQ(m.attr.ctime_ns, 2);
  SetAttrArgs chown;
  chown.valid = static_cast<uint32_t>(B::Uid);
  chown.uid = 1001;
  EXPECT_EQ(Code(ld.SetAttr(kAlice, ino, chown, 3)), StatusCode::NotPermitted);
  SetAttrArgs chgrp;
  chgrp.valid = static_cast<uint32_t>(B::Gid);
  chgrp.gid = 77;
  EXPECT_EQ(Code(ld.SetAttr(kAlice, ino, chgrp, 3)), StatusCode::NotPermitted);
  Cred alice77{1000, 1000, {77}};
  EXPECT_EQ(ld.SetAttr(alice77, ino, chgrp, 3).attr.gid, 77u);
  SetAttrArgs times;
  times.valid = static_cast<uint32_t>(B::Atime) | static_cast<uint32_t>(B::Mtime);
  times.atime_ns = 11;
  times.mtime_ns = 12;
  EXPECT_EQ(Code(ld.SetAttr(kBob, ino, times, 4)), StatusCode::NotPermitted);
  LocalAnswer t = ld.SetAttr(kAlice, ino, times, 4);
  EXPECT_EQ(t.attr.atime_ns, 11);
  EXPECT_EQ(t.attr.mtime_ns, 12);
  SetAttrArgs now;
  now.valid = static_cast<uint32_t>(B::AtimeNow) | static_cast<uint32_t>(B::MtimeNow);
  EXPECT_EQ(Code(ld.SetAttr(kBob, ino, now, 5)), StatusCode::AccessDenied);  // mode 02700
  SetAttrArgs trunc;
  trunc.valid = static_cast<uint32_t>(B::Size);
  trunc.size = 100;
  LocalAnswer tr = ld.SetAttr(kAlice, ino, trunc, 6);
  EXPECT_EQ(tr.attr.size, 100u);
  EXPECT_EQ(tr.attr.mtime_ns, 6);
  EXPECT_EQ(ld.InlineData(ino)->size(), 100u);
  trunc.size = kInlineMax + 1;
  EXPECT_FALSE(ld.SetAttr(kAlice, ino, trunc, 7).local);  // needs blocks
  EXPECT_FALSE(ld.SetAttr(kRoot, 7, chmod, 7).local);      // not created here
  LocalAnswer d = ld.Mkdir(kAlice, kDir, "d", 0755, 0, 8);
  trunc.size = 1;
  EXPECT_EQ(Code(ld.SetAttr(kAlice, d.attr.ino, trunc, 8)), StatusCode::IsDir);
}

TEST(LeasedDirs, InlineWritesStayLocalUpToTheLimitAndMerge) {
  LeasedDirs ld(TestLimits());
  ld.Grant(kDir, GrantOf(DirAttr(kDir, 0777)));
  const uint64_t ino = ld.Create(kAlice, kDir, "f", 0644, 0, O_EXCL, 4096, 0, true, 1).attr.ino;
  EXPECT_EQ(ld.WriteInline(kAlice, ino, 0, "hello", 2).attr.size, 5u);
  LocalAnswer w = ld.WriteInline(kAlice, ino, 10, "world", 3);
  EXPECT_EQ(w.attr.size, 15u);
  EXPECT_EQ(w.attr.mtime_ns, 3);
  EXPECT_EQ(*ld.InlineData(ino), std::string("hello\0\0\0\0\0world", 15));
  EXPECT_FALSE(ld.WriteInline(kAlice, ino, kInlineMax - 1, "ab", 4).local);
  std::vector<BatchOpArgs> b = ld.TakeBatch();
  ASSERT_EQ(b.size(), 2u);  // the create, then both writes as one
  EXPECT_EQ(b[1].kind, BatchOpArgs::Kind::WriteInline);
  EXPECT_EQ(b[1].data, std::string("hello\0\0\0\0\0world", 15));
  EXPECT_EQ(b[1].file_size, 15u);
}

TEST(LeasedDirs, UnlinkedOpenFileLivesUntilClosed) {
  LeasedDirs ld(TestLimits());
  ld.Grant(kDir, GrantOf(DirAttr(kDir, 0777)));
  const uint64_t ino = ld.Create(kAlice, kDir, "f", 0644, 0, O_EXCL, 4096, 0, true, 1).attr.ino;
  ASSERT_EQ(Code(ld.Unlink(kAlice, kDir, "f", 2)), StatusCode::Ok);
  EXPECT_FALSE(ld.Lookup(kDir, "f")->found);
  ASSERT_TRUE(ld.GetAttr(ino).has_value());
  EXPECT_EQ(ld.GetAttr(ino)->nlink, 0u);
  EXPECT_EQ(Code(ld.WriteInline(kAlice, ino, 0, "x", 3)), StatusCode::Ok);
  ld.Closed(ino);
  EXPECT_FALSE(ld.GetAttr(ino).has_value());
}

TEST(LeasedDirs, BatchBoundsOpsAndBytes) {
  LeasedDirs::Limits l = TestLimits();
  l.max_batch_ops = 3;
  LeasedDirs ld(l);
  ld.Grant(kDir, GrantOf(DirAttr(kDir, 0777)));
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(Code(ld.Mkdir(kRoot, kDir, "d" + std::to_string(i), 0755, 0, 1)), StatusCode::Ok);
  EXPECT_TRUE(ld.BatchFull());
  EXPECT_FALSE(ld.Mkdir(kRoot, kDir, "d3", 0755, 0, 1).local);
  EXPECT_FALSE(ld.Lookup(kDir, "d3")->found);  // nothing changed
  EXPECT_EQ(ld.TakeBatch().size(), 3u);
  EXPECT_FALSE(ld.BatchFull());

  LeasedDirs::Limits small = TestLimits();
  small.max_batch_bytes = 4096;
  LeasedDirs bytes(small);
  bytes.Grant(kDir, GrantOf(DirAttr(kDir, 0777)));
  const uint64_t ino = bytes.Create(kRoot, kDir, "f", 0644, 0, O_EXCL, 4096, 0, true, 1).attr.ino;
  bytes.Mkdir(kRoot, kDir, "sep", 0755, 0, 1);  // so the write does not merge
  EXPECT_FALSE(bytes.WriteInline(kRoot, ino, 0, std::string(4000, 'x'), 2).local);
  EXPECT_TRUE(bytes.WriteInline(kRoot, ino, 0, std::string(1000, 'x'), 2).local);
}

TEST(LeasedDirs, ListingBoundStopsLocalCreates) {
  LeasedDirs::Limits l = TestLimits();
  l.max_entries = 2;
  LeasedDirs ld(l);
  ld.Grant(kDir, GrantOf(DirAttr(kDir, 0777)));
  EXPECT_TRUE(ld.Create(kRoot, kDir, "a", 0644, 0, O_EXCL, 4096, 0, false, 1).local);
  EXPECT_TRUE(ld.Create(kRoot, kDir, "b", 0644, 0, O_EXCL, 4096, 0, false, 1).local);
  EXPECT_FALSE(ld.Create(kRoot, kDir, "c", 0644, 0, O_EXCL, 4096, 0, false, 1).local);
}

TEST(LeasedDirs, SettleKeepsLateErrorsAndDropsTheLeasesConcerned) {
  LeasedDirs ld(TestLimits());
  ld.Grant(kDir, GrantOf(DirAttr(kDir, 0777)));
  ld.Grant(200, GrantOf(DirAttr(200, 0777)));
  const uint64_t a = ld.Create(kRoot, kDir, "a", 0644, 0, O_EXCL, 4096, 0, false, 1).attr.ino;
  const uint64_t b = ld.Create(kRoot, 200, "b", 0644, 0, O_EXCL, 4096, 0, false, 1).attr.ino;
  std::vector<BatchOpArgs> sent = ld.TakeBatch();
  std::vector<uint64_t> dropped;
  std::vector<LateError> errs =
      ld.Settle(sent, {StatusCode::Ok, StatusCode::AccessDenied}, &dropped);
  ASSERT_EQ(errs.size(), 2u);  // the directory and the inode named
  EXPECT_EQ(dropped, std::vector<uint64_t>{200});
  EXPECT_TRUE(ld.Holds(kDir));
  EXPECT_FALSE(ld.Holds(200));
  EXPECT_FALSE(ld.TakeLateError(a).has_value());
  auto e = ld.TakeLateError(b);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, StatusCode::AccessDenied);
  EXPECT_EQ(e->kind, BatchOpArgs::Kind::Create);
  EXPECT_FALSE(ld.TakeLateError(b).has_value());  // reported once
  EXPECT_EQ(ld.TakeLateError(200)->code, StatusCode::AccessDenied);
  // A result missing from the reply is a refusal too.
  ld.Create(kRoot, kDir, "c", 0644, 0, O_EXCL, 4096, 0, false, 1);
  sent = ld.TakeBatch();
  ld.Settle(sent, {}, &dropped);
  EXPECT_FALSE(ld.Holds(kDir));
}

TEST(LeasedDirs, DropForgetsTheListingAndCreatedInodes) {
  LeasedDirs ld(TestLimits());
  ld.Grant(kDir, GrantOf(DirAttr(kDir, 0777)));
  const uint64_t f = ld.Create(kRoot, kDir, "f", 0644, 0, O_EXCL, 4096, 0, false, 1).attr.ino;
  const uint64_t d = ld.Mkdir(kRoot, kDir, "d", 0755, 0, 1).attr.ino;
  ld.TakeBatch();
  EXPECT_EQ(ld.Leased(), (std::vector<uint64_t>{kDir, d}));
  ld.Drop(kDir);
  EXPECT_FALSE(ld.Lookup(kDir, "f").has_value());
  EXPECT_FALSE(ld.GetAttr(f).has_value());
  EXPECT_FALSE(ld.Created(f));
  EXPECT_TRUE(ld.Holds(d));  // its own lease stays until dropped
  ld.Drop(d);
  EXPECT_EQ(ld.LeaseCount(), 0u);
}

// ---- the seeded random run against a shadow directory on local disk ----

// Runs `fn` with the file system ids of `cred` (this thread only) and the
// umask given; returns 0 or the errno.
template <class Fn>
int AsCaller(const Cred& cred, uint32_t umask_bits, Fn fn) {
  setfsgid(cred.gid);
  setfsuid(cred.uid);
  const mode_t old = umask(umask_bits);
  const int rc = fn();
  const int err = rc < 0 ? errno : 0;
  umask(old);
  setfsuid(0);
  setfsgid(0);
  return err;
}

int ErrnoOf(const LocalAnswer& a) { return a.status.ok() ? 0 : ToErrno(a.status); }

class Shadow {
 public:
  explicit Shadow(uint64_t seed) : rng_(seed) {
    char tmpl[] = "/tmp/leased_dirs_shadowXXXXXX";
    root_path_ = mkdtemp(tmpl);
    chmod(root_path_.c_str(), 0777);
    fds_[kDir] = open(root_path_.c_str(), O_PATH | O_DIRECTORY);
  }
  ~Shadow() {
    for (auto& [ino, fd] : fds_) close(fd);
    std::string cmd = "rm -rf '" + root_path_ + "'";
    (void)system(cmd.c_str());
  }

  struct stat StatOf(int fd) {
    struct stat st {};
    fstat(fd, &st);
    return st;
  }

  // The directory's mtime set far in the past, so that an op's change of
  // it shows whatever the clock's granularity.
  void ResetMtime(int fd) {
    int rd = openat(fd, ".", O_RDONLY | O_DIRECTORY);
    const timespec t[2] = {{1, 0}, {1, 0}};
    futimens(rd, t);
    close(rd);
  }

  std::mt19937_64 rng_;
  std::string root_path_;
  std::map<uint64_t, int> fds_;  // model directory inode -> O_PATH fd of the shadow's
};

fb::Attr AttrOfStat(uint64_t ino, const struct stat& st) {
  return fb::Attr(ino, 0, 1, 1, 1, 0, st.st_mode, static_cast<uint32_t>(st.st_nlink), st.st_uid,
                  st.st_gid, 0, 3, 0);
}

// Every leased directory's listing equals the shadow's, entry by entry.
void CompareTrees(LeasedDirs& ld, Shadow& sh, uint64_t seed, int step) {
  for (auto& [dir, fd] : sh.fds_) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " step " + std::to_string(step) + " dir " +
                 std::to_string(dir));
    auto list = ld.List(dir);
    ASSERT_TRUE(list.has_value());
    std::map<std::string, struct stat> real;
    int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY);
    ASSERT_GE(dfd, 0);
    DIR* d = fdopendir(dfd);
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n == "." || n == "..") continue;
      struct stat st {};
      fstatat(dirfd(d), n.c_str(), &st, AT_SYMLINK_NOFOLLOW);
      real[n] = st;
    }
    closedir(d);
    ASSERT_EQ(list->size(), real.size());
    for (const DirEntryInfo& e : *list) {
      auto it = real.find(e.name);
      ASSERT_NE(it, real.end()) << e.name;
      const struct stat& st = it->second;
      EXPECT_EQ(e.attr.mode(), st.st_mode) << e.name;
      EXPECT_EQ(e.attr.nlink(), st.st_nlink) << e.name;
      EXPECT_EQ(e.attr.uid(), st.st_uid) << e.name;
      EXPECT_EQ(e.attr.gid(), st.st_gid) << e.name;
      if (!S_ISDIR(st.st_mode)) {
        EXPECT_EQ(e.attr.size(), static_cast<uint64_t>(st.st_size)) << e.name;
      }
    }
    Attrs mine = *ld.GetAttr(dir);
    struct stat st = sh.StatOf(fd);
    EXPECT_EQ(mine.mode, st.st_mode);
    EXPECT_EQ(mine.nlink, st.st_nlink);
  }
}

int kCompareEvery = 25;

std::string DebugNames(int dfd, const std::string& name) {
  struct stat st {};
  int rc = fstatat(dfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW);
  return "real " + name + " rc " + std::to_string(rc) + " mode " + std::to_string(st.st_mode);
}

void RunRandomOps(uint64_t seed, int steps) {
  Shadow sh(seed);
  LeasedDirs::Limits limits = TestLimits();
  limits.max_batch_ops = 1 << 20;
  limits.max_batch_bytes = 1 << 30;
  LeasedDirs ld(limits);
  ASSERT_TRUE(ld.Grant(kDir, GrantOf(AttrOfStat(kDir, sh.StatOf(sh.fds_[kDir])), {}, 1000,
                                     100000)));
  const std::vector<Cred> creds = {kRoot, kAlice, Cred{1001, 1000, {}}, kBob};
  const std::vector<std::string> names = {"a", "b", "c", "d", "e", std::string(256, 'L')};
  const std::vector<uint32_t> file_modes = {0644, 0755, 02755, 04755, 0600, 0666};
  const std::vector<uint32_t> dir_modes = {0755, 0777, 01777, 02777, 0700, 0750, 0311};
  auto pick = [&](auto& v) -> decltype(v[0])& { return v[sh.rng_() % v.size()]; };
  auto pick_dir = [&]() {
    auto it = sh.fds_.begin();
    std::advance(it, sh.rng_() % sh.fds_.size());
    return *it;
  };
  int local = 0;
  for (int step = 0; step < steps; ++step) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " step " + std::to_string(step));
    const Cred& cred = pick(creds);
    const auto [dir, dfd] = pick_dir();
    const std::string& name = pick(names);
    const uint32_t um = (sh.rng_() % 2) ? 022 : 0;
    const int64_t now = 1000 + step;
    sh.ResetMtime(dfd);
    LocalAnswer a;
    int real = 0;
    std::string what;
    switch (sh.rng_() % 9) {
      case 0: {
        const uint32_t mode = pick(file_modes);
        what = "create " + name;
        a = ld.Create(cred, dir, name, S_IFREG | mode, um, O_EXCL, 4096, 0, false, now);
        if (!a.local) break;
        real = AsCaller(cred, um, [&] {
          int fd = openat(dfd, name.c_str(), O_CREAT | O_EXCL | O_WRONLY, mode);
          if (fd >= 0) close(fd);
          return fd;
        });
        break;
      }
      case 1: {
        const uint32_t mode = pick(dir_modes);
        what = "mkdir " + name;
        a = ld.Mkdir(cred, dir, name, mode, um, now);
        if (!a.local) break;
        real = AsCaller(cred, um, [&] { return mkdirat(dfd, name.c_str(), mode); });
        if (real == 0 && a.status.ok())
          sh.fds_[a.attr.ino] = openat(dfd, name.c_str(), O_PATH | O_DIRECTORY);
        break;
      }
      case 2:
        what = "symlink " + name;
        a = ld.Symlink(cred, dir, name, "target/x", now);
        if (!a.local) break;
        real = AsCaller(cred, um, [&] { return symlinkat("target/x", dfd, name.c_str()); });
        break;
      case 3:
        what = "unlink " + name;
        a = ld.Unlink(cred, dir, name, now);
        if (!a.local) break;
        real = AsCaller(cred, um, [&] { return unlinkat(dfd, name.c_str(), 0); });
        break;
      case 4: {
        what = "rmdir " + name;
        auto victim = ld.Lookup(dir, name);
        a = ld.Rmdir(cred, dir, name, now);
        if (!a.local) break;
        real = AsCaller(cred, um, [&] { return unlinkat(dfd, name.c_str(), AT_REMOVEDIR); });
        if (real == 0 && victim && victim->found) {
          close(sh.fds_[victim->attr.ino]);
          sh.fds_.erase(victim->attr.ino);
        }
        break;
      }
      case 5: case 6: {
        // Rename within the directory, or to another one.
        const auto [to, tfd] = (sh.rng_() % 2) ? std::pair<const uint64_t, int>(dir, dfd) : pick_dir();
        const std::string& new_name = pick(names);
        const uint32_t flags = (sh.rng_() % 4 == 0) ? 1u : 0u;
        what = "rename " + std::to_string(dir) + "/" + name + " -> " + std::to_string(to) + "/" + new_name;
        if (auto s = ld.Lookup(dir, name); s && s->found) what += " src mode " + std::to_string(s->attr.mode);
        if (auto s = ld.Lookup(to, new_name); s && s->found) what += " dst mode " + std::to_string(s->attr.mode) + " ino " + std::to_string(s->attr.ino) + " n " + std::to_string(ld.List(s->attr.ino) ? ld.List(s->attr.ino)->size() : 999);
        auto replaced = ld.Lookup(to, new_name);
        a = ld.Rename(cred, dir, name, to, new_name, flags, now);
        if (!a.local) break;
        real = AsCaller(cred, um, [&] {
          return renameat2(dfd, name.c_str(), tfd, new_name.c_str(), flags);
        });
        if (real == 0 && replaced && replaced->found && replaced->attr.is_dir() &&
            replaced->attr.ino != a.attr.ino && sh.fds_.count(replaced->attr.ino)) {
          close(sh.fds_[replaced->attr.ino]);
          sh.fds_.erase(replaced->attr.ino);
        }
        break;
      }
      case 7: case 8: {
        // chmod / truncate / write of something created here, reached as the
        // kernel would (it walked the path: the caller may search `dir`).
        auto hit = ld.Lookup(dir, name);
        if (!hit || !hit->found || S_ISLNK(hit->attr.mode)) continue;
        Attrs parent = *ld.GetAttr(dir);
        const bool searchable =
            cred.uid == 0 ||
            (((cred.uid == parent.uid ? parent.mode >> 6
               : (cred.gid == parent.gid ? parent.mode >> 3 : parent.mode)) & 1) != 0);
        if (!searchable) continue;
        const uint64_t ino = hit->attr.ino;
        const int kind = sh.rng_() % 3;
        if (kind == 0) {
          SetAttrArgs args;
          args.valid = static_cast<uint32_t>(fb::SetAttrBits::Mode);
          args.mode = S_ISDIR(hit->attr.mode) ? pick(dir_modes) : pick(file_modes);
          what = "chmod " + name;
          a = ld.SetAttr(cred, ino, args, now);
          if (!a.local) break;
          real = AsCaller(cred, um, [&] { return fchmodat(dfd, name.c_str(), args.mode, 0); });
        } else if (S_ISREG(hit->attr.mode) && kind == 1) {
          SetAttrArgs args;
          args.valid = static_cast<uint32_t>(fb::SetAttrBits::Size);
          args.size = sh.rng_() % 3000;
          what = "truncate " + name;
          a = ld.SetAttr(cred, ino, args, now);
          if (!a.local) break;
          real = AsCaller(cred, um, [&] {
            int fd = openat(dfd, name.c_str(), O_WRONLY);
            if (fd < 0) return -1;
            int rc = ftruncate(fd, static_cast<off_t>(args.size));
            close(fd);
            return rc;
          });
        } else if (S_ISREG(hit->attr.mode)) {
          // The kernel checked write permission at open; the write is root's.
          const uint64_t off = sh.rng_() % 4000;
          std::string data(1 + sh.rng_() % 500, static_cast<char>('a' + step % 26));
          what = "write " + name;
          a = ld.WriteInline(kRoot, ino, off, data, now);
          if (!a.local) break;
          int fd = openat(dfd, name.c_str(), O_WRONLY);
          ASSERT_GE(fd, 0);
          ASSERT_EQ(pwrite(fd, data.data(), data.size(), static_cast<off_t>(off)),
                    static_cast<ssize_t>(data.size()));
          close(fd);
          real = 0;
        } else {
          continue;
        }
        break;
      }
    }
    if (!a.local) continue;
    ++local;
    SCOPED_TRACE(what + " as uid " + std::to_string(cred.uid));
    ASSERT_EQ(ErrnoOf(a), real) << a.status.ToString() << " " << DebugNames(dfd, name);
    // The parent's mtime/ctime change when and only when the shadow's did.
    const struct stat after = sh.StatOf(dfd);
    const bool moved = after.st_mtim.tv_sec != 1 || after.st_mtim.tv_nsec != 0;
    if (sh.fds_.count(dir)) {
      EXPECT_EQ(ld.GetAttr(dir)->mtime_ns == now, moved);
    }
    if (step % kCompareEvery == 0) {
      CompareTrees(ld, sh, seed, step);
      if (testing::Test::HasFatalFailure()) return;
    }
  }
  CompareTrees(ld, sh, seed, steps);
  EXPECT_GT(local, steps / 2);  // most ops were answered locally
}

TEST(LeasedDirsRandom, MatchesLocalDiskForSeededRuns) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (setfsuid for other callers)";
  ASSERT_EQ(setgroups(0, nullptr), 0);  // callers' groups are exactly theirs
  const char* env = std::getenv("ODFS_LEASED_DIRS_SEEDS");
  const int seeds = env != nullptr ? std::atoi(env) : 20;
  if (std::getenv("ODFS_LEASED_DIRS_COMPARE_ALL") != nullptr) kCompareEvery = 1;
  for (int seed = 1; seed <= seeds; ++seed) {
    RunRandomOps(static_cast<uint64_t>(seed), 400);
    if (HasFailure()) break;
  }
}

}  // namespace
}  // namespace opendfs::client
