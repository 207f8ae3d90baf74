// Block write state (metad/namespace/block_write.h): open writes, the stale
// replicas a commit leaves out of its acknowledged set, settling a write
// whose writer died, and all of it surviving editlog replay and the fsimage.
#include "fsimage_generated.h"
#include "tests/metad/namespace/ns_fixture.h"

namespace opendfs::metad {
namespace {

using C = StatusCode;
using Addrs = std::vector<std::string>;

const std::string kA = "10.0.0.1:8100", kB = "10.0.0.2:8100", kC = "10.0.0.3:8100";

class BlockWriteTest : public NsTest {
 protected:
  // A file with one committed block at version 1 (all three acknowledged).
  void SetUp() override {
    f = MustOk(Create(kRootInode, "f"));
    ApplyResult a = Apply(records::AddBlock(f, 0, ns.max_block_id() + 1, Tick(), {kA, kB, kC}));
    ASSERT_TRUE(a.status.ok());
    b = a.block.id;
    ASSERT_TRUE(Commit(1, 1000, {kA, kB, kC}).status.ok());
  }
  ApplyResult Bump(uint32_t version, const Addrs& granted = {kA, kB, kC}) {
    return Apply(records::BumpBlockVersion(f, 0, b, version, Tick(), granted));
  }
  ApplyResult Commit(uint32_t version, uint32_t length, const Addrs& acked) {
    return Apply(records::CommitBlock(f, 0, b, version, length, 0, Tick(), acked));
  }
  ApplyResult Settle(uint32_t version, std::string_view authority, uint32_t length = 0) {
    records::SettleArgs a;
    a.inode = f;
    a.index = 0;
    a.block_id = b;
    a.version = version;
    a.authority = authority;
    a.length = length;
    a.file_size = length;
    return Apply(records::SettleBlock(a, Tick()));
  }
  BlockInfo Block() { return ns.GetBlocks(f, 0, 1)->blocks[0]; }
  Addrs StaleOf(const Namespace& n) {
    const BlockWrite* w = n.WriteOf(b);
    return w ? w->stale : Addrs{};
  }

