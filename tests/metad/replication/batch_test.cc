// Batch encoding round trip and refusal of malformed bytes; PaxosStore
// persistence (entries, hard state, applied mark, compaction).
#include <filesystem>

#include <gtest/gtest.h>

#include "metad/replication/batch.h"
#include "metad/replication/paxos_store.h"

namespace opendfs::replication {
namespace {

TEST(BatchTest, RoundTrip) {
  std::string b = EncodeBatch(3, 42, {"a", "", std::string(1000, 'x')});
  std::optional<Batch> d = DecodeBatch(b);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->proposer, 3u);
  EXPECT_EQ(d->seq, 42u);
  ASSERT_EQ(d->records.size(), 3u);
  EXPECT_EQ(d->records[0], "a");
  EXPECT_EQ(d->records[1], "");
  EXPECT_EQ(d->records[2], std::string(1000, 'x'));
}

TEST(BatchTest, RefusesTruncatedAndTrailingBytes) {
  std::string b = EncodeBatch(1, 1, {"hello"});
  EXPECT_FALSE(DecodeBatch(b.substr(0, b.size() - 1)).has_value());
  EXPECT_FALSE(DecodeBatch(b + "x").has_value());
  EXPECT_FALSE(DecodeBatch("").has_value());
}

TEST(PaxosStoreTest, PersistsAndCompacts) {
  std::string dir = ::testing::TempDir() + "/paxos_store_test";
  std::filesystem::remove_all(dir);
  {
    auto s = PaxosStore::Open(dir);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    auto d = (*s)->Load();
    ASSERT_TRUE(d.ok());
    EXPECT_FALSE(d->mark.has_value());
    std::vector<paxos::LogEntry> es;
    for (paxos::Slot i = 1; i <= 5; ++i)
      es.push_back(paxos::LogEntry{i, paxos::Ballot{2, 1}, i == 3 ? paxos::Value::Noop()
                                                                  : paxos::Value::Of("v" + std::to_string(i))});
    ASSERT_TRUE((*s)->Save(paxos::HardState{paxos::Ballot{2, 1}, 4}, es, AppliedMark{2, 7}, true).ok());
    ASSERT_TRUE((*s)->Compact(2, AppliedMark{3, 9}).ok());
  }
  auto s = PaxosStore::Open(dir);
  ASSERT_TRUE(s.ok());
  auto d = (*s)->Load();
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->hard_state.promised, (paxos::Ballot{2, 1}));
  EXPECT_EQ(d->hard_state.commit_index, 4u);
  EXPECT_EQ(d->compacted, 2u);
  ASSERT_TRUE(d->mark.has_value());
  EXPECT_EQ(d->mark->slot, 3u);
  EXPECT_EQ(d->mark->log_index, 9u);
  ASSERT_EQ(d->entries.size(), 3u);
  EXPECT_EQ(d->entries[0].slot, 3u);
  EXPECT_TRUE(d->entries[0].value.is_noop);
  EXPECT_EQ(d->entries[2].value.bytes, "v5");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace opendfs::replication
