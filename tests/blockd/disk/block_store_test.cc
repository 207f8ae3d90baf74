// BlockStore behaviour on real files in a temp dir: create, append, overwrite
// with version bumps, stale versions, ranges, CRCs returned for sendfile,
// flipped bits, delete, several data dirs.
#include "blockd/disk/block_store.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "blockd/disk/block_layout.h"
#include "libnet/crc32c.h"
#include "disk_test_util.h"

namespace opendfs::disk {
namespace {

using testing::FileExists;
using testing::PatternData;
using testing::ReferenceChunkCrcs;
using testing::TempDir;

class BlockStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = testing::OpenStore({tmp_.Sub("d0")}); }

  // Reads through the sendfile handle (pread on its fd) and checks the bytes
  // against the returned CRCs, as a client would.
  std::string ReadThroughHandle(uint64_t id, uint64_t version, uint64_t off, uint64_t len) {
    auto h = store_->Read(id, version, off, len);
    EXPECT_TRUE(h.ok()) << h.status().ToString();
    if (!h.ok()) return "";
    std::string buf(h->length, '\0');
    EXPECT_EQ(::pread(h->fd.get(), buf.data(), buf.size(), static_cast<off_t>(h->offset)),
              static_cast<ssize_t>(buf.size()));
    for (size_t i = 0; i < h->chunk_crcs.size(); ++i) {
      uint64_t at = (h->first_chunk + i) * kChunkSize - h->offset;
      uint64_t n = std::min<uint64_t>(kChunkSize, buf.size() - at);
      EXPECT_EQ(Crc32cByteLoop(buf.data() + at, n), h->chunk_crcs[i]) << "chunk " << i;
    }
    return buf.substr(off - h->offset, len);
  }

  std::string Contents(uint64_t id) {
    auto info = store_->Stat(id);
    EXPECT_TRUE(info.ok());
    auto r = store_->ReadVerified(id, kAnyVersion, 0, info.ok() ? info->length : 0);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : "";
  }

  std::string DataPath(uint64_t id) { return BlockDataPath(tmp_.Sub("d0"), id); }

  TempDir tmp_;
  std::unique_ptr<BlockStore> store_;
};

TEST_F(BlockStoreTest, CreateThenReadBack) {
  std::string data = PatternData(3 * kChunkSize + 1234, 1);
  auto w = store_->Write(7, 1, 0, data);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->length, data.size());
  EXPECT_EQ(w->version, 1u);
  EXPECT_TRUE(Contents(7) == data);
  auto st = store_->Stat(7);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->crc32c, Crc32cByteLoop(data.data(), data.size()));
  EXPECT_FALSE(st->corrupt);
  EXPECT_TRUE(FileExists(DataPath(7)));
  EXPECT_TRUE(FileExists(BlockMetaPath(tmp_.Sub("d0"), 7)));
  EXPECT_EQ(store_->block_count(), 1u);
}

TEST_F(BlockStoreTest, AppendsAcrossChunkBoundaries) {
  std::string all = PatternData(5 * kChunkSize + 99, 2);
  // Odd-sized appends so chunks are completed piecewise (read-modify).
  size_t pieces[] = {1000, kChunkSize - 1000 + 5, 3 * kChunkSize, 17, all.size()};
  uint64_t at = 0;
  for (size_t p : pieces) {
    size_t n = std::min<size_t>(p, all.size() - at);
    ASSERT_TRUE(store_->Write(9, 1, at, std::string_view(all).substr(at, n)).ok());
    at += n;
    if (at == all.size()) break;
  }
  ASSERT_EQ(at, all.size());
  EXPECT_TRUE(Contents(9) == all);
  auto h = store_->Read(9, 1, 0, all.size());
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->chunk_crcs, ReferenceChunkCrcs(all));
}

TEST_F(BlockStoreTest, OverwriteWithNewerVersionMovesTheReplica) {
  std::string data = PatternData(2 * kChunkSize + 500, 3);
  ASSERT_TRUE(store_->Write(5, 1, 0, data).ok());
  std::string patch = PatternData(3000, 4);
  auto w = store_->Write(5, 2, kChunkSize - 1000, patch);  // straddles chunks 0 and 1
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->version, 2u);
  EXPECT_EQ(w->length, data.size());
  data.replace(kChunkSize - 1000, patch.size(), patch);
  EXPECT_TRUE(Contents(5) == data);
  // The previous version is no longer served.
  auto old = store_->Read(5, 1, 0, 10);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.status().code(), StatusCode::StaleVersion);
  EXPECT_TRUE(ReadThroughHandle(5, 2, 0, data.size()) == data);
}

