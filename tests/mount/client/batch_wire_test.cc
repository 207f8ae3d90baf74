// batch_wire: every op kind goes on the wire as the synchronous request would
// (read back through the flatbuffers Verifier), and the leader's replies are
// read into plain values.
#include "mount/client/batch_wire.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

namespace opendfs::client {
namespace {

namespace fbs = flatbuffers;
using Kind = BatchOpArgs::Kind;

// Builds a FlushBatchRequest of `ops`, verifies it and hands it to `check`.
template <class Fn>
void RoundTrip(const std::vector<BatchOpArgs>& ops, Fn check) {
  fbs::FlatBufferBuilder b;
  auto caller = BuildOpCaller(b, Cred{});
  auto body = BuildBatchOps(b, ops);
  auto rel = b.CreateVector(std::vector<uint64_t>{7, 8});
  b.Finish(fb::CreateFlushBatchRequest(b, caller, body, rel));
  fbs::Verifier v(b.GetBufferPointer(), b.GetSize());
  ASSERT_TRUE(v.VerifyBuffer<fb::FlushBatchRequest>(nullptr));
  const auto* req = fbs::GetRoot<fb::FlushBatchRequest>(b.GetBufferPointer());
  ASSERT_EQ(req->ops()->size(), ops.size());
  EXPECT_EQ(req->release()->size(), 2u);
  check(*req);
}

BatchOpArgs Op(Kind k) {
  BatchOpArgs op;
  op.kind = k;
  op.cred = Cred{1000, 100, {5, 6}};
  op.parent = 10;
  op.name = "n";
  op.time_ns = 77;
  return op;
}

TEST(BatchWire, CreateCarriesTheDelegatedInodeTimeAndOpen) {
  BatchOpArgs c = Op(Kind::Create);
  c.mode = S_IFREG | 0666;
  c.umask = 022;
  c.flags = O_EXCL | O_WRONLY;
  c.block_size = 4096;
  c.replication = 2;
  c.inode = 1234;
  c.open = true;
  RoundTrip({c}, [](const fb::FlushBatchRequest& r) {
    const fb::BatchOp* op = r.ops()->Get(0);
    EXPECT_EQ(op->inode(), 1234u);
    EXPECT_EQ(op->time_ns(), 77);
    EXPECT_TRUE(op->open());
    const auto* body = op->body_as_CreateRequest();
    ASSERT_NE(body, nullptr);
    EXPECT_EQ(body->parent(), 10u);
    EXPECT_EQ(body->name()->str(), "n");
    EXPECT_EQ(body->mode(), S_IFREG | 0666u);
    EXPECT_EQ(body->umask(), 022u);
    EXPECT_EQ(body->flags(), static_cast<uint32_t>(O_EXCL | O_WRONLY));
    EXPECT_EQ(body->block_size(), 4096u);
    EXPECT_EQ(body->replication(), 2);
    EXPECT_EQ(body->caller()->uid(), 1000u);
    EXPECT_EQ(body->caller()->gid(), 100u);
    EXPECT_EQ(body->caller()->groups()->size(), 2u);
    EXPECT_EQ(body->caller()->session(), 0u);  // the FlushBatchRequest's
  });
}

TEST(BatchWire, EveryKindHasItsBody) {
  std::vector<BatchOpArgs> ops;
  BatchOpArgs mknod = Op(Kind::Mknod);
  mknod.mode = S_IFIFO | 0600;
  mknod.rdev = 0;
  ops.push_back(mknod);
  ops.push_back(Op(Kind::Mkdir));
  BatchOpArgs sym = Op(Kind::Symlink);
  sym.target = "t/x";
  ops.push_back(sym);
  BatchOpArgs link = Op(Kind::Link);
  link.ino = 50;
  link.new_parent = 11;
  link.new_name = "l";
  ops.push_back(link);
  ops.push_back(Op(Kind::Unlink));
  ops.push_back(Op(Kind::Rmdir));
  BatchOpArgs ren = Op(Kind::Rename);
  ren.new_parent = 11;
  ren.new_name = "m";
  ren.flags = 1;
  ops.push_back(ren);
  BatchOpArgs set = Op(Kind::SetAttr);
  set.ino = 51;
  set.setattr.valid = static_cast<uint32_t>(fb::SetAttrBits::Mode);
  set.setattr.mode = 0600;
  ops.push_back(set);
  BatchOpArgs w = Op(Kind::WriteInline);
  w.ino = 52;
  w.data = std::string("ab\0c", 4);
  w.file_size = 4;
  ops.push_back(w);
  RoundTrip(ops, [](const fb::FlushBatchRequest& r) {
    EXPECT_EQ(r.ops()->Get(0)->body_as_MknodRequest()->mode(), S_IFIFO | 0600u);
    EXPECT_EQ(r.ops()->Get(1)->body_as_MkdirRequest()->name()->str(), "n");
    EXPECT_EQ(r.ops()->Get(2)->body_as_SymlinkRequest()->target()->str(), "t/x");
    EXPECT_EQ(r.ops()->Get(3)->body_as_LinkRequest()->new_name()->str(), "l");
    EXPECT_EQ(r.ops()->Get(4)->body_as_UnlinkRequest()->parent(), 10u);
    EXPECT_EQ(r.ops()->Get(5)->body_as_RmdirRequest()->name()->str(), "n");
    const auto* rn = r.ops()->Get(6)->body_as_RenameRequest();
    EXPECT_EQ(rn->new_parent(), 11u);
    EXPECT_EQ(rn->flags(), 1u);
    EXPECT_EQ(r.ops()->Get(7)->body_as_SetAttrRequest()->mode(), 0600u);
    const auto* wi = r.ops()->Get(8)->body_as_WriteInlineRequest();
    ASSERT_EQ(wi->writes()->size(), 1u);
    EXPECT_EQ(wi->writes()->Get(0)->offset(), 0u);
    EXPECT_EQ(wi->writes()->Get(0)->data()->size(), 4u);
    EXPECT_EQ(wi->file_size(), 4u);
    EXPECT_EQ(wi->mtime_ns(), 77);
  });
}

TEST(BatchWire, ReadsFlushAndLeaseReplies) {
  fbs::FlatBufferBuilder b;
  fb::Attr a(9, 1, 2, 3, 4, 0, S_IFREG | 0644, 1, 0, 0, 4096, 3, 0);
  std::vector<fbs::Offset<fb::BatchOpResult>> rs{
      fb::CreateBatchOpResult(b, 0, 42, &a),
      fb::CreateBatchOpResult(b, static_cast<uint16_t>(StatusCode::AccessDenied), 0, nullptr)};
  auto results = b.CreateVector(rs);
  auto lost = b.CreateVector(std::vector<uint64_t>{5});
  b.Finish(fb::CreateFlushBatchReply(b, results, lost));
  FlushResult f = ReadFlushReply(*fbs::GetRoot<fb::FlushBatchReply>(b.GetBufferPointer()));
  ASSERT_EQ(f.results.size(), 2u);
  EXPECT_EQ(f.results[0].handle, 42u);
  EXPECT_EQ(f.results[0].attr.ino(), 9u);
  EXPECT_EQ(f.results[1].status, StatusCode::AccessDenied);
  EXPECT_EQ(f.lost, std::vector<uint64_t>{5});

  fbs::FlatBufferBuilder g;
  fb::Attr d(10, 0, 1, 1, 1, 0, S_IFDIR | 0755, 2, 0, 0, 0, 3, 0);
  std::vector<fbs::Offset<fb::DirEntry>> es{
      fb::CreateDirEntry(g, g.CreateString("x"), 9, S_IFREG | 0644, 1, &a)};
  auto entries = g.CreateVector(es);
  g.Finish(fb::CreateAcquireDirLeaseReply(g, true, 0, &d, entries, 1000, 64));
  LeaseGrant lg = ReadLeaseReply(*fbs::GetRoot<fb::AcquireDirLeaseReply>(g.GetBufferPointer()));
  EXPECT_TRUE(lg.granted);
  EXPECT_EQ(lg.dir_attr.ino(), 10u);
  ASSERT_EQ(lg.entries.size(), 1u);
  EXPECT_EQ(lg.entries[0].name, "x");
  EXPECT_EQ(lg.entries[0].attr.ino(), 9u);
  EXPECT_EQ(lg.first_inode, 1000u);
  EXPECT_EQ(lg.inode_count, 64u);
}

}  // namespace
}  // namespace opendfs::client
