// The block data path over a real libnet connection to an in-process blockd:
// writes, appends, overwrites with version bumps, reads verified by the test
// against the chunk CRCs, precise errors, bit rot seen by the client and by
// the scanner, copies between blockds, restart over the same dirs.
#include <gtest/gtest.h>

#include "blockd/disk/block_layout.h"
#include "blockd/disk/block_meta.h"
#include "service_test_util.h"

namespace opendfs::blockd {
namespace {

using testing::BlockClient;
using testing::PatternData;

class BlockServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { StartNode(); }
  void TearDown() override {
    bc_.reset();
    client_.reset();
    node_.reset();
  }
  void StartNode() {
    auto n = BlockdNode::Start(testing::TestSettings(tmp_.path()), Logger::Quiet());
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    node_ = std::move(*n);
    client_ = std::make_unique<Client>(ClientOptions{}, Logger::Quiet());
    bc_ = std::make_unique<BlockClient>(*client_, node_->bound());
  }
  void RestartNode() {
    bc_.reset();
    client_.reset();
    node_.reset();
    StartNode();
  }
  std::string DataPath(uint64_t id) {
    return disk::BlockDataPath(tmp_.path() + "/data", id);
  }

  testing::TempDir tmp_;
  std::unique_ptr<BlockdNode> node_;
  std::unique_ptr<Client> client_;
  std::unique_ptr<BlockClient> bc_;
};

TEST_F(BlockServiceTest, WriteThenReadVerifiesEveryChunk) {
  std::string data = PatternData(3 * 65536 + 1234, 1);
  Result<uint64_t> len = bc_->Write(7, 1, 0, data, {.create = true, .sync = true});
  ASSERT_TRUE(len.ok()) << len.status().ToString();
  EXPECT_EQ(*len, data.size());
  Result<std::string> all = bc_->Read(7, 1, 0, data.size());
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, data);
  // An unaligned range in the middle.
  Result<std::string> mid = bc_->Read(7, 1, 70000, 100000);
  ASSERT_TRUE(mid.ok()) << mid.status().ToString();
  EXPECT_EQ(*mid, data.substr(70000, 100000));
  // Version 0 reads whatever version is there.
  Result<std::string> any = bc_->Read(7, 0, 5, 10);
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(*any, data.substr(5, 10));
  Result<BlockClient::Info> info = bc_->Stat(7);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->version, 1u);
  EXPECT_EQ(info->length, data.size());
}

TEST_F(BlockServiceTest, AppendAndOverwriteWithVersionBump) {
  std::string a = PatternData(100000, 1), b = PatternData(50000, 2), c = PatternData(3000, 3);
  ASSERT_TRUE(bc_->Write(9, 1, 0, a).ok());
  Result<uint64_t> len = bc_->Write(9, 1, a.size(), b, {.create = false});
  ASSERT_TRUE(len.ok()) << len.status().ToString();
  EXPECT_EQ(*len, a.size() + b.size());
  // Overwrite in the middle at version 2.
  len = bc_->Write(9, 2, 99000, c, {.create = false, .sync = true});
  ASSERT_TRUE(len.ok()) << len.status().ToString();
  std::string expect = a + b;
  expect.replace(99000, c.size(), c);
  Result<std::string> got = bc_->Read(9, 2, 0, expect.size());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, expect);
  EXPECT_EQ(bc_->Stat(9)->version, 2u);
  // The old version is stale now, for reads and writes.
  EXPECT_EQ(bc_->Read(9, 1, 0, 10).status().code(), StatusCode::StaleVersion);
  EXPECT_EQ(bc_->Write(9, 1, 0, c, {.create = false}).status().code(),
            StatusCode::StaleVersion);
}

TEST_F(BlockServiceTest, PreciseErrors) {
  EXPECT_EQ(bc_->Read(404, 1, 0, 1).status().code(), StatusCode::NoSuchBlock);
  EXPECT_EQ(bc_->Stat(404).status().code(), StatusCode::NoSuchBlock);
  EXPECT_EQ(bc_->Delete(404, 0).code(), StatusCode::NoSuchBlock);
  EXPECT_EQ(bc_->Write(404, 1, 0, "x", {.create = false}).status().code(),
            StatusCode::NoSuchBlock);
  ASSERT_TRUE(bc_->Write(5, 3, 0, PatternData(1000, 5)).ok());
  EXPECT_EQ(bc_->Read(5, 3, 900, 200).status().code(), StatusCode::OutOfRange);
  EXPECT_EQ(bc_->Read(5, 3, 2000, 1).status().code(), StatusCode::OutOfRange);
  EXPECT_EQ(bc_->Write(5, 3, 1001, "x", {.create = false}).status().code(),
            StatusCode::OutOfRange);
  EXPECT_EQ(bc_->Read(5, 2, 0, 1).status().code(), StatusCode::StaleVersion);
  EXPECT_EQ(bc_->Write(5, 0, 0, "x").status().code(), StatusCode::Invalid);
}

