#include "metad/registry/block_map.h"

#include <algorithm>
#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace opendfs::metad {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// The namespace's committed versions, as a map, and the replicas a write's
// acknowledged set left out (stale at the committed version).
class FakeCatalog : public BlockCatalog {
 public:
  std::optional<uint64_t> CommittedVersion(BlockId block) const override {
    auto it = versions.find(block);
    if (it == versions.end()) return std::nullopt;
    return it->second;
  }
  ReplicaVerdict Judge(BlockId block, uint64_t version, BlockdId blockd) const override {
    ReplicaVerdict v = BlockCatalog::Judge(block, version, blockd);
    if (v == ReplicaVerdict::kGood && stale.contains({block, blockd})) return ReplicaVerdict::kStale;
    return v;
  }
  std::map<BlockId, uint64_t> versions;
  std::set<std::pair<BlockId, BlockdId>> stale;
};

ReportedReplica R(BlockId id, uint64_t version, uint64_t length = 100) {
  return ReportedReplica{id, version, length};
}

class BlockMapTest : public ::testing::Test {
 protected:
  BlockMapTest() {
    for (BlockId id = 1; id <= 10; ++id) catalog_.versions[id] = 2;
  }
  FakeCatalog catalog_;
  BlockMap map_;
};

TEST_F(BlockMapTest, FullReportRecordsWantedReplicas) {
  std::vector<ReportedReplica> report = {R(1, 2, 10), R(2, 2, 20), R(3, 2, 30)};
  FullReportResult res = map_.ProcessFullReport(1, report, catalog_);
  EXPECT_EQ(res.accepted, 3u);
  EXPECT_THAT(res.dropped, IsEmpty());
  EXPECT_THAT(res.unwanted, IsEmpty());
  EXPECT_EQ(map_.block_count(), 3u);
  EXPECT_EQ(map_.replica_count(), 3u);
  EXPECT_EQ(map_.replicas_on(1), 3u);
  EXPECT_THAT(map_.Replicas(2), ElementsAre(Replica{1, 2, 20, false}));
  EXPECT_THAT(map_.Replicas(7), IsEmpty());
}

TEST_F(BlockMapTest, FullReportReplacesTheBlockdSetAndReturnsDropped) {
  map_.ProcessFullReport(1, std::vector{R(1, 2), R(2, 2), R(3, 2)}, catalog_);
  map_.ProcessFullReport(2, std::vector{R(1, 2), R(2, 2)}, catalog_);
  FullReportResult res = map_.ProcessFullReport(1, std::vector{R(2, 2), R(4, 2)}, catalog_);
  EXPECT_THAT(res.dropped, ElementsAre(1, 3));
  EXPECT_EQ(res.accepted, 2u);
  EXPECT_THAT(map_.Replicas(1), ElementsAre(Replica{2, 2, 100, false}));
  EXPECT_THAT(map_.Replicas(3), IsEmpty());
  EXPECT_EQ(map_.block_count(), 3u);  // 1, 2, 4 — block 3 has no replica left
  EXPECT_EQ(map_.replicas_on(1), 2u);
  EXPECT_EQ(map_.replicas_on(2), 2u);
  EXPECT_EQ(map_.replica_count(), 4u);
}

TEST_F(BlockMapTest, UnknownBlocksAndStaleVersionsAreUnwanted) {
  map_.ProcessFullReport(1, std::vector{R(1, 2)}, catalog_);
  catalog_.versions[1] = 3;  // the block was overwritten at version 3
  std::vector<ReportedReplica> report = {R(1, 2), R(2, 3), R(99, 1)};
  FullReportResult res = map_.ProcessFullReport(1, report, catalog_);
  // 1@2 is stale now, 99 is unknown; 2@3 is ahead of committed 2: an
  // unconfirmed write, kept.
  EXPECT_THAT(res.unwanted, ElementsAre(R(1, 2), R(99, 1)));
  EXPECT_THAT(res.dropped, ElementsAre(1));  // the old record of 1@2 is gone
  EXPECT_EQ(res.accepted, 1u);
  EXPECT_THAT(map_.Replicas(1), IsEmpty());
  EXPECT_THAT(map_.Replicas(2), ElementsAre(Replica{1, 3, 100, false}));
  EXPECT_THAT(map_.Replicas(99), IsEmpty());
}

