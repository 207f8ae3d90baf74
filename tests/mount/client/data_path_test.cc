// The client library's write and read paths and leader discovery against
// in-process fake metad/blockds (fake_cluster.h) on loopback.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "libnet/client.h"
#include "mount/client/block_client.h"
#include "mount/client/file_reader.h"
#include "mount/client/file_writer.h"
#include "mount/client/location_cache.h"
#include "mount/client/meta_client.h"
#include "tests/mount/client/fake_cluster.h"

namespace opendfs::client {
namespace {

using testing::FakeBlockd;
using testing::FakeMetad;

constexpr uint32_t kBlock = 256 * 1024;  // small blocks: many per file
constexpr uint64_t kIno = 77;

std::string Random(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  std::mt19937 rng(seed);
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

class DataPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto& b : blockds_) b = std::make_unique<FakeBlockd>();
    metad_ = std::make_unique<FakeMetad>(
        std::vector<std::string>{blockds_[0]->address(), blockds_[1]->address(),
                                 blockds_[2]->address()},
        kBlock);
    metad_->AddFile(kIno);
    rpc_ = std::make_unique<Client>(ClientOptions{}, Logger::Quiet());
    MetaClientOptions mo;
    mo.metads = {*Endpoint::Parse(metad_->address())};
    mo.deadline = std::chrono::seconds(5);
    meta_ = std::make_unique<MetaClient>(mo, *rpc_, Logger::Quiet());
    blocks_ = std::make_unique<BlockClient>(*rpc_, Logger::Quiet());
    reader_ = std::make_unique<FileReader>(*meta_, *blocks_, cache_, Logger::Quiet());
  }
  void TearDown() override { rpc_->Stop(); }

  std::unique_ptr<FileWriter> Writer(size_t piece = 64 * 1024, size_t open_blocks = 16) {
    FileWriterOptions o;
    o.piece_bytes = piece;
    o.max_open_blocks = open_blocks;
    return std::make_unique<FileWriter>(*meta_, *blocks_, &cache_, Logger::Quiet(), o, kIno,
                                        kBlock, metad_->File(kIno).size);
  }

  std::string ReadAll(uint64_t offset, size_t n) {
    std::string out(n, '?');
    auto r = reader_->Read(cred_, kIno, kBlock, offset, n, reinterpret_cast<uint8_t*>(out.data()));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    out.resize(r.ok() ? *r : 0);
    return out;
  }

  std::unique_ptr<FakeBlockd> blockds_[3];
  std::unique_ptr<FakeMetad> metad_;
  std::unique_ptr<Client> rpc_;
  std::unique_ptr<MetaClient> meta_;
  std::unique_ptr<BlockClient> blocks_;
  LocationCache cache_;
  std::unique_ptr<FileReader> reader_;
  Cred cred_;
};

TEST_F(DataPathTest, SequentialWriteSpanningBlocksReadsBack) {
  std::string data = Random(3 * kBlock + 12345, 1);
  auto w = Writer();
  // Odd-sized writes, as an application would issue them.
  for (size_t off = 0; off < data.size(); off += 100000) {
    size_t n = std::min<size_t>(100000, data.size() - off);
    ASSERT_TRUE(w->Write(cred_, 9, off, data.data() + off, n).ok());
  }
  ASSERT_TRUE(w->Flush(cred_).ok());
  EXPECT_FALSE(w->HasDirty());
  auto commits = metad_->commits();
  ASSERT_EQ(commits.size(), 4u);
  for (const auto& c : commits) EXPECT_EQ(c.replicas.size(), 3u);
  EXPECT_EQ(commits.back().file_size, data.size());
  EXPECT_EQ(commits.back().length, 12345u);
  // Every replica holds every block, and the last piece of each was synced.
  for (auto& b : blockds_) {
    EXPECT_EQ(b->Data(commits[1].block_id), data.substr(kBlock, kBlock));
    EXPECT_EQ(b->sync_writes(), 4);
  }
  EXPECT_EQ(ReadAll(0, data.size() + 100), data);  // short at end of file
  EXPECT_EQ(ReadAll(kBlock - 10, 20), data.substr(kBlock - 10, 20));
}

