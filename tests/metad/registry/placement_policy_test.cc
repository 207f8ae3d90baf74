#include "metad/registry/placement_policy.h"

#include <map>
#include <set>

#include <gtest/gtest.h>

namespace opendfs::metad {
namespace {

constexpr uint64_t kGiB = 1ull << 30;
constexpr int kSeeds = 200;

struct Node {
  std::string address;  // "host:port"
  std::string rack;     // "" = no topology entry (default rack)
  uint64_t free_bytes = 100 * kGiB;
};

// A registry filled from a node list; racks come from a topology setting
// built from the nodes' hosts.
class Cluster {
 public:
  explicit Cluster(const std::vector<Node>& nodes) {
    std::string setting;
    std::set<std::string> seen;
    for (const Node& n : nodes) {
      std::string host = SplitHostPort(n.address).value().host;
      if (n.rack.empty() || !seen.insert(host).second) continue;
      setting += host + "=" + n.rack + ",";
    }
    topology_ = Topology::Parse(setting).value();
    registry_ = std::make_unique<BlockdRegistry>(&topology_, RegistryOptions{});
    for (size_t i = 0; i < nodes.size(); ++i) {
      RegisterRequest r;
      r.uuid = "uuid-" + std::to_string(i);
      r.data_address = nodes[i].address;
      r.stats.capacity_bytes = 1000 * kGiB;
      r.stats.used_bytes = 1000 * kGiB - nodes[i].free_bytes;
      auto res = registry_->Register(r, 0);
      ODFS_CHECK(res.ok());
    }
    policy_ = std::make_unique<PlacementPolicy>(registry_.get(), PlacementOptions{});
  }

  BlockdRegistry& registry() { return *registry_; }
  const PlacementPolicy& policy() const { return *policy_; }
  const BlockdInfo& Info(BlockdId id) const { return *registry_->Find(id); }
  BlockdId Id(std::string_view address) const {
    for (const BlockdInfo& b : registry_->all())
      if (b.address == address) return b.id;
    return kNoBlockd;
  }

  std::vector<BlockdId> Choose(int replicas, std::string_view writer, uint64_t seed,
                               std::vector<BlockdId> excluded = {}) const {
    SplitMix64 rng(seed);
    auto r = policy_->ChooseTargets(replicas, writer, excluded, rng);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<BlockdId>{};
  }

  std::map<std::string, int> RackCounts(const std::vector<BlockdId>& ids) const {
    std::map<std::string, int> m;
    for (BlockdId id : ids) ++m[Info(id).rack];
    return m;
  }