TEST_F(BlockServiceTest, WrongTrailerCrcIsCorruptAndWritesNothing) {
  ASSERT_TRUE(bc_->Write(11, 1, 0, "hello").ok());
  Result<uint64_t> r = bc_->Write(11, 1, 5, " world", {.create = false, .corrupt_crc = true});
  EXPECT_EQ(r.status().code(), StatusCode::Corrupt);
  EXPECT_EQ(bc_->Stat(11)->length, 5u);
  EXPECT_EQ(bc_->Write(12, 1, 0, "new", {.corrupt_crc = true}).status().code(),
            StatusCode::Corrupt);
  EXPECT_EQ(bc_->Stat(12).status().code(), StatusCode::NoSuchBlock);
  // Without a CRC the write is taken as is.
  EXPECT_TRUE(bc_->Write(11, 1, 5, "!", {.create = false, .send_crc = false}).ok());
  EXPECT_EQ(*bc_->Read(11, 1, 0, 6), "hello!");
}

TEST_F(BlockServiceTest, DeleteRemovesTheReplica) {
  ASSERT_TRUE(bc_->Write(13, 2, 0, "data").ok());
  EXPECT_EQ(bc_->Delete(13, 1).code(), StatusCode::StaleVersion);  // replica newer
  EXPECT_TRUE(bc_->Delete(13, 2).ok());
  EXPECT_EQ(bc_->Stat(13).status().code(), StatusCode::NoSuchBlock);
  EXPECT_FALSE(testing::Exists(DataPath(13)));
}

TEST_F(BlockServiceTest, FlippedBitIsSeenByTheClientAndTheScanner) {
  std::string data = PatternData(200000, 4);
  ASSERT_TRUE(bc_->Write(21, 1, 0, data, {.sync = true}).ok());
  testing::FlipBit(DataPath(21), 131072 + 17, 3);  // inside chunk 2
  // Data goes out by sendfile unchecked: the client's CRC check catches it.
  Result<std::string> r = bc_->Read(21, 1, 0, data.size());
  EXPECT_EQ(r.status().code(), StatusCode::Corrupt) << r.status().ToString();
  // Chunks before the flipped one still verify.
  Result<std::string> head = bc_->Read(21, 1, 0, 65536);
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(*head, data.substr(0, 65536));

  std::vector<uint64_t> found;
  disk::Scanner scanner(node_->store(), disk::ScannerOptions{},
                        [&](uint64_t id, const Status&) { found.push_back(id); },
                        Logger::Quiet());
  disk::ScanStats st = scanner.ScanOnce();
  EXPECT_EQ(st.corrupt_found, 1u);
  EXPECT_EQ(found, std::vector<uint64_t>{21});
  // Marked corrupt: never served again.
  EXPECT_EQ(bc_->Read(21, 1, 0, 10).status().code(), StatusCode::Corrupt);
  EXPECT_EQ(bc_->Stat(21).status().code(), StatusCode::Corrupt);
}

TEST_F(BlockServiceTest, CopyPushesAVerifiedReplicaToAnotherBlockd) {
  testing::TempDir other_dir;
  auto other = BlockdNode::Start(testing::TestSettings(other_dir.path()), Logger::Quiet());
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  std::string data = PatternData(2 * 1024 * 1024 + 777, 6);  // 3 slices
  ASSERT_TRUE(bc_->Write(31, 4, 0, data).ok());
  Result<uint64_t> n = bc_->Copy(31, 4, (*other)->bound().ToString());
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, data.size());
  BlockClient oc(*client_, (*other)->bound());
  Result<std::string> got = oc.Read(31, 4, 0, data.size());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, data);
  EXPECT_EQ(oc.Stat(31)->crc32c, bc_->Stat(31)->crc32c);
  // A wrong version or a missing block is refused.
  EXPECT_EQ(bc_->Copy(31, 3, (*other)->bound().ToString()).status().code(),
            StatusCode::StaleVersion);
  EXPECT_EQ(bc_->Copy(99, 1, (*other)->bound().ToString()).status().code(),
            StatusCode::NoSuchBlock);
  EXPECT_EQ(bc_->Copy(31, 4, "nonsense").status().code(), StatusCode::Invalid);
}

TEST_F(BlockServiceTest, EmptyBlockCanBeCreatedReadAndCopied) {
  ASSERT_TRUE(bc_->Write(41, 1, 0, "").ok());
  EXPECT_EQ(bc_->Stat(41)->length, 0u);
  Result<std::string> r = bc_->Read(41, 1, 0, 0);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "");
}

TEST_F(BlockServiceTest, RestartKeepsBlocksIntact) {
  std::map<uint64_t, std::string> blocks;
  for (uint64_t id = 100; id < 120; ++id) {
    blocks[id] = PatternData(1000 * id + 7, id);
    ASSERT_TRUE(bc_->Write(id, id % 3 + 1, 0, blocks[id], {.sync = true}).ok());
  }
  std::string uuid = node_->uuid();
  RestartNode();
  EXPECT_EQ(node_->uuid(), uuid);
  EXPECT_EQ(node_->store().block_count(), blocks.size());
  for (const auto& [id, data] : blocks) {
    Result<std::string> r = bc_->Read(id, id % 3 + 1, 0, data.size());
    ASSERT_TRUE(r.ok()) << id << ": " << r.status().ToString();
    EXPECT_EQ(*r, data);
  }
}

TEST_F(BlockServiceTest, ManyConcurrentWritersAndReaders) {
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      BlockClient c(*client_, node_->bound());
      for (int i = 0; i < 10; ++i) {
        uint64_t id = 1000 + t * 100 + i;
        std::string d = PatternData(20000 + i * 1000, id);
        if (!c.Write(id, 1, 0, d).ok()) ++failures;
        Result<std::string> r = c.Read(id, 1, 0, d.size());
        if (!r.ok() || *r != d) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace opendfs::blockd