TEST_F(DataPathTest, OverwriteInsideABlockBumpsVersionAndKeepsTheRest) {
  std::string data = Random(kBlock, 2);
  auto w = Writer();
  ASSERT_TRUE(w->Write(cred_, 9, 0, data.data(), data.size()).ok());
  ASSERT_TRUE(w->Flush(cred_).ok());
  ASSERT_TRUE(w->Write(cred_, 9, 1000, "HELLO", 5).ok());
  ASSERT_TRUE(w->Flush(cred_).ok());
  auto commits = metad_->commits();
  ASSERT_EQ(commits.size(), 2u);
  EXPECT_EQ(commits[1].version, 2u);
  EXPECT_EQ(commits[1].length, kBlock);  // old length kept
  data.replace(1000, 5, "HELLO");
  EXPECT_EQ(ReadAll(0, kBlock), data);
}

TEST_F(DataPathTest, RandomWritesAcrossBlocksCommitEachBlockOnce) {
  std::string data = Random(3 * kBlock, 8);
  {
    auto w = Writer();
    ASSERT_TRUE(w->Write(cred_, 9, 0, data.data(), data.size()).ok());
    ASSERT_TRUE(w->Flush(cred_).ok());
  }
  ASSERT_EQ(metad_->commits().size(), 3u);
  // 4 KiB writes hopping between the three blocks: one session per block,
  // no commit until the flush, then one per block at version 2.
  auto w = Writer();
  std::mt19937 rng(9);
  for (int i = 0; i < 60; ++i) {
    // Inside one block, never up to its end (that commits the block at once).
    uint64_t off = (rng() % 3) * kBlock + ((rng() % (kBlock - 8192)) & ~uint64_t{511}) + 100;
    std::string piece = Random(4096, 100 + i);
    data.replace(off, piece.size(), piece);
    ASSERT_TRUE(w->Write(cred_, 9, off, piece.data(), piece.size()).ok());
  }
  EXPECT_EQ(metad_->commits().size(), 3u);
  EXPECT_TRUE(w->DirtyIn(0, 3 * kBlock));
  ASSERT_TRUE(w->Flush(cred_).ok());
  auto commits = metad_->commits();
  ASSERT_EQ(commits.size(), 6u);
  for (size_t i = 3; i < 6; ++i) {
    EXPECT_EQ(commits[i].version, 2u);
    EXPECT_EQ(commits[i].length, kBlock);
  }
  EXPECT_FALSE(w->HasDirty());
  EXPECT_EQ(ReadAll(0, data.size()), data);
}

TEST_F(DataPathTest, OpenBlocksAreCappedLeastRecentlyWrittenFirst) {
  auto w = Writer(64 * 1024, /*open_blocks=*/2);
  ASSERT_TRUE(w->Write(cred_, 9, 0 * kBlock + 5, "a", 1).ok());
  ASSERT_TRUE(w->Write(cred_, 9, 1 * kBlock + 5, "b", 1).ok());
  ASSERT_TRUE(w->Write(cred_, 9, 0 * kBlock + 6, "c", 1).ok());
  EXPECT_EQ(metad_->commits().size(), 0u);
  // A third block: block 1, written longest ago, is committed for room.
  ASSERT_TRUE(w->Write(cred_, 9, 2 * kBlock + 5, "d", 1).ok());
  ASSERT_EQ(metad_->commits().size(), 1u);
  EXPECT_EQ(metad_->commits()[0].index, 1u);
  EXPECT_FALSE(w->DirtyIn(kBlock, kBlock));
  ASSERT_TRUE(w->Flush(cred_).ok());
  EXPECT_EQ(metad_->commits().size(), 3u);
  std::string got = ReadAll(0, 2 * kBlock + 6);
  EXPECT_EQ(got.substr(5, 2), "ac");
  EXPECT_EQ(got[kBlock + 5], 'b');
  EXPECT_EQ(got[2 * kBlock + 5], 'd');
}