  InodeId f = 0;
  BlockId b = 0;
};

TEST_F(BlockWriteTest, AFullyAcknowledgedCommitLeavesNoEntry) {
  EXPECT_EQ(ns.WriteOf(b), nullptr);
  EXPECT_TRUE(ns.block_writes().empty());
}

TEST_F(BlockWriteTest, AnOverwriteIsOpenUntilItsCommit) {
  ASSERT_TRUE(Bump(2).status.ok());
  const BlockWrite* w = ns.WriteOf(b);
  ASSERT_NE(w, nullptr);
  EXPECT_TRUE(w->open);
  EXPECT_EQ(w->from_version, 1u);
  EXPECT_EQ(w->granted, (Addrs{kA, kB, kC}));
  // One writer at a time: a second overwrite waits for this one to settle.
  EXPECT_EQ(Code(Bump(3)), C::LockHeld);
  ASSERT_TRUE(Commit(2, 2000, {kA, kB, kC}).status.ok());
  EXPECT_EQ(ns.WriteOf(b), nullptr);
}

TEST_F(BlockWriteTest, ReplicasLeftOutOfTheCommitAreStale) {
  ASSERT_TRUE(Bump(2).status.ok());
  ASSERT_TRUE(Commit(2, 2000, {kC, kA}).status.ok());
  EXPECT_EQ(StaleOf(ns), (Addrs{kB}));
  EXPECT_FALSE(ns.WriteOf(b)->open);
  // The next commit by a full set replaces the list (B is at an old version
  // by then, which is stale anyway).
  ASSERT_TRUE(Bump(3, {kA, kC}).status.ok());
  EXPECT_EQ(StaleOf(ns), (Addrs{kB})) << "kept while the write is open: it describes version 2";
  ASSERT_TRUE(Commit(3, 2000, {kA, kC}).status.ok());
  EXPECT_EQ(ns.WriteOf(b), nullptr);
}

TEST_F(BlockWriteTest, ACommitNeedsAnOpenWriteAndAGrantedReplica) {
  EXPECT_EQ(Code(Commit(1, 10, {kA})), C::StaleVersion);  // nothing open
  ASSERT_TRUE(Bump(2).status.ok());
  EXPECT_EQ(Code(Commit(2, 10, {"10.9.9.9:8100"})), C::Invalid);
  EXPECT_EQ(Code(Commit(2, 10, {""})), C::Invalid);
  EXPECT_TRUE(Commit(2, 10, {kA, "10.9.9.9:8100"}).status.ok());
  EXPECT_EQ(StaleOf(ns), (Addrs{kB, kC}));
}

TEST_F(BlockWriteTest, ForgettingTheLastStaleReplicaDropsTheEntry) {
  ASSERT_TRUE(Bump(2).status.ok());
  ASSERT_TRUE(Commit(2, 2000, {kA}).status.ok());
  EXPECT_TRUE(Apply(records::ForgetStaleReplica(b, kB)).status.ok());
  EXPECT_EQ(StaleOf(ns), (Addrs{kC}));
  EXPECT_EQ(Code(Apply(records::ForgetStaleReplica(b, kB))), C::NotFound);
  EXPECT_TRUE(Apply(records::ForgetStaleReplica(b, kC)).status.ok());
  EXPECT_EQ(ns.WriteOf(b), nullptr);
}

TEST_F(BlockWriteTest, SettleForwardKeepsTheAuthorityOnly) {
  ASSERT_TRUE(Bump(2).status.ok());
  ApplyResult r = Settle(2, kB, 1500);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(Block(), (BlockInfo{b, 2, 1500}));
  EXPECT_EQ(AttrOf(f).size, 1500u);  // the dead writer's extension counts
  EXPECT_EQ(StaleOf(ns), (Addrs{kA, kC}));
  // The writer's late commit, and a second settle, find nothing open.
  EXPECT_EQ(Code(Commit(2, 2000, {kA, kB, kC})), C::StaleVersion);
  EXPECT_EQ(Code(Settle(2, kA, 10)), C::Stale);
  // Afterwards the block is written as usual.
  ASSERT_TRUE(Bump(3, {kB}).status.ok());
  ASSERT_TRUE(Commit(3, 1600, {kB}).status.ok());
  EXPECT_EQ(ns.WriteOf(b), nullptr);
}

TEST_F(BlockWriteTest, SettleRefusesAnAuthorityTheWriterWasNotGiven) {
  ASSERT_TRUE(Bump(2, {kA, kB}).status.ok());
  EXPECT_EQ(Code(Settle(2, kC, 10)), C::Invalid);
  EXPECT_EQ(Code(Settle(3, kA, 10)), C::StaleVersion);
  EXPECT_TRUE(ns.WriteOf(b)->open);
}

TEST_F(BlockWriteTest, SettleBackRestoresTheOldVersionAndBurnsTheNewOne) {
  ASSERT_TRUE(Bump(2).status.ok());
  ASSERT_TRUE(Settle(2, "").status.ok());
  EXPECT_EQ(Block(), (BlockInfo{b, 1, 1000}));
  ASSERT_NE(ns.WriteOf(b), nullptr);
  EXPECT_EQ(ns.WriteOf(b)->burned_version, 2u);
  // Version 2 may exist on some replica: it is never handed out again.
  EXPECT_EQ(Code(Bump(2)), C::Invalid);
  ASSERT_TRUE(Bump(3).status.ok());
  ASSERT_TRUE(Commit(3, 1000, {kA, kB, kC}).status.ok());
  EXPECT_EQ(ns.WriteOf(b), nullptr);
}

TEST_F(BlockWriteTest, SettleBackOfANewBlockLeavesAHole) {
  ApplyResult a = Apply(records::AddBlock(f, 1, ns.max_block_id() + 1, Tick(), {kA, kB}));
  ASSERT_TRUE(a.status.ok());
  const BlockId nb = a.block.id;
  records::SettleArgs s;
  s.inode = f;
  s.index = 1;
  s.block_id = nb;
  s.version = 1;
  ApplyResult r = Apply(records::SettleBlock(s, Tick()));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.freed_blocks, (std::vector<BlockId>{nb}));
  EXPECT_EQ(ns.GetBlocks(f, 1, 1)->blocks[0].id, 0u);
  EXPECT_EQ(ns.WriteOf(nb), nullptr);
}

TEST_F(BlockWriteTest, FreedBlocksLoseTheirEntry) {
  ASSERT_TRUE(Bump(2).status.ok());
  ASSERT_TRUE(Commit(2, 2000, {kA}).status.ok());
  ASSERT_NE(ns.WriteOf(b), nullptr);
  ASSERT_TRUE(Unlink(kRootInode, "f").status.ok());
  EXPECT_TRUE(ns.block_writes().empty());
}

// The acknowledged set, an open write and a burned version come back the same
// from the editlog (replay) and from the fsimage (checkpoint, snapshot
// shipping, restart).
TEST_F(BlockWriteTest, StateSurvivesReplayAndImage) {
  ASSERT_TRUE(Bump(2).status.ok());
  ASSERT_TRUE(Commit(2, 2000, {kA, kC}).status.ok());  // stale: B
  InodeId g = MustOk(Create(kRootInode, "g"));
  ASSERT_TRUE(Apply(records::AddBlock(g, 0, ns.max_block_id() + 1, Tick(), {kB, kC})).status.ok());
  const BlockId open_block = ns.max_block_id();  // an open write
  InodeId h = MakeFile(kRootInode, "h", 10);
  const BlockId hb = ns.GetBlocks(h, 0, 1)->blocks[0].id;
  ASSERT_TRUE(Apply(records::BumpBlockVersion(h, 0, hb, 2, Tick())).status.ok());
  records::SettleArgs s{h, 0, hb, 2, "", 0, 0};
  ASSERT_TRUE(Apply(records::SettleBlock(s, Tick())).status.ok());  // burned 2
  ASSERT_EQ(ns.block_writes().size(), 3u);

  Namespace replayed;
  for (const std::string& rec : log) (void)replayed.ApplyBytes(rec);
  EXPECT_EQ(replayed.block_writes(), ns.block_writes());

  MemoryImage image;
  ASSERT_TRUE(ns.Save(image).ok());
  auto reader = image.NewReader();
  Result<std::unique_ptr<Namespace>> loaded = Namespace::Load(reader);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->block_writes(), ns.block_writes());
  EXPECT_EQ(StaleOf(**loaded), (Addrs{kB}));
  ASSERT_NE((*loaded)->WriteOf(open_block), nullptr);
  EXPECT_TRUE((*loaded)->WriteOf(open_block)->open);
  EXPECT_EQ((*loaded)->WriteOf(hb)->burned_version, 2u);
  // And it goes on from there: the burned version stays burned.
  EXPECT_EQ((*loaded)->ApplyBytes(records::BumpBlockVersion(h, 0, hb, 2, Tick())).status.code(),
            C::Invalid);
}