TEST_F(BlockMapTest, GarbageLengthIsUnwantedNotACrash) {
  FullReportResult res =
      map_.ProcessFullReport(1, std::vector{R(1, 2, uint64_t{1} << 50)}, catalog_);
  EXPECT_EQ(res.unwanted.size(), 1u);
  EXPECT_EQ(map_.replica_count(), 0u);
}

TEST_F(BlockMapTest, ChunkedFullReportDropsOnlyAtTheEnd) {
  map_.ProcessFullReport(1, std::vector{R(1, 2), R(2, 2), R(3, 2)}, catalog_);
  FullReportResult res;
  map_.BeginFullReport(1);
  EXPECT_TRUE(map_.full_report_open(1));
  ASSERT_TRUE(map_.AddFullReportChunk(1, std::vector{R(1, 2)}, catalog_, &res).ok());
  EXPECT_EQ(map_.replicas_on(1), 3u);  // nothing dropped mid-report
  // A write finishing during the report is not lost by the diff.
  map_.ProcessIncrementalReport(1, std::vector{R(5, 2)}, {}, {}, catalog_);
  ASSERT_TRUE(map_.AddFullReportChunk(1, std::vector{R(3, 2)}, catalog_, &res).ok());
  ASSERT_TRUE(map_.EndFullReport(1, &res).ok());
  EXPECT_FALSE(map_.full_report_open(1));
  EXPECT_THAT(res.dropped, ElementsAre(2));
  EXPECT_EQ(res.accepted, 2u);
  EXPECT_EQ(map_.replicas_on(1), 3u);  // 1, 3, 5
  EXPECT_TRUE(map_.FindReplica(5, 1).has_value());

  FullReportResult unused;
  EXPECT_EQ(map_.AddFullReportChunk(1, std::vector{R(1, 2)}, catalog_, &unused).code(),
            StatusCode::Invalid);
  EXPECT_EQ(map_.EndFullReport(1, &unused).code(), StatusCode::Invalid);
}

TEST_F(BlockMapTest, IncrementalAddRemoveCorrupt) {
  IncrementalReportResult res = map_.ProcessIncrementalReport(
      1, std::vector{R(1, 2), R(2, 2), R(50, 1)}, {}, {}, catalog_);
  EXPECT_THAT(res.unwanted, ElementsAre(R(50, 1)));
  EXPECT_EQ(map_.replicas_on(1), 2u);

  // Update: a new version of a replica clears an old corrupt mark.
  res = map_.ProcessIncrementalReport(1, {}, {}, std::vector{R(1, 2)}, catalog_);
  EXPECT_TRUE(map_.FindReplica(1, 1)->corrupt);
  res = map_.ProcessIncrementalReport(1, std::vector{R(1, 2, 200)}, {}, {}, catalog_);
  EXPECT_TRUE(map_.FindReplica(1, 1)->corrupt);  // same version: still corrupt
  EXPECT_EQ(map_.FindReplica(1, 1)->length, 200u);
  res = map_.ProcessIncrementalReport(1, std::vector{R(1, 3, 300)}, {}, {}, catalog_);
  EXPECT_EQ(map_.FindReplica(1, 1), (Replica{1, 3, 300, false}));

  res = map_.ProcessIncrementalReport(1, {}, std::vector{R(2, 0), R(8, 0)}, {}, catalog_);
  EXPECT_THAT(res.dropped, ElementsAre(2));
  EXPECT_FALSE(map_.FindReplica(2, 1).has_value());

  // A corrupt replica the map never heard of is recorded as corrupt.
  res = map_.ProcessIncrementalReport(2, {}, {}, std::vector{R(4, 2, 7)}, catalog_);
  EXPECT_EQ(map_.FindReplica(4, 2), (Replica{2, 2, 7, true}));
  res = map_.ProcessIncrementalReport(2, {}, {}, std::vector{R(77, 2)}, catalog_);
  EXPECT_THAT(res.unwanted, ElementsAre(R(77, 2)));

  // An added replica that is stale drops the one recorded before.
  catalog_.versions[1] = 4;
  res = map_.ProcessIncrementalReport(1, std::vector{R(1, 3)}, {}, {}, catalog_);
  EXPECT_THAT(res.unwanted, ElementsAre(R(1, 3)));
  EXPECT_THAT(res.dropped, ElementsAre(1));
  EXPECT_EQ(map_.replica_count(), 1u);
}