TEST_F(DataPathTest, SparseFileReadsZerosInHoles) {
  auto w = Writer();
  ASSERT_TRUE(w->Write(cred_, 9, 2 * kBlock + 10, "tail", 4).ok());
  ASSERT_TRUE(w->Flush(cred_).ok());
  std::string got = ReadAll(0, 2 * kBlock + 14);
  ASSERT_EQ(got.size(), 2 * kBlock + 14);
  EXPECT_EQ(got.substr(0, 2 * kBlock + 10), std::string(2 * kBlock + 10, '\0'));
  EXPECT_EQ(got.substr(2 * kBlock + 10), "tail");
}

TEST_F(DataPathTest, HoleInsideABlockIsFilledWithZeros) {
  auto w = Writer(/*piece=*/16 * 1024);
  ASSERT_TRUE(w->Write(cred_, 9, 0, "a", 1).ok());
  ASSERT_TRUE(w->Flush(cred_).ok());
  // Past the block's end, in the same session and in a later one.
  ASSERT_TRUE(w->Write(cred_, 9, 100000, "b", 1).ok());
  ASSERT_TRUE(w->Write(cred_, 9, 50000, "c", 1).ok());
  ASSERT_TRUE(w->Write(cred_, 9, 200000, "d", 1).ok());
  ASSERT_TRUE(w->Flush(cred_).ok());
  std::string want(200001, '\0');
  want[0] = 'a';
  want[50000] = 'c';
  want[100000] = 'b';
  want[200000] = 'd';
  EXPECT_EQ(ReadAll(0, 300000), want);
  EXPECT_EQ(blockds_[2]->Data(metad_->commits()[0].block_id), want);
}

TEST_F(DataPathTest, FailingReplicaIsDroppedFromTheCommit) {
  blockds_[1]->fail_writes = true;
  std::string data = Random(200000, 3);
  auto w = Writer();
  ASSERT_TRUE(w->Write(cred_, 9, 0, data.data(), data.size()).ok());
  ASSERT_TRUE(w->Flush(cred_).ok());
  auto commits = metad_->commits();
  ASSERT_EQ(commits.size(), 1u);
  EXPECT_EQ(commits[0].replicas,
            (std::vector<std::string>{blockds_[0]->address(), blockds_[2]->address()}));
  EXPECT_EQ(ReadAll(0, data.size()), data);
}

TEST_F(DataPathTest, NoReplicaLeftFailsWritesUntilFlushReportsIt) {
  for (auto& b : blockds_) b->fail_writes = true;
  std::string data = Random(100000, 4);
  auto w = Writer();
  Status first = w->Write(cred_, 9, 0, data.data(), data.size());
  EXPECT_EQ(first.code(), StatusCode::Io) << first.ToString();
  EXPECT_EQ(w->Write(cred_, 9, 100000, "x", 1).code(), StatusCode::Io);
  EXPECT_EQ(w->Flush(cred_).code(), StatusCode::Io);
  EXPECT_TRUE(metad_->commits().empty());
  // The error was reported once; the writer works again afterwards.
  for (auto& b : blockds_) b->fail_writes = false;
  ASSERT_TRUE(w->Write(cred_, 9, 0, "ok", 2).ok());
  EXPECT_TRUE(w->Flush(cred_).ok());
}

TEST_F(DataPathTest, NoBlockdForAWhileIsWaitedOut) {
  metad_->RefuseWriteBlock(2);
  auto w = Writer();
  ASSERT_TRUE(w->Write(cred_, 9, 0, "abc", 3).ok());
  ASSERT_TRUE(w->Flush(cred_).ok());
  EXPECT_EQ(ReadAll(0, 3), "abc");
}

TEST_F(DataPathTest, LockHeldByAnotherWriterIsWaitedFor) {
  metad_->RefuseWriteBlock(3, StatusCode::LockHeld);
  auto w = Writer();
  ASSERT_TRUE(w->Write(cred_, 9, 0, "abc", 3).ok());
  ASSERT_TRUE(w->Flush(cred_).ok());
  EXPECT_EQ(ReadAll(0, 3), "abc");
}