TEST_F(BlockStoreTest, OverwriteThatAlsoExtends) {
  std::string data = PatternData(kChunkSize + 10, 5);
  ASSERT_TRUE(store_->Write(6, 3, 0, data).ok());
  std::string tail = PatternData(2 * kChunkSize, 6);
  ASSERT_TRUE(store_->Write(6, 3, 100, tail).ok());
  data.resize(100);
  data += tail;
  EXPECT_TRUE(Contents(6) == data);
  EXPECT_EQ(store_->Stat(6)->length, data.size());
}

TEST_F(BlockStoreTest, OlderVersionIsStale) {
  ASSERT_TRUE(store_->Write(1, 5, 0, "hello").ok());
  auto w = store_->Write(1, 4, 5, " world");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), StatusCode::StaleVersion);
  EXPECT_EQ(Contents(1), "hello");
  EXPECT_EQ(store_->Stat(1)->version, 5u);
  auto r = store_->ReadVerified(1, 6, 0, 5);  // a newer version than we hold
  EXPECT_EQ(r.status().code(), StatusCode::StaleVersion);
}

TEST_F(BlockStoreTest, EmptyWriteOnlyBumpsVersion) {
  ASSERT_TRUE(store_->Write(1, 1, 0, "abc").ok());
  ASSERT_TRUE(store_->Write(1, 2, 3, "").ok());
  EXPECT_EQ(store_->Stat(1)->version, 2u);
  EXPECT_EQ(Contents(1), "abc");
}

TEST_F(BlockStoreTest, RangeErrors) {
  ASSERT_TRUE(store_->Write(1, 1, 0, "abcdef").ok());
  EXPECT_EQ(store_->Write(1, 1, 7, "x").status().code(), StatusCode::OutOfRange);  // hole
  EXPECT_EQ(store_->Write(2, 1, 5, "x").status().code(), StatusCode::OutOfRange);  // new at 5
  EXPECT_EQ(store_->Read(1, 1, 3, 4).status().code(), StatusCode::OutOfRange);
  EXPECT_EQ(store_->Read(1, 1, 7, 0).status().code(), StatusCode::OutOfRange);
  EXPECT_EQ(store_->Read(1, 1, ~0ULL, 2).status().code(), StatusCode::OutOfRange);
  EXPECT_EQ(store_->Write(1, 1, ~0ULL - 1, "xyz").status().code(), StatusCode::OutOfRange);
  EXPECT_TRUE(store_->Read(1, 1, 6, 0).ok());
  EXPECT_EQ(store_->Write(1, 0, 0, "x").status().code(), StatusCode::Invalid);
  EXPECT_EQ(store_->Write(1, kAnyVersion, 0, "x").status().code(), StatusCode::Invalid);
  EXPECT_EQ(Contents(1), "abcdef");
}

TEST_F(BlockStoreTest, UnknownBlock) {
  EXPECT_EQ(store_->Read(99, 1, 0, 0).status().code(), StatusCode::NoSuchBlock);
  EXPECT_EQ(store_->ReadVerified(99, 1, 0, 0).status().code(), StatusCode::NoSuchBlock);
  EXPECT_EQ(store_->Stat(99).status().code(), StatusCode::NoSuchBlock);
  EXPECT_EQ(store_->Delete(99).code(), StatusCode::NoSuchBlock);
  EXPECT_EQ(store_->Write(99, 1, 0, "x", {.create = false}).status().code(),
            StatusCode::NoSuchBlock);
}

TEST_F(BlockStoreTest, ReadHandleIsChunkAlignedWithMatchingCrcs) {
  std::string data = PatternData(4 * kChunkSize + 300, 8);
  ASSERT_TRUE(store_->Write(3, 1, 0, data, {.sync = true}).ok());
  auto h = store_->Read(3, 1, kChunkSize + 10, kChunkSize);  // chunks 1 and 2
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->offset, kChunkSize);
  EXPECT_EQ(h->length, 2 * kChunkSize);
  EXPECT_EQ(h->first_chunk, 1u);
  auto ref = ReferenceChunkCrcs(data);
  EXPECT_EQ(h->chunk_crcs, std::vector<uint32_t>(ref.begin() + 1, ref.begin() + 3));
  EXPECT_EQ(h->block_length, data.size());
  // The last chunk is short: the widened range ends at the block's end.
  auto tail = store_->Read(3, kAnyVersion, data.size() - 5, 5);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail->offset, 4 * kChunkSize);
  EXPECT_EQ(tail->length, 300u);
  EXPECT_TRUE(ReadThroughHandle(3, 1, 12345, 200'000) == data.substr(12345, 200'000));
  auto empty = store_->Read(3, 1, 10, 0);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->length, 0u);
  EXPECT_TRUE(empty->chunk_crcs.empty());
}

