// EditBatch (a mount's flushed write-back mutations) and EditReserveInodes
// (the inode ids delegated to it): docs/write-back.md.
#include "tests/metad/namespace/ns_fixture.h"

namespace opendfs::metad {
namespace {

using C = StatusCode;

class BatchTest : public NsTest {
 protected:
  // Delegates `count` ids; returns the first.
  InodeId Reserve(uint32_t count) {
    ApplyResult r = Apply(records::ReserveInodes(count, 7));
    EXPECT_TRUE(r.status.ok()) << r.status.ToString();
    return r.first_reserved;
  }
  std::string CreateRec(InodeId p, std::string_view name, InodeId ino) {
    records::CreateArgs a{p, name, ino, S_IFREG | 0644, 0, true, kBlockSize, 3};
    return records::Create(a, root, Tick());
  }
};

TEST_F(BatchTest, ReservedIdsMoveTheCounterPastThem) {
  const InodeId first = Reserve(10);
  EXPECT_EQ(first, 2u);
  EXPECT_EQ(ns.max_inode_id(), 11u);
  // The leader's own next id is past the range.
  ASSERT_TRUE(Mkdir(kRootInode, "d").status.ok());
  EXPECT_EQ(ns.Lookup(kRootInode, "d", root)->ino, 12u);
  EXPECT_EQ(Code(ns.ApplyBytes(records::ReserveInodes(0, 7))), C::Invalid);
}

TEST_F(BatchTest, SubRecordsApplyInOrderWithDelegatedIds) {
  const InodeId first = Reserve(4);
  ApplyResult r = Apply(records::Batch({
      records::Mkdir(kRootInode, "src", first, 0755, root, Tick()),
      CreateRec(first, "a.c", first + 1),
      CreateRec(first, "b.c", first + 2),
      records::Unlink(first, "a.c", false, root, Tick()),
  }));
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.batch.size(), 4u);
  for (const ApplyResult& sub : r.batch) EXPECT_TRUE(sub.status.ok()) << sub.status.ToString();
  EXPECT_EQ(r.batch[3].freed_inode, first + 1);
  EXPECT_EQ(Names(first), std::vector<std::string>{"b.c"});
  EXPECT_EQ(ns.max_inode_id(), first + 3);
}

TEST_F(BatchTest, ARefusedSubRecordChangesNothingAndTheRestApply) {
  const InodeId first = Reserve(3);
  ASSERT_TRUE(Create(kRootInode, "taken").status.ok());
  ApplyResult r = Apply(records::Batch({
      CreateRec(kRootInode, "one", first),
      CreateRec(kRootInode, "taken", first + 1),  // O_EXCL: exists
      CreateRec(kRootInode, "two", first + 2),
  }));
  ASSERT_EQ(r.batch.size(), 3u);
  EXPECT_TRUE(r.batch[0].status.ok());
  EXPECT_EQ(r.batch[1].status.code(), C::Exists);
  EXPECT_TRUE(r.batch[2].status.ok());
  EXPECT_EQ(Code(ns.GetAttr(first + 1)), C::NotFound);
  EXPECT_EQ(Names(kRootInode), (std::vector<std::string>{"taken", "one", "two"}));
}

TEST_F(BatchTest, IdsInUseOrNeverDelegatedAreRefused) {
  const InodeId first = Reserve(2);
  ApplyResult r = Apply(records::Batch({
      CreateRec(kRootInode, "a", first),
      CreateRec(kRootInode, "b", first),            // id now in use
      CreateRec(kRootInode, "c", kRootInode),       // the root's id
  }));
  ASSERT_EQ(r.batch.size(), 3u);
  EXPECT_TRUE(r.batch[0].status.ok());
  EXPECT_EQ(r.batch[1].status.code(), C::Invalid);
  EXPECT_EQ(r.batch[2].status.code(), C::Invalid);
  // Outside a batch a delegated id is not fresh.
  EXPECT_EQ(Code(ns.ApplyBytes(CreateRec(kRootInode, "d", first + 1))), C::Invalid);
  // Ids above the counter are fine in a batch as well (the leader's own).
  ApplyResult above = Apply(records::Batch({CreateRec(kRootInode, "e", ns.max_inode_id() + 1)}));
  ASSERT_EQ(above.batch.size(), 1u);
  EXPECT_TRUE(above.batch[0].status.ok());
}

TEST_F(BatchTest, ABatchInsideABatchIsRefused) {
  const InodeId first = Reserve(1);
  ApplyResult r = Apply(records::Batch({records::Batch({CreateRec(kRootInode, "x", first)})}));
  ASSERT_EQ(r.batch.size(), 1u);
  EXPECT_EQ(r.batch[0].status.code(), C::Invalid);
  EXPECT_EQ(Code(ns.Lookup(kRootInode, "x", root)), C::NotFound);
}

TEST_F(BatchTest, ABatchIsExactlyOnce) {
  const InodeId first = Reserve(1);
  std::string tagged = records::Batch({CreateRec(kRootInode, "once", first)});
  ASSERT_TRUE(records::TagClientRequest(tagged, 42, 1));
  ApplyResult r = Apply(tagged);
  ASSERT_EQ(r.batch.size(), 1u);
  EXPECT_TRUE(r.batch[0].status.ok());
  ApplyResult again = Apply(tagged);
  EXPECT_TRUE(again.replayed);
  EXPECT_TRUE(again.status.ok());
  EXPECT_EQ(Names(kRootInode), std::vector<std::string>{"once"});
}

TEST_F(BatchTest, ReplayOfTheLogGivesTheSameNamespace) {
  const InodeId first = Reserve(3);
  Apply(records::Batch({records::Mkdir(kRootInode, "d", first, 0700, root, Tick()),
                        CreateRec(first, "f", first + 1),
                        records::Rename(first, "f", kRootInode, "g", 0, false, root, Tick())}));
  Namespace replica;
  for (const std::string& rec : log) replica.ApplyBytes(rec);
  EXPECT_EQ(replica.max_inode_id(), ns.max_inode_id());
  EXPECT_EQ(replica.Lookup(kRootInode, "g", root)->ino, first + 1);
  EXPECT_EQ(Code(replica.Lookup(first, "f", root)), C::NotFound);
}

}  // namespace
}  // namespace opendfs::metad