TEST_F(BlockMapTest, RemoveBlockdReturnsAffectedBlocks) {
  map_.ProcessFullReport(1, std::vector{R(3, 2), R(1, 2), R(2, 2)}, catalog_);
  map_.ProcessFullReport(2, std::vector{R(1, 2), R(4, 2)}, catalog_);
  map_.ProcessIncrementalReport(1, {}, std::vector{R(2, 0)}, {}, catalog_);
  EXPECT_THAT(map_.RemoveBlockd(1), ElementsAre(1, 3));
  EXPECT_EQ(map_.replicas_on(1), 0u);
  EXPECT_EQ(map_.replica_count(), 2u);
  EXPECT_THAT(map_.Replicas(1), ElementsAre(Replica{2, 2, 100, false}));
  EXPECT_THAT(map_.RemoveBlockd(1), IsEmpty());
  EXPECT_THAT(map_.RemoveBlockd(12345), IsEmpty());
}

TEST_F(BlockMapTest, InvalidateBlockReturnsEveryHolder) {
  map_.ProcessFullReport(1, std::vector{R(1, 2), R(2, 2)}, catalog_);
  map_.ProcessFullReport(2, std::vector{R(1, 3)}, catalog_);
  EXPECT_THAT(map_.InvalidateBlock(1),
              UnorderedElementsAre(Replica{1, 2, 100, false}, Replica{2, 3, 100, false}));
  EXPECT_THAT(map_.Replicas(1), IsEmpty());
  EXPECT_EQ(map_.replicas_on(1), 1u);
  EXPECT_EQ(map_.replicas_on(2), 0u);
  EXPECT_THAT(map_.InvalidateBlock(1), IsEmpty());
  // The next full report still listing it does not bring it back.
  catalog_.versions.erase(1);
  FullReportResult res = map_.ProcessFullReport(2, std::vector{R(1, 3)}, catalog_);
  EXPECT_THAT(res.unwanted, ElementsAre(R(1, 3)));
  EXPECT_THAT(res.dropped, IsEmpty());
}

TEST_F(BlockMapTest, ManyHoldersSpillOutOfTheInlineList) {
  for (BlockdId d = 1; d <= 10; ++d) map_.ProcessIncrementalReport(d, std::vector{R(1, 2, d)}, {}, {}, catalog_);
  EXPECT_EQ(map_.Replicas(1).size(), 10u);
  for (BlockdId d = 1; d <= 10; ++d) EXPECT_EQ(map_.FindReplica(1, d)->length, d);
  EXPECT_TRUE(map_.RemoveReplica(1, 5));
  EXPECT_FALSE(map_.RemoveReplica(1, 5));
  EXPECT_EQ(map_.Replicas(1).size(), 9u);
}