TEST_F(BlockStoreTest, ReadVerifiedReturnsExactRange) {
  std::string data = PatternData(3 * kChunkSize, 9);
  ASSERT_TRUE(store_->Write(4, 1, 0, data).ok());
  auto r = store_->ReadVerified(4, 1, kChunkSize - 7, 20);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, data.substr(kChunkSize - 7, 20));
}

TEST_F(BlockStoreTest, FlippedBitIsCorruptOnReadVerified) {
  std::string data = PatternData(3 * kChunkSize, 10);
  ASSERT_TRUE(store_->Write(11, 1, 0, data).ok());
  testing::FlipBit(DataPath(11), 2 * kChunkSize + 77, 3);
  // A range not covering chunk 2 still reads.
  EXPECT_TRUE(store_->ReadVerified(11, 1, 0, kChunkSize).ok());
  auto r = store_->ReadVerified(11, 1, 0, data.size());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::Corrupt);
  EXPECT_NE(r.status().message().find("block 11 chunk 2"), std::string::npos)
      << r.status().message();
  // Marked: never served again, reported in the list.
  EXPECT_EQ(store_->Read(11, 1, 0, 10).status().code(), StatusCode::Corrupt);
  EXPECT_TRUE(store_->Stat(11)->corrupt);
  EXPECT_EQ(store_->corrupt_count(), 1u);
  EXPECT_EQ(store_->Write(11, 2, 0, "x").status().code(), StatusCode::Corrupt);
  // Deleting it is how metad gets rid of it.
  EXPECT_TRUE(store_->Delete(11).ok());
  EXPECT_EQ(store_->corrupt_count(), 0u);
}

TEST_F(BlockStoreTest, FlippedBitSeenByClientThroughHandleCrcs) {
  std::string data = PatternData(2 * kChunkSize, 12);
  ASSERT_TRUE(store_->Write(12, 1, 0, data).ok());
  testing::FlipBit(DataPath(12), 5, 0);
  auto h = store_->Read(12, 1, 0, 100);
  ASSERT_TRUE(h.ok());  // sendfile path does not read the data
  std::string buf(h->length, '\0');
  ASSERT_EQ(::pread(h->fd.get(), buf.data(), buf.size(), 0), static_cast<ssize_t>(buf.size()));
  EXPECT_NE(Crc32c(buf), h->chunk_crcs[0]);
}

TEST_F(BlockStoreTest, PartialWriteOverCorruptChunkIsRefused) {
  std::string data = PatternData(kChunkSize, 13);
  ASSERT_TRUE(store_->Write(13, 1, 0, data).ok());
  testing::FlipBit(DataPath(13), 100, 1);
  // Recomputing the CRC over the flipped byte would launder it.
  auto w = store_->Write(13, 2, 10, "patch");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), StatusCode::Corrupt);
  EXPECT_TRUE(store_->Stat(13)->corrupt);
}

TEST_F(BlockStoreTest, CorruptMetaDetected) {
  ASSERT_TRUE(store_->Write(14, 1, 0, PatternData(1000, 14)).ok());
  testing::FlipBit(BlockMetaPath(tmp_.Sub("d0"), 14), 30, 2);
  auto r = store_->Read(14, 1, 0, 10);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::Corrupt);
  EXPECT_NE(r.status().message().find(".meta"), std::string::npos);
  EXPECT_TRUE(store_->Stat(14)->corrupt);
}

TEST_F(BlockStoreTest, DeleteRemovesFilesAndHonoursVersion) {
  ASSERT_TRUE(store_->Write(15, 3, 0, "data").ok());
  EXPECT_EQ(store_->Delete(15, 2).code(), StatusCode::StaleVersion);
  EXPECT_TRUE(store_->Stat(15).ok());
  EXPECT_TRUE(store_->Delete(15, 3).ok());
  EXPECT_FALSE(FileExists(DataPath(15)));
  EXPECT_FALSE(FileExists(BlockMetaPath(tmp_.Sub("d0"), 15)));
  EXPECT_EQ(store_->Stat(15).status().code(), StatusCode::NoSuchBlock);
  EXPECT_EQ(store_->block_count(), 0u);
  EXPECT_EQ(store_->TotalUsage().used_bytes, 0u);
  // The id can be reused.
  ASSERT_TRUE(store_->Write(15, 4, 0, "again").ok());
  EXPECT_EQ(Contents(15), "again");
}

