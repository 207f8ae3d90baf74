#include "metad/registry/replica_locator.h"

#include <map>

#include <gtest/gtest.h>

namespace opendfs::metad {
namespace {

class Catalog : public BlockCatalog {
 public:
  std::optional<uint64_t> CommittedVersion(BlockId) const override { return 5; }
};

class LocatorTest : public ::testing::Test {
 protected:
  LocatorTest() {
    // h1, h2 on /r1 (h1 runs two blockds: ports 1 and 2), h3 on /r2, h4 on /r3.
    for (const char* a : {"10.0.0.1:1", "10.0.0.1:2", "10.0.0.2:1", "10.0.1.1:1", "10.0.2.1:1"}) {
      RegisterRequest r;
      r.uuid = a;
      r.data_address = a;
      r.stats.capacity_bytes = 1 << 30;
      ids_[a] = registry_.Register(r, 0).value().id;
    }
  }
  void Report(const char* address, uint64_t version) {
    map_.ProcessIncrementalReport(ids_[address], std::vector{ReportedReplica{7, version, 42}},
                                  {}, {}, catalog_);
  }
  std::vector<std::string> Addresses(std::string_view client, uint64_t version = 5) {
    std::vector<std::string> out;
    for (const LocatedReplica& r : LocateReplicas(map_, registry_, 7, version, client))
      out.push_back(r.address);
    return out;
  }

  Topology topology_ = Topology::Parse("10.0.0.0/24=/r1, 10.0.1.0/24=/r2, 10.0.2.0/24=/r3").value();
  BlockdRegistry registry_{&topology_, RegistryOptions{}};
  BlockMap map_;
  Catalog catalog_;
  std::map<std::string, BlockdId> ids_;
};

TEST_F(LocatorTest, SameHostThenSameRackThenOthers) {
  for (const char* a : {"10.0.2.1:1", "10.0.1.1:1", "10.0.0.2:1", "10.0.0.1:2"}) Report(a, 5);
  EXPECT_EQ(Addresses("10.0.0.1"),
            (std::vector<std::string>{"10.0.0.1:2", "10.0.0.2:1", "10.0.1.1:1", "10.0.2.1:1"}));
  EXPECT_EQ(Addresses("10.0.1.1"),
            (std::vector<std::string>{"10.0.1.1:1", "10.0.0.1:2", "10.0.0.2:1", "10.0.2.1:1"}));
  // A client on /r1 but not on a blockd host: rack first.
  EXPECT_EQ(Addresses("10.0.0.9")[0], "10.0.0.1:2");
  auto located = LocateReplicas(map_, registry_, 7, 5, "10.0.0.9");
  EXPECT_EQ(located[0].distance, 1);
  EXPECT_EQ(located[2].distance, 2);
  EXPECT_EQ(located[0].length, 42u);
}

TEST_F(LocatorTest, LessLoadedFirstAtEqualDistance) {
  Report("10.0.1.1:1", 5);
  Report("10.0.2.1:1", 5);
  BlockdStats busy;
  busy.capacity_bytes = 1 << 30;
  busy.active_connections = 50;
  registry_.Heartbeat(ids_["10.0.1.1:1"], "10.0.1.1:1", busy, 1);
  EXPECT_EQ(Addresses("192.168.0.1"), (std::vector<std::string>{"10.0.2.1:1", "10.0.1.1:1"}));
}

TEST_F(LocatorTest, SkipsOtherVersionsCorruptAndDead) {
  Report("10.0.0.1:1", 5);
  Report("10.0.0.2:1", 6);  // unconfirmed write: not served at version 5
  Report("10.0.1.1:1", 5);
  Report("10.0.2.1:1", 5);
  map_.ProcessIncrementalReport(ids_["10.0.1.1:1"], {}, {}, std::vector{ReportedReplica{7, 5, 42}},
                                catalog_);
  // Everyone but 10.0.2.1 heartbeats, then the timeout passes.
  for (const auto& [a, id] : ids_)
    if (a != "10.0.2.1:1") registry_.Heartbeat(id, a, BlockdStats{}, 600'000);
  ASSERT_EQ(registry_.Tick(600'001).size(), 1u);
  EXPECT_EQ(Addresses("10.0.2.1"), (std::vector<std::string>{"10.0.0.1:1"}));
  EXPECT_EQ(Addresses("10.0.2.1", 6), (std::vector<std::string>{"10.0.0.2:1"}));
  EXPECT_TRUE(Addresses("10.0.2.1", 4).empty());
}

}  // namespace
}  // namespace opendfs::metad