 private:
  Topology topology_;
  std::unique_ptr<BlockdRegistry> registry_;
  std::unique_ptr<PlacementPolicy> policy_;
};

std::vector<Node> Racks(int racks, int per_rack) {
  std::vector<Node> nodes;
  for (int r = 0; r < racks; ++r)
    for (int n = 0; n < per_rack; ++n)
      nodes.push_back({"10.0." + std::to_string(r) + "." + std::to_string(n + 1) + ":8100",
                       "/r" + std::to_string(r)});
  return nodes;
}

TEST(Placement, DistinctBlockdsAndDistinctIps) {
  // Three blockds share 10.0.0.1 (different ports); one replica at most there.
  std::vector<Node> nodes = {{"10.0.0.1:8100", "/r1"}, {"10.0.0.1:8101", "/r1"},
                             {"10.0.0.1:8102", "/r1"}, {"10.0.0.2:8100", "/r1"},
                             {"10.0.0.3:8100", "/r1"}};
  Cluster c(nodes);
  for (int seed = 0; seed < kSeeds; ++seed) {
    std::vector<BlockdId> t = c.Choose(3, "10.0.0.1", seed);
    ASSERT_EQ(t.size(), 3u);
    std::set<std::string> hosts;
    std::set<BlockdId> ids(t.begin(), t.end());
    for (BlockdId id : t) hosts.insert(c.Info(id).host);
    EXPECT_EQ(hosts.size(), 3u) << "seed " << seed;
    EXPECT_EQ(ids.size(), 3u);
  }
  // Only two distinct hosts left once 10.0.0.3 is excluded: two replicas.
  EXPECT_EQ(c.Choose(3, "", 1, {c.Id("10.0.0.3:8100")}).size(), 2u);
}

TEST(Placement, FirstReplicaOnTheWritersHost) {
  Cluster c(Racks(3, 3));
  BlockdId local = c.Id("10.0.1.2:8100");
  for (int seed = 0; seed < kSeeds; ++seed) {
    std::vector<BlockdId> t = c.Choose(3, "10.0.1.2", seed);
    ASSERT_EQ(t.size(), 3u);
    EXPECT_EQ(t[0], local) << "seed " << seed;
  }
  // A writer that runs no blockd still gets three replicas, first anywhere.
  std::set<BlockdId> firsts;
  for (int seed = 0; seed < kSeeds; ++seed) {
    std::vector<BlockdId> t = c.Choose(3, "192.168.7.7", seed);
    ASSERT_EQ(t.size(), 3u);
    firsts.insert(t[0]);
  }
  EXPECT_GT(firsts.size(), 5u);
}

TEST(Placement, WriterHostFullFallsBackToAnotherBlockd) {
  std::vector<Node> nodes = Racks(2, 2);
  nodes[0].free_bytes = 1 << 20;  // 10.0.0.1 is full
  Cluster c(nodes);
  for (int seed = 0; seed < kSeeds; ++seed) {
    std::vector<BlockdId> t = c.Choose(3, "10.0.0.1", seed);
    ASSERT_EQ(t.size(), 3u);
    for (BlockdId id : t) EXPECT_NE(c.Info(id).host, "10.0.0.1");
  }
}

TEST(Placement, OneRackStillSpreadsOverBlockds) {
  Cluster c(Racks(1, 4));
  for (int seed = 0; seed < kSeeds; ++seed) {
    std::vector<BlockdId> t = c.Choose(3, "10.0.0.1", seed);
    ASSERT_EQ(t.size(), 3u);
    EXPECT_EQ(std::set<BlockdId>(t.begin(), t.end()).size(), 3u);
  }
}

TEST(Placement, TwoRacksSecondRemoteThirdBesideSecond) {
  Cluster c(Racks(2, 3));
  for (int seed = 0; seed < kSeeds; ++seed) {
    std::vector<BlockdId> t = c.Choose(3, "10.0.0.2", seed);
    ASSERT_EQ(t.size(), 3u);
    EXPECT_EQ(c.Info(t[0]).rack, "/r0");
    EXPECT_EQ(c.Info(t[1]).rack, "/r1") << "seed " << seed;
    EXPECT_EQ(c.Info(t[2]).rack, "/r1") << "seed " << seed;
  }
}

TEST(Placement, ThreeRacks) {
  Cluster c(Racks(3, 3));
  std::set<std::string> second_racks;
  for (int seed = 0; seed < kSeeds; ++seed) {
    std::vector<BlockdId> t = c.Choose(3, "10.0.2.1", seed);
    ASSERT_EQ(t.size(), 3u);
    EXPECT_EQ(c.Info(t[0]).rack, "/r2");
    EXPECT_NE(c.Info(t[1]).rack, "/r2");
    EXPECT_EQ(c.Info(t[2]).rack, c.Info(t[1]).rack);
    second_racks.insert(c.Info(t[1]).rack);
  }
  EXPECT_EQ(second_racks, (std::set<std::string>{"/r0", "/r1"}));
}

TEST(Placement, ThirdFallsBackWhenTheSecondsRackIsExhausted) {
  // /b has a single host: replica 2 goes there (the only other rack), replica
  // 3 prefers /b too, finds no other host and falls back to /a.
  std::vector<Node> nodes = {{"10.0.0.1:1", "/a"}, {"10.0.0.2:1", "/a"}, {"10.0.0.3:1", "/a"},
                             {"10.0.1.1:1", "/b"}};
  Cluster c(nodes);
  for (int seed = 0; seed < kSeeds; ++seed) {
    std::vector<BlockdId> t = c.Choose(3, "10.0.0.1", seed);
    ASSERT_EQ(t.size(), 3u);
    EXPECT_EQ(c.Info(t[1]).rack, "/b");
    EXPECT_EQ(c.Info(t[2]).rack, "/a");
  }
  // The first two on one rack: the third goes to another rack.
  SplitMix64 rng(7);
  std::vector<BlockdId> holders = {c.Id("10.0.0.1:1"), c.Id("10.0.0.2:1")};
  for (int i = 0; i < kSeeds; ++i) {
    auto copy = c.policy().ChooseCopyTarget(holders, {}, rng);
    ASSERT_TRUE(copy.ok());
    EXPECT_EQ(c.Info(*copy).rack, "/b");
  }
}

TEST(Placement, RackCapLimitsReplicasPerRack) {
  // 6 replicas over 3 racks: cap = (6-1)/3 + 2 = 3 per rack. /big has 6
  // blockds, the others one each: 3 + 1 + 1 = 5 replicas at most.
  std::vector<Node> nodes = Racks(1, 6);
  for (Node& n : nodes) n.rack = "/big";
  nodes.push_back({"10.1.0.1:8100", "/s1"});
  nodes.push_back({"10.2.0.1:8100", "/s2"});
  Cluster c(nodes);
  for (int seed = 0; seed < kSeeds; ++seed) {
    std::vector<BlockdId> t = c.Choose(6, "10.0.0.1", seed);
    ASSERT_EQ(t.size(), 5u) << "seed " << seed;
    auto counts = c.RackCounts(t);
    EXPECT_EQ(counts["/big"], 3);
    EXPECT_EQ(counts["/s1"], 1);
    EXPECT_EQ(counts["/s2"], 1);
  }
  // With one rack the cap is (3-1)/1 + 2 = 4: it never binds for 3 replicas.
  Cluster one(Racks(1, 5));
  EXPECT_EQ(one.Choose(3, "", 3).size(), 3u);
  // Two racks, 6 replicas: cap (6-1)/2 + 2 = 4.
  std::vector<Node> two = Racks(1, 8);
  two.push_back({"10.9.0.1:8100", "/other"});
  Cluster c2(two);
  for (int seed = 0; seed < kSeeds; ++seed) {
    std::vector<BlockdId> t = c2.Choose(6, "", seed);
    ASSERT_EQ(t.size(), 5u);
    EXPECT_EQ(c2.RackCounts(t)["/r0"], 4);
  }
}

TEST(Placement, FullDeadAndDecommissioningAreSkipped) {
  std::vector<Node> nodes = Racks(2, 3);
  nodes[1].free_bytes = 100 << 20;  // below the 256 MiB reserve
  Cluster c(nodes);
  BlockdId full = c.Id(nodes[1].address);
  BlockdId decom = c.Id(nodes[2].address);
  BlockdId dead = c.Id(nodes[3].address);
  ASSERT_TRUE(c.registry().SetDecommissioning(decom, true).ok());
  // Everyone but `dead` heartbeats; then dn_timeout passes.
  for (const BlockdInfo& b : c.registry().all()) {
    if (b.id != dead) c.registry().Heartbeat(b.id, b.uuid, b.stats, 600'000);
  }
  ASSERT_EQ(c.registry().Tick(600'001), std::vector<BlockdId>{dead});
  std::set<BlockdId> used;
  for (int seed = 0; seed < kSeeds; ++seed) {
    std::vector<BlockdId> t = c.Choose(3, "10.0.0.2", seed);  // the full one's host
    used.insert(t.begin(), t.end());
  }
  EXPECT_EQ(used.count(full), 0u);
  EXPECT_EQ(used.count(decom), 0u);
  EXPECT_EQ(used.count(dead), 0u);
  EXPECT_EQ(used.size(), 3u);  // exactly the three healthy ones
}

TEST(Placement, FewerEligibleThanReplicasReturnsWhatExists) {
  Cluster c(Racks(2, 1));
  std::vector<BlockdId> t = c.Choose(3, "10.0.0.1", 1);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_NE(c.Info(t[0]).rack, c.Info(t[1]).rack);
}

TEST(Placement, NoEligibleBlockdIsNoBlockd) {
  Cluster empty({});
  SplitMix64 rng(1);
  auto r = empty.policy().ChooseTargets(3, "", {}, rng);
  EXPECT_EQ(r.status().code(), StatusCode::NoBlockd);

  std::vector<Node> nodes = Racks(1, 2);
  for (Node& n : nodes) n.free_bytes = 0;
  Cluster full(nodes);
  EXPECT_EQ(full.policy().ChooseTargets(1, "", {}, rng).status().code(), StatusCode::NoBlockd);

  Cluster two(Racks(1, 2));
  std::vector<BlockdId> all = {1, 2};
  EXPECT_EQ(two.policy().ChooseTargets(2, "", all, rng).status().code(), StatusCode::NoBlockd);
}

TEST(Placement, BadReplicationFactorIsInvalid) {
  Cluster c(Racks(1, 3));
  SplitMix64 rng(1);
  EXPECT_EQ(c.policy().ChooseTargets(0, "", {}, rng).status().code(), StatusCode::Invalid);
  EXPECT_EQ(c.policy().ChooseTargets(PlacementPolicy::kMaxReplicas + 1, "", {}, rng).status().code(),
            StatusCode::Invalid);
}

TEST(Placement, ExcludedBlockdsAreNeverChosen) {
  Cluster c(Racks(2, 3));
  std::vector<BlockdId> excluded = {c.Id("10.0.0.1:8100"), c.Id("10.0.1.2:8100")};
  for (int seed = 0; seed < kSeeds; ++seed) {
    for (BlockdId id : c.Choose(3, "10.0.0.1", seed, excluded)) {
      EXPECT_NE(id, excluded[0]);
      EXPECT_NE(id, excluded[1]);
    }
  }
}

TEST(Placement, SameSeedSameChoice) {
  Cluster c(Racks(3, 4));
  std::set<std::vector<BlockdId>> distinct;
  for (int seed = 0; seed < 50; ++seed) {
    EXPECT_EQ(c.Choose(3, "", seed), c.Choose(3, "", seed));
    distinct.insert(c.Choose(3, "", seed));
  }
  EXPECT_GT(distinct.size(), 10u);
}

TEST(Placement, MoreFreeSpaceIsPreferred) {
  std::vector<Node> nodes = {{"10.0.0.1:1", "/a"},
                             {"10.0.1.1:1", "/b", 900 * kGiB},
                             {"10.0.1.2:1", "/b", 9 * kGiB}};
  Cluster c(nodes);
  BlockdId roomy = c.Id("10.0.1.1:1");
  int roomy_second = 0;
  for (int seed = 0; seed < 1000; ++seed) {
    std::vector<BlockdId> t = c.Choose(2, "10.0.0.1", seed);
    if (t[1] == roomy) ++roomy_second;
  }
  // Expected share 900/909; a seeded run, so this is exact each time.
  EXPECT_GT(roomy_second, 950);
  EXPECT_LT(roomy_second, 1000);
}

TEST(Placement, CopyTargetFollowsTheRackRules) {
  Cluster c(Racks(3, 2));
  SplitMix64 rng(3);
  BlockdId a = c.Id("10.0.0.1:8100");
  BlockdId d = c.Id("10.0.1.1:8100");
  for (int i = 0; i < kSeeds; ++i) {
    std::vector<BlockdId> one = {a};
    auto t1 = c.policy().ChooseCopyTarget(one, {}, rng);
    ASSERT_TRUE(t1.ok());
    EXPECT_NE(c.Info(*t1).rack, "/r0");
    std::vector<BlockdId> two = {a, d};
    auto t2 = c.policy().ChooseCopyTarget(two, {}, rng);
    ASSERT_TRUE(t2.ok());
    EXPECT_EQ(c.Info(*t2).rack, "/r1");
    EXPECT_NE(*t2, d);
  }
  std::vector<BlockdId> everyone;
  for (const BlockdInfo& b : c.registry().all()) everyone.push_back(b.id);
  EXPECT_EQ(c.policy().ChooseCopyTarget(everyone, {}, rng).status().code(), StatusCode::NoBlockd);
}

}  // namespace
}  // namespace opendfs::metad