TEST_F(BlockMapTest, ChurnKeepsThePerBlockdIndexBounded) {
  // Add and remove many blocks one by one: the index must compact, and the
  // counts must stay exact.
  for (BlockId id = 100; id < 5100; ++id) catalog_.versions[id] = 1;
  for (BlockId id = 100; id < 5100; ++id) {
    map_.ProcessIncrementalReport(1, std::vector{R(id, 1)}, {}, {}, catalog_);
    if (id % 10 != 0) map_.ProcessIncrementalReport(1, {}, std::vector{R(id, 0)}, {}, catalog_);
    ASSERT_LE(map_.index_entries(1), 2 * map_.replicas_on(1) + 64 + 1);
  }
  EXPECT_EQ(map_.replicas_on(1), 500u);
  EXPECT_EQ(map_.replica_count(), 500u);
  std::vector<BlockId> affected = map_.RemoveBlockd(1);
  EXPECT_EQ(affected.size(), 500u);
  EXPECT_EQ(map_.block_count(), 0u);
}

TEST_F(BlockMapTest, SweepVisitsEveryBlockOnceARound) {
  for (BlockId id = 11; id <= 300; ++id) catalog_.versions[id] = 2;
  std::vector<ReportedReplica> report;
  for (BlockId id = 1; id <= 300; ++id) report.push_back(R(id, 2));
  map_.ProcessFullReport(1, report, catalog_);
  std::vector<BlockId> seen;
  size_t cursor = 0;
  int calls = 0;
  do {
    size_t before = seen.size();
    cursor = map_.SweepBlocks(cursor, 16, &seen);
    // Bounded work: one bucket may hold several blocks, never a runaway.
    EXPECT_LE(seen.size() - before, 16u + 8u);
    ++calls;
  } while (cursor != 0 && calls < 1000);
  EXPECT_GT(calls, 1);
  std::sort(seen.begin(), seen.end());
  ASSERT_EQ(seen.size(), 300u);
  for (BlockId id = 1; id <= 300; ++id) EXPECT_EQ(seen[id - 1], id);
}

TEST_F(BlockMapTest, BlocksOnListsWhatABlockdHolds) {
  map_.ProcessFullReport(1, std::vector{R(3, 2), R(1, 2), R(2, 2)}, catalog_);
  map_.ProcessFullReport(2, std::vector{R(2, 2)}, catalog_);
  ASSERT_TRUE(map_.RemoveReplica(2, 1));
  map_.ProcessIncrementalReport(1, std::vector{R(2, 2)}, {}, {}, catalog_);
  map_.ProcessIncrementalReport(1, {}, std::vector{R(3, 2)}, {}, catalog_);
  EXPECT_EQ(map_.BlocksOn(1), (std::vector<BlockId>{1, 2}));
  EXPECT_EQ(map_.BlocksOn(2), (std::vector<BlockId>{2}));
  EXPECT_TRUE(map_.BlocksOn(9).empty());
}

// DESIGN §5 step 3: a replica that reports the committed version but was left
// out of that version's acknowledged set missed part of the write.
TEST_F(BlockMapTest, AReplicaOutsideTheAcknowledgedSetIsStale) {
  catalog_.stale.insert({1, 3});
  map_.ProcessFullReport(1, std::vector{R(1, 2)}, catalog_);
  FullReportResult res = map_.ProcessFullReport(3, std::vector{R(1, 2)}, catalog_);
  // Recorded (so that the monitor sees a holder to delete) but corrupt: never
  // served, never a copy source.
  EXPECT_EQ(res.accepted, 1u);
  EXPECT_THAT(res.unwanted, IsEmpty());
  EXPECT_THAT(map_.Replicas(1), UnorderedElementsAre(Replica{1, 2, 100, false},
                                                     Replica{3, 2, 100, true}));
  // An incremental report of it stays corrupt too.
  map_.ProcessIncrementalReport(3, std::vector{R(1, 2, 150)}, {}, {}, catalog_);
  EXPECT_EQ(map_.FindReplica(1, 3), (Replica{3, 2, 150, true}));
}