TEST_F(DataPathTest, OtherWriteBlockErrorsAreNotRetried) {
  metad_->RefuseWriteBlock(1, StatusCode::AccessDenied);
  auto w = Writer();
  ASSERT_TRUE(w->Write(cred_, 9, 0, "abc", 3).ok());  // buffered
  EXPECT_EQ(w->Flush(cred_).code(), StatusCode::AccessDenied);
}

TEST_F(DataPathTest, CorruptReplicaFailsOverAndIsReported) {
  std::string data = Random(150000, 5);
  auto w = Writer();
  ASSERT_TRUE(w->Write(cred_, 9, 0, data.data(), data.size()).ok());
  ASSERT_TRUE(w->Flush(cred_).ok());
  blockds_[0]->corrupt_reads = true;  // the nearest replica lies
  EXPECT_EQ(ReadAll(0, data.size()), data);
  EXPECT_EQ(metad_->bad_reports(), std::vector<std::string>{blockds_[0]->address()});
}

TEST_F(DataPathTest, AllReplicasBadIsAnError) {
  std::string data = Random(1000, 6);
  auto w = Writer();
  ASSERT_TRUE(w->Write(cred_, 9, 0, data.data(), data.size()).ok());
  ASSERT_TRUE(w->Flush(cred_).ok());
  for (auto& b : blockds_) b->corrupt_reads = true;
  std::string out(1000, '\0');
  auto r = reader_->Read(cred_, kIno, kBlock, 0, 1000, reinterpret_cast<uint8_t*>(out.data()));
  // Every replica is tried, the locations are fetched again (the metad might
  // know a good copy by now), every replica is tried again, then EIO.
  EXPECT_EQ(r.status().code(), StatusCode::Io) << r.status().ToString();
  EXPECT_NE(r.status().message().find("crc mismatch"), std::string::npos) << r.status().ToString();
  EXPECT_EQ(metad_->bad_reports().size(), 6u);
}

TEST_F(DataPathTest, TornReadIsReadAgainNotReported) {
  // A rewrite landing between blockd's CRCs and its bytes tears a read:
  // twice in a row here; the third read of the same replica is whole.
  std::string data = Random(1000, 7);
  auto w = Writer();
  ASSERT_TRUE(w->Write(cred_, 9, 0, data.data(), data.size()).ok());
  ASSERT_TRUE(w->Flush(cred_).ok());
  for (auto& b : blockds_) b->torn_reads = 2;
  EXPECT_EQ(ReadAll(0, 1000), data);
  EXPECT_TRUE(metad_->bad_reports().empty());
}

TEST_F(DataPathTest, ABlockBeingRewrittenIsReadAtTheVersionItsWriteStartedFrom) {
  // GetBlocks while another client's write is open: the new version (no
  // replica has it yet) and the version the write started from.
  auto w = Writer();
  ASSERT_TRUE(w->Write(cred_, 9, 0, "committed v1", 12).ok());
  ASSERT_TRUE(w->Flush(cred_).ok());
  BlockLoc in_flux{0, metad_->commits()[0].block_id, 2, 12, {blockds_[0]->address()}, 1,
                   {blockds_[1]->address(), blockds_[2]->address()}};
  cache_.Put(kIno, 0, kBlocksPerFetch, 12, {in_flux});
  EXPECT_EQ(ReadAll(0, 12), "committed v1");
  // blockds_[0] answered StaleVersion (it is at 1, not 2): asked again at
  // 1, not reported — the version is in flux, not the replica bad.
  EXPECT_TRUE(metad_->bad_reports().empty());
}

