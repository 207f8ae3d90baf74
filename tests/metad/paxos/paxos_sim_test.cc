// Seeded simulation of the Multi-Paxos core (suite 'sim'): thousands of short
// runs per test, each a different seed (see sim_cluster.h for the faults and
// the properties checked). A failing seed prints itself with a command that
// replays exactly that run, verbosely:
//
//   OPENDFS_SIM_SEED=123 OPENDFS_SIM_VERBOSE=1 ./build/tests/metad/paxos/paxos_sim_test
//       --gtest_filter=PaxosSim.ThreeReplicasUnderChaos
//
// OPENDFS_SIM_SEEDS=N runs N seeds per test instead of the default (a soak);
// OPENDFS_SIM_SEED_BASE=B starts at seed B instead of the fixed default.
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "tests/metad/paxos/sim_cluster.h"

namespace opendfs::paxos::testing {
namespace {

std::string g_test_name;

std::string ReplayCommand(uint64_t seed) {
  return "OPENDFS_SIM_SEED=" + std::to_string(seed) + " OPENDFS_SIM_VERBOSE=1 " +
         program_invocation_name + " --gtest_filter=" + g_test_name;
}

// A PAXOS_CHECK inside the core aborts: name the seed before dying.
void OnAbort(int) {
  char buf[512];
  const uint64_t seed = CurrentSimSeed();
  int n = std::snprintf(buf, sizeof buf,
                        "\n*** aborted while simulating seed %" PRIu64 "; replay:\n%s\n", seed,
                        ReplayCommand(seed).c_str());
  if (n > 0) (void)!write(2, buf, static_cast<size_t>(std::min<int>(n, sizeof buf - 1)));
  signal(SIGABRT, SIG_DFL);
}

uint64_t EnvU64(const char* name, uint64_t def) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : def;
}

// Runs the default seed range (or the one seed from the environment) and
// returns the summed stats; fails the test on the first bad seed.
uint64_t SeedCount(uint64_t default_count) { return EnvU64("OPENDFS_SIM_SEEDS", default_count); }

SimStats RunSeeds(uint64_t default_base, uint64_t default_count, SimOptions opt) {
  g_test_name = std::string(::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name()) +
                "." + ::testing::UnitTest::GetInstance()->current_test_info()->name();
  signal(SIGABRT, OnAbort);
  uint64_t base = EnvU64("OPENDFS_SIM_SEED_BASE", default_base);
  uint64_t count = SeedCount(default_count);
  if (const char* one = std::getenv("OPENDFS_SIM_SEED"); one && *one) {
    base = std::strtoull(one, nullptr, 10);
    count = 1;
  }
  opt.verbose = EnvU64("OPENDFS_SIM_VERBOSE", 0) != 0;
  const auto start = std::chrono::steady_clock::now();
  SimStats total;
  for (uint64_t seed = base; seed < base + count; ++seed) {
    SimResult r = RunSimulation(seed, opt);
    total.Add(r.stats);
    if (!r.ok) {
      ADD_FAILURE() << "seed " << seed << " failed: " << r.error << "\nreplay with:\n  "
                    << ReplayCommand(seed);
      break;
    }
  }
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: %" PRIu64 " seeds from %" PRIu64 " in %.1fs wall | messages=%" PRIu64
              " leaders=%" PRIu64 " crashes=%" PRIu64 " unsynced writes lost=%" PRIu64
              " snapshots=%" PRIu64
              " proposals=%" PRIu64 " acked=%" PRIu64 " slots=%" PRIu64
              " worst heal->converged=%" PRId64 "ms (simulated)\n",
              g_test_name.c_str(), count, base, wall_s, total.messages, total.leaders_elected,
              total.crashes, total.unsynced_lost, total.snapshots_installed, total.proposals, total.acked,
              total.final_commit, total.heal_to_quiet_ms);
  return total;
}

bool SingleSeed() {
  const char* one = std::getenv("OPENDFS_SIM_SEED");
  return one && *one;
}

TEST(PaxosSim, ThreeReplicasUnderChaos) {
  SimOptions opt;
  opt.nodes = 3;
  const uint64_t n = SeedCount(3000);
  SimStats s = RunSeeds(1, n, opt);
  if (SingleSeed() || HasFailure()) return;
  // The simulator must actually exercise what it claims to.
  EXPECT_GE(s.crashes, n);
  EXPECT_GE(s.leaders_elected, 2 * n);
  EXPECT_GE(s.snapshots_installed, n / 2);
  EXPECT_GE(s.acked, 50 * n);
}

TEST(PaxosSim, FiveReplicasUnderChaos) {
  SimOptions opt;
  opt.nodes = 5;
  const uint64_t n = SeedCount(1500);
  SimStats s = RunSeeds(1000001, n, opt);
  if (SingleSeed() || HasFailure()) return;
  EXPECT_GE(s.crashes, n);
  EXPECT_GE(s.leaders_elected, 2 * n);
  EXPECT_GE(s.snapshots_installed, n / 2);
  EXPECT_GE(s.acked, 50 * n);
}

// Liveness sanity: no faults at all. From a cold start a leader must be
// elected and a proposal committed and applied everywhere within a bound on
// simulated time (not wall time): 8 election timeouts.
TEST(PaxosSim, HealthyClusterElectsAndCommitsWithinBound) {
  for (int nodes : {3, 5}) {
    SimOptions opt;
    opt.nodes = nodes;
    opt.chaos_ms = 0;
    opt.liveness_bound_ms = 2000;
    opt.crashes = opt.partitions = opt.lossy_network = opt.clock_jumps = false;
    SimStats s = RunSeeds(5000001 + static_cast<uint64_t>(nodes) * 100000, 500, opt);
    if (HasFailure()) return;
    if (!SingleSeed()) {
      EXPECT_LE(s.heal_to_quiet_ms, 2000);
    }
  }
}

// A leader cut off from every other replica while clients still reach it
// (issue 12 §4): it stops leading within lease + election timeout with no
// proposal left open, the others elect a leader and commit, nobody reads
// stale state, no two leases overlap, and after the heal it follows without
// an election. Message delays and clock jumps on; no loss, no crashes.
TEST(PaxosSim, IsolatedLeaderStepsDownAndRejoinsAsFollower) {
  SimOptions opt;
  opt.nodes = 3;
  opt.chaos_ms = 2500;
  opt.crashes = opt.partitions = opt.lossy_network = false;
  opt.isolate_leader = true;
  SimStats s = RunSeeds(7000001, 500, opt);
  if (SingleSeed() || HasFailure()) return;
  std::printf("isolated leader: worst step-down %" PRId64 "ms, worst new lease %" PRId64
              "ms after the cut; %" PRIu64 " proposals failed by the old leader (simulated)\n",
              s.stepdown_ms, s.new_lease_ms, s.failed);
  EXPECT_GT(s.failed, 500u);  // every seed had open proposals at the cut
  opt.nodes = 5;
  RunSeeds(7100001, 250, opt);
}

}  // namespace
}  // namespace opendfs::paxos::testing
