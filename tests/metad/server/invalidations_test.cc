// Invalidations driven by hand: a fake clock and Tick() instead of the timer
// thread (Start() is never called).
#include "metad/server/invalidations.h"

#include <gtest/gtest.h>

#include <optional>

namespace opendfs::metad {
namespace {

struct Fixture {
  int64_t now = 1000;
  Logger log{LogLevel::kError};
  InvalidationOptions opts = [] {
    InvalidationOptions o;
    o.ack_wait_ms = 100;
    o.max_poll_ms = 1000;
    o.max_queue = 4;
    o.max_interest = 8;
    return o;
  }();
  Invalidations inv{opts, log, [this] { return now; }};

  // One poll; the answer, if it came at once.
  struct Answer {
    std::optional<Status> status;
    PollResult result;
  };
  std::shared_ptr<Answer> Poll(uint64_t session, uint64_t epoch, uint64_t acked,
                               uint32_t wait_ms) {
    auto a = std::make_shared<Answer>();
    inv.Poll(session, epoch, acked, wait_ms, [a](const Status& s, const PollResult& r) {
      a->status = s;
      a->result = r;
    });
    return a;
  }
};

TEST(InvalidationsTest, MutationWaitsForTheInterestedMountsAcknowledgement) {
  Fixture f;
  auto first = f.Poll(7, 0, 0, 0);  // subscribe
  ASSERT_TRUE(first->status && first->status->ok());
  const uint64_t epoch = first->result.epoch;
  f.inv.Note(7, 42);
  auto parked = f.Poll(7, epoch, 0, 1000);
  EXPECT_FALSE(parked->status);  // nothing queued: held

  bool done = false;
  f.inv.Publish(/*from=*/9, {CacheEvent::Inode(42), CacheEvent::Inode(43)}, [&] { done = true; });
  ASSERT_TRUE(parked->status && parked->status->ok());
  ASSERT_EQ(parked->result.events.size(), 1u);  // 43 is not cached by session 7
  EXPECT_EQ(parked->result.events[0].ino, 42u);
  EXPECT_FALSE(done);  // not acknowledged yet
  auto next = f.Poll(7, epoch, parked->result.last_seq, 1000);
  EXPECT_TRUE(done);
  EXPECT_FALSE(next->status);
  EXPECT_TRUE(f.inv.trusted(7));
}

TEST(InvalidationsTest, NobodyInterestedOrOwnChangeRepliesAtOnce) {
  Fixture f;
  f.Poll(7, 0, 0, 0);
  f.inv.Note(7, 42);
  bool done = false;
  f.inv.Publish(9, {CacheEvent::Inode(5)}, [&] { done = true; });
  EXPECT_TRUE(done);
  done = false;
  f.inv.Publish(7, {CacheEvent::Inode(42)}, [&] { done = true; });  // its own change
  EXPECT_TRUE(done);
  // Sessions that never subscribed record nothing.
  f.inv.Note(8, 42);
  done = false;
  f.inv.Publish(9, {CacheEvent::Inode(42)}, [&] { done = true; });
  EXPECT_FALSE(done);  // session 7 is interested
  auto p = f.Poll(7, f.Poll(7, 0, 0, 0)->result.epoch, 1, 0);
  EXPECT_TRUE(done);
}

TEST(InvalidationsTest, EntryEventsFollowInterestInTheParent) {
  Fixture f;
  uint64_t epoch = f.Poll(7, 0, 0, 0)->result.epoch;
  f.inv.Note(7, 1);  // the directory
  auto parked = f.Poll(7, epoch, 0, 1000);
  bool done = false;
  f.inv.Publish(9, {CacheEvent::Entry(1, "f", true), CacheEvent::Entry(2, "g", true)},
                [&] { done = true; });
  ASSERT_TRUE(parked->status);
  ASSERT_EQ(parked->result.events.size(), 1u);
  EXPECT_EQ(parked->result.events[0].kind, CacheEvent::Kind::kEntry);
  EXPECT_EQ(parked->result.events[0].name, "f");
  EXPECT_TRUE(parked->result.events[0].gone);
}

TEST(InvalidationsTest, SilentMountIsResetAndNoLongerWaitedFor) {
  Fixture f;
  uint64_t epoch = f.Poll(7, 0, 0, 0)->result.epoch;
  f.inv.Note(7, 42);
  bool done = false;
  f.inv.Publish(9, {CacheEvent::Inode(42)}, [&] { done = true; });
  f.now += 99;
  f.inv.Tick(f.now);
  EXPECT_FALSE(done);
  f.now += 1;
  f.inv.Tick(f.now);
  EXPECT_TRUE(done);  // the bound passed
  EXPECT_FALSE(f.inv.trusted(7));
  // Untrusted: the next mutation does not wait for it.
  done = false;
  f.inv.Publish(9, {CacheEvent::Inode(42)}, [&] { done = true; });
  EXPECT_TRUE(done);
  // When it polls again it is told to drop everything first.
  auto p = f.Poll(7, epoch, 0, 1000);
  ASSERT_TRUE(p->status);
  ASSERT_FALSE(p->result.events.empty());
  EXPECT_EQ(p->result.events[0].kind, CacheEvent::Kind::kReset);
  f.Poll(7, epoch, p->result.last_seq, 1000);
  EXPECT_TRUE(f.inv.trusted(7));
}

TEST(InvalidationsTest, QueueOverflowBecomesOneReset) {
  Fixture f;
  uint64_t epoch = f.Poll(7, 0, 0, 0)->result.epoch;
  f.inv.Note(7, 1);
  for (int i = 0; i < 10; ++i) f.inv.Publish(9, {CacheEvent::Inode(1)}, [] {});
  auto p = f.Poll(7, epoch, 0, 1000);
  ASSERT_TRUE(p->status);
  ASSERT_GE(p->result.events.size(), 1u);
  EXPECT_LE(p->result.events.size(), f.opts.max_queue);
  bool reset = false;
  for (const CacheEvent& e : p->result.events) reset |= e.kind == CacheEvent::Kind::kReset;
  EXPECT_TRUE(reset);
}

TEST(InvalidationsTest, InterestOverflowResetsTheMount) {
  Fixture f;
  uint64_t epoch = f.Poll(7, 0, 0, 0)->result.epoch;
  for (uint64_t ino = 1; ino <= 9; ++ino) f.inv.Note(7, ino);  // bound 8
  auto p = f.Poll(7, epoch, 0, 1000);
  ASSERT_TRUE(p->status);
  ASSERT_EQ(p->result.events.size(), 1u);
  EXPECT_EQ(p->result.events[0].kind, CacheEvent::Kind::kReset);
  // Until it acknowledged the reset it hears of every change.
  bool done = false;
  f.inv.Publish(9, {CacheEvent::Inode(12345)}, [&] { done = true; });
  EXPECT_FALSE(done);
  f.Poll(7, epoch, p->result.last_seq + 1, 1000);
  EXPECT_TRUE(done);
}

TEST(InvalidationsTest, PollIsHeldThenAnsweredEmpty) {
  Fixture f;
  uint64_t epoch = f.Poll(7, 0, 0, 0)->result.epoch;
  auto p = f.Poll(7, epoch, 0, 500);
  f.now += 499;
  f.inv.Tick(f.now);
  EXPECT_FALSE(p->status);
  f.now += 1;
  f.inv.Tick(f.now);
  ASSERT_TRUE(p->status && p->status->ok());
  EXPECT_TRUE(p->result.events.empty());
  EXPECT_EQ(p->result.epoch, epoch);
}

TEST(InvalidationsTest, ForgetFailsPollsAndStartsNewEpochs) {
  Fixture f;
  uint64_t epoch = f.Poll(7, 0, 0, 0)->result.epoch;
  f.inv.Note(7, 42);
  auto p = f.Poll(7, epoch, 0, 1000);
  bool done = false;
  f.inv.Publish(9, {CacheEvent::Inode(42)}, [&] { done = true; });
  auto held = f.Poll(7, epoch, 0, 1000);  // got the event, not acknowledged yet
  f.inv.Forget(Status(StatusCode::NotLeader, "gone"));
  EXPECT_TRUE(done);
  EXPECT_EQ(f.inv.subscriptions(), 0u);
  auto again = f.Poll(7, epoch, 99, 0);
  ASSERT_TRUE(again->status && again->status->ok());
  EXPECT_NE(again->result.epoch, epoch);
  EXPECT_EQ(again->result.last_seq, 0u);  // the old epoch's ack means nothing here
}

TEST(InvalidationsTest, PruneDropsSessionsThatAreGone) {
  Fixture f;
  f.Poll(7, 0, 0, 0);
  f.Poll(8, 0, 0, 0);
  f.inv.Note(7, 42);
  f.inv.Prune([](uint64_t s) { return s != 7; });
  EXPECT_EQ(f.inv.subscriptions(), 1u);
  bool done = false;
  f.inv.Publish(9, {CacheEvent::Inode(42)}, [&] { done = true; });
  EXPECT_TRUE(done);
}

}  // namespace
}  // namespace opendfs::metad