TEST_F(BlockMapTest, RevalidateAppliesACommitToRecordedReplicas) {
  // Block 1 is being overwritten: committed 2, replicas at 3 unconfirmed.
  map_.ProcessFullReport(1, std::vector{R(1, 3)}, catalog_);
  map_.ProcessFullReport(2, std::vector{R(1, 3)}, catalog_);
  map_.ProcessFullReport(3, std::vector{R(1, 2)}, catalog_);
  EXPECT_EQ(map_.Replicas(1).size(), 3u);
  // The commit of version 3 acknowledged blockd 1 only.
  catalog_.versions[1] = 3;
  catalog_.stale.insert({1, 2});
  RevalidateResult r = map_.Revalidate(1, catalog_);
  EXPECT_THAT(r.stale, ElementsAre(2u));
  EXPECT_THAT(r.unwanted, ElementsAre(Replica{3, 2, 100, false}));
  EXPECT_THAT(map_.Replicas(1), UnorderedElementsAre(Replica{1, 3, 100, false},
                                                     Replica{2, 3, 100, true}));
  EXPECT_EQ(map_.replicas_on(3), 0u);
  // Judged again: nothing new.
  r = map_.Revalidate(1, catalog_);
  EXPECT_THAT(r.stale, IsEmpty());
  EXPECT_THAT(r.unwanted, IsEmpty());
}

TEST_F(BlockMapTest, LateReportOfAnOlderVersionKeepsTheNewerReplica) {
  // Blockd 1 took block 1 to version 3 (committed) and said so; a full
  // report snapshotted before that, and an incremental one queued before
  // it, arrive afterwards listing version 2.
  catalog_.versions[1] = 3;
  map_.ProcessIncrementalReport(1, std::vector{R(1, 3, 300)}, {}, {}, catalog_);
  FullReportResult full = map_.ProcessFullReport(1, std::vector{R(1, 2), R(2, 2)}, catalog_);
  EXPECT_THAT(full.unwanted, IsEmpty());
  EXPECT_THAT(full.dropped, IsEmpty());
  EXPECT_EQ(map_.FindReplica(1, 1), (Replica{1, 3, 300, false}));
  IncrementalReportResult inc =
      map_.ProcessIncrementalReport(1, std::vector{R(1, 2)}, {}, {}, catalog_);
  EXPECT_THAT(inc.unwanted, IsEmpty());
  EXPECT_THAT(inc.dropped, IsEmpty());
  EXPECT_EQ(map_.FindReplica(1, 1), (Replica{1, 3, 300, false}));
  // The next full report still sees it (it was counted as reported).
  full = map_.ProcessFullReport(1, std::vector{R(1, 3, 300), R(2, 2)}, catalog_);
  EXPECT_THAT(full.dropped, IsEmpty());
}

TEST_F(BlockMapTest, CorruptReportAppliesOnlyToTheRecordedVersion) {
  // A reader whose locations were older asked blockd 1 for version 2 and
  // got StaleVersion: the replica at 3 is not what it found bad.
  catalog_.versions[1] = 3;
  map_.ProcessIncrementalReport(1, std::vector{R(1, 3)}, {}, {}, catalog_);
  map_.ProcessIncrementalReport(1, {}, {}, std::vector{R(1, 2)}, catalog_);
  EXPECT_FALSE(map_.FindReplica(1, 1)->corrupt);
  map_.ProcessIncrementalReport(1, {}, {}, std::vector{R(1, 3)}, catalog_);
  EXPECT_TRUE(map_.FindReplica(1, 1)->corrupt);
  // Version 0 (a blockd that could not read the replica's meta): whatever
  // version is recorded.
  map_.ProcessIncrementalReport(2, std::vector{R(1, 3)}, {}, {}, catalog_);
  map_.ProcessIncrementalReport(2, {}, {}, std::vector{R(1, 0)}, catalog_);
  EXPECT_TRUE(map_.FindReplica(1, 2)->corrupt);
}

}  // namespace
}  // namespace opendfs::metad
