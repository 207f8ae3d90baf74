// DirLeaseTable: grants and refusals, parking and recall, release, revoke on
// timeout and session expiry, the bounds, and a seeded random run checking
// the invariants (one holder per directory; every parked request runs exactly
// once, after its lease ended; nothing granted during cool-down or grace).
#include "metad/server/dir_leases.h"

#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>

namespace opendfs::metad {
namespace {

using Kind = GateOutcome::Kind;

DirLeaseOptions Opts() {
  DirLeaseOptions o;
  o.cooldown_ms = 2000;
  o.recall_timeout_ms = 10000;
  o.grace_ms = 5000;
  o.max_leases_per_session = 3;
  o.max_parked_per_dir = 2;
  o.max_parked_total = 3;
  return o;
}

// A table past its start-up grace.
DirLeaseTable Serving(int64_t& now) {
  DirLeaseTable t(Opts());
  EXPECT_TRUE(t.StartServing(0).empty());
  now = 5000;
  return t;
}

void RunAll(std::vector<LeaseEnded> ended) {
  for (LeaseEnded& e : ended)
    for (auto& w : e.work) w();
}

TEST(DirLeases, GrantsAFreeDirectoryAndRefusesAnotherSession) {
  int64_t now;
  DirLeaseTable t = Serving(now);
  EXPECT_TRUE(t.Acquire(7, 100, now).granted());
  EXPECT_TRUE(t.Acquire(7, 100, now).granted());  // the holder again
  LeaseGrant other = t.Acquire(8, 100, now);
  EXPECT_EQ(other.refusal, LeaseRefusal::kHeld);
  EXPECT_GT(other.retry_ms, 0u);
  EXPECT_EQ(t.Holder(100), 7u);
  EXPECT_TRUE(t.Holds(7, 100));
  EXPECT_FALSE(t.Holds(8, 100));
}

TEST(DirLeases, NothingIsGrantedDuringGrace) {
  DirLeaseTable t(Opts());
  (void)t.StartServing(1000);
  LeaseGrant g = t.Acquire(7, 100, 1000 + 4999);
  EXPECT_EQ(g.refusal, LeaseRefusal::kGrace);
  EXPECT_EQ(g.retry_ms, 1u);
  EXPECT_TRUE(t.Acquire(7, 100, 1000 + 5000).granted());
}

TEST(DirLeases, PerSessionBound) {
  int64_t now;
  DirLeaseTable t = Serving(now);
  for (uint64_t d = 1; d <= 3; ++d) EXPECT_TRUE(t.Acquire(7, d, now).granted());
  EXPECT_EQ(t.Acquire(7, 4, now).refusal, LeaseRefusal::kTooMany);
  EXPECT_FALSE(t.Adopt(7, 4));
  EXPECT_TRUE(t.Acquire(8, 4, now).granted());
}

TEST(DirLeases, HolderAndOwnRequestsProceed) {
  int64_t now;
  DirLeaseTable t = Serving(now);
  ASSERT_TRUE(t.Acquire(7, 100, now).granted());
  DirLeaseTable::Work w = [] {};
  std::vector<uint64_t> dirs{100};
  EXPECT_EQ(t.Gate(7, dirs, now, w).kind, Kind::kProceed);
  std::vector<uint64_t> free{200};
  EXPECT_EQ(t.Gate(8, free, now, w).kind, Kind::kProceed);
  EXPECT_TRUE(w != nullptr);  // not taken
}

TEST(DirLeases, ParkedRequestRunsOnceAfterReleaseThenCooldown) {
  int64_t now;
  DirLeaseTable t = Serving(now);
  ASSERT_TRUE(t.Acquire(7, 100, now).granted());
  int ran = 0;
  DirLeaseTable::Work w = [&] { ++ran; };
  std::vector<uint64_t> dirs{200, 100};
  GateOutcome g = t.Gate(0, dirs, now, w);  // the CLI is gated too
  EXPECT_EQ(g.kind, Kind::kParked);
  EXPECT_EQ(g.dir, 100u);
  EXPECT_EQ(g.recall_session, 7u);
  DirLeaseTable::Work w2 = [&] { ++ran; };
  EXPECT_EQ(t.Gate(8, dirs, now, w2).recall_session, 0u);  // recall already sent
  EXPECT_EQ(t.parked(), 2u);
  EXPECT_EQ(t.Acquire(7, 100, now).refusal, LeaseRefusal::kRecalling);
  EXPECT_FALSE(t.Release(8, 100, now).has_value());  // not the holder
  EXPECT_EQ(ran, 0);
  std::optional<LeaseEnded> e = t.Release(7, 100, now + 30);
  ASSERT_TRUE(e.has_value());
  EXPECT_FALSE(e->revoked);
  EXPECT_EQ(e->recall_wait_ms, 30);
  EXPECT_EQ(e->work.size(), 2u);
  RunAll({std::move(*e)});
  EXPECT_EQ(ran, 2);
  EXPECT_EQ(t.parked(), 0u);
  EXPECT_EQ(t.Holder(100), 0u);
  EXPECT_EQ(t.Acquire(8, 100, now + 30 + 1999).refusal, LeaseRefusal::kCoolingDown);
  EXPECT_TRUE(t.Acquire(8, 100, now + 30 + 2000).granted());
}

TEST(DirLeases, ReleaseWithoutRecallHasNoCooldown) {
  int64_t now;
  DirLeaseTable t = Serving(now);
  ASSERT_TRUE(t.Acquire(7, 100, now).granted());
  std::optional<LeaseEnded> e = t.Release(7, 100, now);
  ASSERT_TRUE(e.has_value());
  EXPECT_FALSE(e->recall_wait_ms.has_value());
  EXPECT_TRUE(t.Acquire(8, 100, now).granted());
}

TEST(DirLeases, RecallTimeoutRevokes) {
  int64_t now;
  DirLeaseTable t = Serving(now);
  ASSERT_TRUE(t.Acquire(7, 100, now).granted());
  int ran = 0;
  DirLeaseTable::Work w = [&] { ++ran; };
  std::vector<uint64_t> dirs{100};
  ASSERT_EQ(t.Gate(8, dirs, now, w).kind, Kind::kParked);
  EXPECT_TRUE(t.Tick(now + 9999).empty());
  std::vector<LeaseEnded> e = t.Tick(now + 10000);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_TRUE(e[0].revoked);
  EXPECT_EQ(e[0].session, 7u);
  RunAll(std::move(e));
  EXPECT_EQ(ran, 1);
  EXPECT_FALSE(t.Holds(7, 100));
}

TEST(DirLeases, SessionExpiryAndLeaderChangeEndEveryLease) {
  int64_t now;
  DirLeaseTable t = Serving(now);
  ASSERT_TRUE(t.Acquire(7, 100, now).granted());
  ASSERT_TRUE(t.Acquire(7, 101, now).granted());
  ASSERT_TRUE(t.Adopt(7, 102));
  ASSERT_TRUE(t.Acquire(8, 200, now).granted());
  EXPECT_EQ(t.leases_of(7), 3u);
  std::vector<LeaseEnded> e = t.DropSession(7, now);
  EXPECT_EQ(e.size(), 3u);
  EXPECT_EQ(t.leases(), 1u);
  EXPECT_EQ(t.Holders(), std::vector<uint64_t>{8});
  EXPECT_EQ(t.StartServing(now).size(), 1u);
  EXPECT_EQ(t.leases(), 0u);
  EXPECT_EQ(t.Acquire(8, 200, now).refusal, LeaseRefusal::kGrace);
}

TEST(DirLeases, ParkingBoundsAnswerBusy) {
  int64_t now;
  DirLeaseTable t = Serving(now);
  ASSERT_TRUE(t.Acquire(7, 100, now).granted());
  ASSERT_TRUE(t.Acquire(7, 101, now).granted());
  std::vector<uint64_t> a{100}, b{101};
  DirLeaseTable::Work w = [] {};
  ASSERT_EQ(t.Gate(8, a, now, w).kind, Kind::kParked);
  w = [] {};
  ASSERT_EQ(t.Gate(8, a, now, w).kind, Kind::kParked);
  w = [] {};
  EXPECT_EQ(t.Gate(8, a, now, w).kind, Kind::kBusy);  // per dir (2)
  EXPECT_TRUE(w != nullptr);
  ASSERT_EQ(t.Gate(8, b, now, w).kind, Kind::kParked);
  w = [] {};
  EXPECT_EQ(t.Gate(8, b, now, w).kind, Kind::kBusy);  // in all (3)
}

// Random operations against the table, with the invariants checked after
// each step. A failing seed is printed and replays exactly.
TEST(DirLeases, RandomOperationsKeepTheInvariants) {
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    DirLeaseOptions o;
    o.cooldown_ms = 50;
    o.recall_timeout_ms = 200;
    o.grace_ms = 100;
    o.max_leases_per_session = 4;
    o.max_parked_per_dir = 3;
    o.max_parked_total = 8;
    DirLeaseTable t(o);
    int64_t now = 0;
    int64_t grace_until = 0;
    std::map<uint64_t, int64_t> ended_at;       // dir -> when its recalled lease ended
    std::map<uint64_t, uint64_t> holder;         // our model
    std::map<int, int> runs;                     // request id -> times run
    std::map<int, uint64_t> parked_on;           // request id -> dir, while parked
    std::set<int> busy;
    int next_id = 0;
    bool ok = true;
    auto ended = [&](std::vector<LeaseEnded> es) {
      for (LeaseEnded& e : es) {
        ASSERT_EQ(holder[e.dir], e.session);
        holder.erase(e.dir);
        if (e.recall_wait_ms) ended_at[e.dir] = now;
        for (auto& w : e.work) w();
      }
    };
    for (int step = 0; step < 400 && ok; ++step) {
      now += rng() % 30;
      const uint64_t session = 1 + rng() % 3;
      const uint64_t dir = 10 + rng() % 5;
      switch (rng() % 7) {
        case 0:
        case 1: {
          LeaseGrant g = t.Acquire(session, dir, now);
          if (g.granted()) {
            EXPECT_GE(now, grace_until);
            if (ended_at.count(dir) && holder.count(dir) == 0) {
              EXPECT_GE(now, ended_at[dir] + o.cooldown_ms);
            }
            EXPECT_TRUE(holder.count(dir) == 0 || holder[dir] == session);
            holder[dir] = session;
          }
          break;
        }
        case 2: {
          const int id = next_id++;
          const uint64_t other = dir + 1 + rng() % 2;
          std::vector<uint64_t> dirs{dir, other};
          DirLeaseTable::Work w = [&runs, &parked_on, &t, &holder, id] {
            ++runs[id];
            // Runs only once the directory it waited on is no longer held.
            EXPECT_EQ(t.Holder(parked_on[id]), 0u);
            parked_on.erase(id);
            (void)holder;
          };
          GateOutcome g = t.Gate(session, dirs, now, w);
          if (g.kind == Kind::kProceed) {
            for (uint64_t d : dirs) EXPECT_TRUE(holder.count(d) == 0 || holder[d] == session);
          } else if (g.kind == Kind::kParked) {
            parked_on[id] = g.dir;
            runs[id] = 0;
          } else {
            busy.insert(id);
          }
          break;
        }
        case 3:
          if (auto e = t.Release(session, dir, now)) {
            std::vector<LeaseEnded> es;
            es.push_back(std::move(*e));
            ended(std::move(es));
          }
          break;
        case 4: ended(t.Tick(now)); break;
        case 5:
          if (rng() % 4 == 0) ended(t.DropSession(session, now));
          break;
        case 6:
          if (rng() % 20 == 0) {
            ended(t.StartServing(now));
            grace_until = now + o.grace_ms;
          }
          break;
      }
      // One holder per directory, as in the model; parked count matches.
      for (uint64_t d = 10; d < 17; ++d) {
        uint64_t h = t.Holder(d);
        EXPECT_EQ(h, holder.count(d) ? holder[d] : 0u);
      }
      EXPECT_EQ(t.parked(), parked_on.size());
      EXPECT_LE(t.parked(), o.max_parked_total);
      ok = !::testing::Test::HasFailure();
    }
    // Everything still parked runs when the leader changes; nothing twice.
    ended(t.StartServing(now));
    EXPECT_TRUE(parked_on.empty());
    for (const auto& [id, n] : runs) EXPECT_EQ(n, 1) << "request " << id;
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "replay with seed " << seed;
      return;
    }
  }
}

}  // namespace
}  // namespace opendfs::metad