TEST_F(DataPathTest, OutdatedLocationsAreRefetched) {
  auto w = Writer();
  ASSERT_TRUE(w->Write(cred_, 9, 0, "version one", 11).ok());
  ASSERT_TRUE(w->Flush(cred_).ok());
  EXPECT_EQ(ReadAll(0, 11), "version one");  // caches version 1
  // Another writer (a second writer object, as another mount) rewrites it.
  auto other = Writer();
  ASSERT_TRUE(other->Write(cred_, 9, 0, "VERSION TWO", 11).ok());
  ASSERT_TRUE(other->Flush(cred_).ok());
  // Our cache was invalidated by `other` here (shared cache); drop that
  // advantage by putting the stale location back.
  cache_.Put(kIno, 0, kBlocksPerFetch, 11,
             {BlockLoc{0, metad_->commits()[0].block_id, 1, 11,
                       {blockds_[0]->address(), blockds_[1]->address(),
                        blockds_[2]->address()},
                       0,
                       {}}});
  EXPECT_EQ(ReadAll(0, 11), "VERSION TWO");
}

TEST_F(DataPathTest, PiecesStreamBeforeFlushAndMemoryStaysBounded) {
  std::string data = Random(kBlock - 1, 7);  // stays inside block 0
  auto w = Writer(/*piece=*/16 * 1024);
  ASSERT_TRUE(w->Write(cred_, 9, 0, data.data(), data.size()).ok());
  // Without a flush, full pieces have already gone out to every replica: of
  // the 15 full ones at most max_inflight_pieces - 1 are unacknowledged.
  EXPECT_GE(blockds_[0]->writes(), 15 - 7);
  EXPECT_TRUE(w->HasDirty());
  EXPECT_TRUE(w->DirtyIn(kBlock - 2, 10));
  EXPECT_FALSE(w->DirtyIn(kBlock, 10));
  EXPECT_EQ(w->size(), data.size());
  ASSERT_TRUE(w->Flush(cred_).ok());
  EXPECT_EQ(ReadAll(0, data.size()), data);
}

TEST(MetaClientLeader, FollowsNotLeaderRedirect) {
  FakeMetad leader({}, kBlock), follower({}, kBlock);
  leader.AddFile(5, 123);
  follower.RedirectTo(leader.address());
  Client rpc(ClientOptions{}, Logger::Quiet());
  MetaClientOptions mo;
  mo.metads = {*Endpoint::Parse(follower.address())};
  MetaClient meta(mo, rpc, Logger::Quiet());
  auto a = meta.GetAttr(Cred{}, 5);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->size(), 123u);
  EXPECT_EQ(meta.leader(), leader.address());
  EXPECT_EQ(follower.calls(), 1);
  // Later calls go straight to the leader.
  ASSERT_TRUE(meta.GetAttr(Cred{}, 5).ok());
  EXPECT_EQ(follower.calls(), 1);
  rpc.Stop();
}

TEST(MetaClientLeader, SkipsDeadMetadAndKeepsSemanticErrors) {
  FakeMetad alive({}, kBlock);
  Client rpc(ClientOptions{}, Logger::Quiet());
  MetaClientOptions mo;
  // Port 1 on loopback: nothing listens, connection refused.
  mo.metads = {*Endpoint::Parse("127.0.0.1:1"), *Endpoint::Parse(alive.address())};
  mo.deadline = std::chrono::seconds(5);
  MetaClient meta(mo, rpc, Logger::Quiet());
  ASSERT_TRUE(meta.StartSession().ok());
  EXPECT_EQ(meta.session(), 42u);
  EXPECT_EQ(meta.leader(), alive.address());
  // NotFound is an answer, not a reason to retry elsewhere.
  int before = alive.calls();
  EXPECT_EQ(meta.GetAttr(Cred{}, 999).status().code(), StatusCode::NotFound);
  EXPECT_EQ(alive.calls(), before + 1);
  meta.StopSession();
  rpc.Stop();
}

TEST(MetaClientLeader, GivesUpAtTheDeadline) {
  Client rpc(ClientOptions{}, Logger::Quiet());
  MetaClientOptions mo;
  mo.metads = {*Endpoint::Parse("127.0.0.1:1")};
  mo.deadline = std::chrono::milliseconds(300);
  MetaClient meta(mo, rpc, Logger::Quiet());
  Status s = meta.GetAttr(Cred{}, 1).status();
  EXPECT_EQ(s.code(), StatusCode::ConnRefused) << s.ToString();
  rpc.Stop();
}

}  // namespace
}  // namespace opendfs::client