TEST_F(BlockWriteTest, AnImageEntryForAMissingBlockIsCorrupt) {
  ASSERT_TRUE(Bump(2).status.ok());
  MemoryImage image;
  ASSERT_TRUE(ns.Save(image).ok());
  // Move the entry to a block id no file holds.
  std::string key, value;
  for (const auto& [k, v] : image.pairs())
    if (k[0] == 'W') key = k, value = v;
  ASSERT_FALSE(key.empty());
  image.mutable_pairs().erase(key);
  key.back() = static_cast<char>(key.back() + 1);
  image.mutable_pairs()[key] = value;
  auto reader = image.NewReader();
  EXPECT_EQ(Namespace::Load(reader).status().code(), C::Corrupt);
}

// Images written before block write state existed (format 1) still load.
TEST_F(BlockWriteTest, AnImageOfFormatOneStillLoads) {
  MemoryImage image;
  ASSERT_TRUE(ns.Save(image).ok());
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(fb::CreateImageMeta(fbb, 1, ns.max_inode_id(), ns.max_block_id(), ns.inode_count()));
  image.mutable_pairs()["A"] = std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()),
                                           fbb.GetSize());
  auto reader = image.NewReader();
  Result<std::unique_ptr<Namespace>> loaded = Namespace::Load(reader);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->GetBlocks(f, 0, 1)->blocks[0], Block());
  fbb.Clear();
  fbb.Finish(fb::CreateImageMeta(fbb, 3, ns.max_inode_id(), ns.max_block_id(), ns.inode_count()));
  image.mutable_pairs()["A"] = std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()),
                                           fbb.GetSize());
  auto reader3 = image.NewReader();
  EXPECT_EQ(Namespace::Load(reader3).status().code(), C::Corrupt);
}

}  // namespace
}  // namespace opendfs::metad