TEST_F(BlockStoreTest, OpenFdSurvivesDelete) {
  ASSERT_TRUE(store_->Write(16, 1, 0, "still here").ok());
  auto h = store_->Read(16, 1, 0, 10);
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(store_->Delete(16).ok());
  char buf[10];
  ASSERT_EQ(::pread(h->fd.get(), buf, 10, 0), 10);
  EXPECT_EQ(std::string(buf, 10), "still here");
}

TEST_F(BlockStoreTest, ListAndUsage) {
  ASSERT_TRUE(store_->Write(1, 1, 0, PatternData(100, 1)).ok());
  ASSERT_TRUE(store_->Write(2, 2, 0, PatternData(200, 2)).ok());
  auto list = store_->List();
  ASSERT_EQ(list.size(), 2u);
  std::set<uint64_t> ids;
  for (auto& b : list) ids.insert(b.block_id);
  EXPECT_EQ(ids, (std::set<uint64_t>{1, 2}));
  DirUsage total = store_->TotalUsage();
  EXPECT_EQ(total.used_bytes, 300u);
  EXPECT_EQ(total.block_count, 2u);
  EXPECT_GT(total.capacity_bytes, 0u);
  EXPECT_GT(total.free_bytes, 0u);
}

TEST_F(BlockStoreTest, ConcurrentWritersOnDistinctAndSharedBlocks) {
  // Eight threads append to their own block and bump a shared one; the store
  // must serialise per block and lose nothing.
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      std::string piece = PatternData(10'000, t);
      for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(store_->Write(100 + t, 1, i * piece.size(), piece).ok());
        auto w = store_->Write(200, 1, 0, piece.substr(0, 100));
        ASSERT_TRUE(w.ok()) << w.status().ToString();
      }
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t) {
    std::string piece = PatternData(10'000, t), want;
    for (int i = 0; i < 20; ++i) want += piece;
    EXPECT_TRUE(Contents(100 + t) == want) << t;
  }
  EXPECT_EQ(Contents(200).size(), 100u);
}

TEST(BlockStoreDirs, NewBlocksSpreadOverDirsInHashedFolders) {
  TempDir tmp;
  std::vector<std::string> dirs = {tmp.Sub("a"), tmp.Sub("b"), tmp.Sub("c")};
  auto store = testing::OpenStore(dirs);
  ASSERT_TRUE(store);
  for (uint64_t id = 1; id <= 30; ++id)
    ASSERT_TRUE(store->Write(id, 1, 0, PatternData(10, id)).ok());
  // All three dirs are on one file system here, so free space ties and any
  // choice is right; what must hold is that each block is where its dir's
  // layout says, and that the per-dir figures add up.
  uint64_t found = 0;
  for (uint64_t id = 1; id <= 30; ++id) {
    int where = 0;
    for (const auto& d : dirs) {
      if (FileExists(BlockMetaPath(d, id))) {
        ++where;
        EXPECT_TRUE(FileExists(BlockDataPath(d, id)));
      }
    }
    EXPECT_EQ(where, 1) << id;
    found += where;
  }
  EXPECT_EQ(found, 30u);
  uint64_t sum = 0;
  for (const DirUsage& u : store->Usage()) sum += u.block_count;
  EXPECT_EQ(sum, 30u);
  EXPECT_EQ(store->TotalUsage().used_bytes, 300u);
}

TEST(BlockStoreDirs, SplitDataDirs) {
  EXPECT_EQ(SplitDataDirs("/data01/block,/data02/block, /data03/block/,"),
            (std::vector<std::string>{"/data01/block", "/data02/block", "/data03/block"}));
  EXPECT_TRUE(SplitDataDirs("").empty());
}

TEST(BlockStoreDirs, OpenRejectsBadDirLists) {
  TempDir tmp;
  StoreOptions o;
  EXPECT_EQ(BlockStore::Open(o, Logger::Quiet()).status().code(), StatusCode::Invalid);
  o.data_dirs = {"relative/dir"};
  EXPECT_EQ(BlockStore::Open(o, Logger::Quiet()).status().code(), StatusCode::Invalid);
  o.data_dirs = {tmp.Sub("x"), tmp.Sub("x")};
  EXPECT_EQ(BlockStore::Open(o, Logger::Quiet()).status().code(), StatusCode::Invalid);
}

}  // namespace
}  // namespace opendfs::disk
