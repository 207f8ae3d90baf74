// EditLog contract, run against RocksEditLog and MemEditLog; reopen and
// corruption cases against RocksEditLog only.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "metad/store/mem_edit_log.h"
#include "metad/store/rocks_edit_log.h"
#include "metad/store/rocks_util.h"
#include "temp_dir.h"

namespace opendfs::store {
namespace {

using testing::TempDir;

std::vector<LogRecord> Records(uint64_t first, uint64_t last) {
  std::vector<LogRecord> out;
  for (uint64_t i = first; i <= last; ++i) out.push_back({i, "record-" + std::to_string(i)});
  return out;
}

std::unique_ptr<RocksEditLog> OpenRocks(const std::string& dir) {
  auto log = RocksEditLog::Open(dir);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return log.ok() ? std::move(log).value() : nullptr;
}

class EditLogTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "rocks") {
      log_ = OpenRocks(dir_.Sub("editlog"));
    } else {
      log_ = std::make_unique<MemEditLog>();
    }
    ASSERT_NE(log_, nullptr);
  }

  TempDir dir_;
  std::unique_ptr<EditLog> log_;
};

TEST_P(EditLogTest, FreshLogIsEmptyStartingAtOne) {
  EXPECT_EQ(log_->first_index(), 1u);
  EXPECT_EQ(log_->last_index(), 0u);
  auto read = log_->Read(1, 10, 1 << 20);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_TRUE(read->empty());
  EXPECT_EQ(log_->Read(0, 10, 1 << 20).status().code(), StatusCode::Invalid);
}

TEST_P(EditLogTest, AppendsAndReadsInOrder) {
  ASSERT_TRUE(log_->Append(Records(1, 3)).ok());
  ASSERT_TRUE(log_->Append(Records(4, 10)).ok());
  EXPECT_EQ(log_->last_index(), 10u);
  auto read = log_->Read(2, 100, 1 << 20);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, Records(2, 10));
}

TEST_P(EditLogTest, RefusesGapsRepeatsAndDisorderWritingNothing) {
  ASSERT_TRUE(log_->Append(Records(1, 3)).ok());
  EXPECT_EQ(log_->Append(Records(5, 6)).code(), StatusCode::Invalid);
  EXPECT_EQ(log_->Append(Records(3, 4)).code(), StatusCode::Invalid);
  std::vector<LogRecord> holey = {{4, "a"}, {6, "b"}};
  EXPECT_EQ(log_->Append(holey).code(), StatusCode::Invalid);
  EXPECT_EQ(log_->Append({}).code(), StatusCode::Invalid);
  EXPECT_EQ(log_->last_index(), 3u);
  auto read = log_->Read(1, 100, 1 << 20);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, Records(1, 3));
}

TEST_P(EditLogTest, ReadStopsAtRecordAndByteLimits) {
  ASSERT_TRUE(log_->Append(Records(1, 10)).ok());
  auto by_count = log_->Read(3, 4, 1 << 20);
  ASSERT_TRUE(by_count.ok());
  EXPECT_EQ(*by_count, Records(3, 6));
  // "record-1" is 8 bytes: 20 bytes stop after the third record.
  auto by_bytes = log_->Read(1, 100, 20);
  ASSERT_TRUE(by_bytes.ok());
  EXPECT_EQ(*by_bytes, Records(1, 3));
  auto at_least_one = log_->Read(1, 100, 0);
  ASSERT_TRUE(at_least_one.ok());
  EXPECT_EQ(*at_least_one, Records(1, 1));
  auto past_end = log_->Read(11, 100, 1 << 20);
  ASSERT_TRUE(past_end.ok());
  EXPECT_TRUE(past_end->empty());
}

TEST_P(EditLogTest, TrimDropsThePrefix) {
  ASSERT_TRUE(log_->Append(Records(1, 10)).ok());
  ASSERT_TRUE(log_->TrimBefore(5).ok());
  EXPECT_EQ(log_->first_index(), 5u);
  EXPECT_EQ(log_->last_index(), 10u);
  EXPECT_EQ(log_->Read(4, 10, 1 << 20).status().code(), StatusCode::NotFound);
  auto read = log_->Read(5, 100, 1 << 20);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, Records(5, 10));
  ASSERT_TRUE(log_->TrimBefore(3).ok());  // behind the start: no-op
  EXPECT_EQ(log_->first_index(), 5u);
  ASSERT_TRUE(log_->Append(Records(11, 12)).ok());
  EXPECT_EQ(log_->last_index(), 12u);
}

TEST_P(EditLogTest, TrimPastTheEndRestartsTheLogThere) {
  ASSERT_TRUE(log_->Append(Records(1, 4)).ok());
  ASSERT_TRUE(log_->TrimBefore(20).ok());
  EXPECT_EQ(log_->first_index(), 20u);
  EXPECT_EQ(log_->last_index(), 19u);
  EXPECT_EQ(log_->Append(Records(5, 5)).code(), StatusCode::Invalid);
  ASSERT_TRUE(log_->Append(Records(20, 21)).ok());
  auto read = log_->Read(20, 100, 1 << 20);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, Records(20, 21));
}

TEST_P(EditLogTest, MetaValuesRoundTrip) {
  auto missing = log_->GetMeta("promised_ballot");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  ASSERT_TRUE(log_->PutMeta("promised_ballot", "7:2").ok());
  ASSERT_TRUE(log_->PutMeta("promised_ballot", "9:1").ok());
  ASSERT_TRUE(log_->PutMeta("other", std::string("\0x", 2)).ok());
  auto got = log_->GetMeta("promised_ballot");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->value(), "9:1");
  EXPECT_EQ(log_->GetMeta("other")->value(), std::string("\0x", 2));
  EXPECT_EQ(log_->PutMeta(std::string(kMetaNameBytesMax + 1, 'n'), "v").code(),
            StatusCode::Invalid);
  EXPECT_EQ(log_->PutMeta("n", std::string(kMetaValueBytesMax + 1, 'v')).code(),
            StatusCode::Invalid);
  // Meta values are not records.
  EXPECT_EQ(log_->last_index(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Impls, EditLogTest, ::testing::Values("rocks", "mem"),
                         [](const auto& info) { return info.param; });

TEST(RocksEditLogTest, ReopenKeepsRecordsTrimPointAndMeta) {
  TempDir dir;
  std::string path = dir.Sub("editlog");
  {
    auto log = OpenRocks(path);
    ASSERT_TRUE(log->Append(Records(1, 30)).ok());
    ASSERT_TRUE(log->TrimBefore(11).ok());
    ASSERT_TRUE(log->PutMeta("ballot", "42").ok());
  }
  auto log = OpenRocks(path);
  EXPECT_EQ(log->first_index(), 11u);
  EXPECT_EQ(log->last_index(), 30u);
  auto read = log->Read(11, 100, 1 << 20);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, Records(11, 30));
  EXPECT_EQ(log->GetMeta("ballot")->value(), "42");
  ASSERT_TRUE(log->Append(Records(31, 31)).ok());
}

TEST(RocksEditLogTest, ReopenAfterTrimOfEverythingContinuesAtTrimPoint) {
  TempDir dir;
  std::string path = dir.Sub("editlog");
  {
    auto log = OpenRocks(path);
    ASSERT_TRUE(log->Append(Records(1, 5)).ok());
    ASSERT_TRUE(log->TrimBefore(6).ok());
  }
  auto log = OpenRocks(path);
  EXPECT_EQ(log->first_index(), 6u);
  EXPECT_EQ(log->last_index(), 5u);
  EXPECT_TRUE(log->Append(Records(6, 6)).ok());
}

// Damage the RocksDB underneath and check Open names the directory and why.
void RawDelete(const std::string& path, const std::string& key) {
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), path, &db).ok());
  ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), key).ok());
  delete db;
}

void RawPut(const std::string& path, const std::string& key, const std::string& value) {
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), path, &db).ok());
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), key, value).ok());
  delete db;
}

TEST(RocksEditLogTest, OpenReportsAHoleAsCorrupt) {
  TempDir dir;
  std::string path = dir.Sub("editlog");
  {
    auto log = OpenRocks(path);
    ASSERT_TRUE(log->Append(Records(1, 5)).ok());
  }
  std::string key = "L";
  PutBigEndian64(&key, 3);
  RawDelete(path, key);
  auto log = RocksEditLog::Open(path);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::Corrupt);
  EXPECT_NE(log.status().message().find(path), std::string::npos) << log.status().ToString();
  EXPECT_NE(log.status().message().find("hole"), std::string::npos) << log.status().ToString();
}

TEST(RocksEditLogTest, OpenReportsAMissingStartAsCorrupt) {
  TempDir dir;
  std::string path = dir.Sub("editlog");
  {
    auto log = OpenRocks(path);
    ASSERT_TRUE(log->Append(Records(1, 5)).ok());
  }
  std::string key = "L";
  PutBigEndian64(&key, 1);
  RawDelete(path, key);
  auto log = RocksEditLog::Open(path);
  EXPECT_EQ(log.status().code(), StatusCode::Corrupt) << log.status().ToString();
}

TEST(RocksEditLogTest, OpenReportsAForeignKeyAsCorrupt) {
  TempDir dir;
  std::string path = dir.Sub("editlog");
  { auto log = OpenRocks(path); }
  RawPut(path, "zzz", "?");
  auto log = RocksEditLog::Open(path);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::Corrupt);
  EXPECT_NE(log.status().message().find(path), std::string::npos);
}

TEST(RocksEditLogTest, OpenOfAnUnusableDirectoryNamesIt) {
  auto log = RocksEditLog::Open("/proc/odfs-no-such-dir/editlog");
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("/proc/odfs-no-such-dir/editlog"), std::string::npos);
}

}  // namespace
}  // namespace opendfs::store
