// ReassertGate: an unlock does not overtake a running re-assertion, a
// re-assertion waits for unlocks in flight, the re-asserting thread's own
// unlock is not waited for, and no wait outlives its bound.
#include "mount/client/reassert_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace opendfs::client {
namespace {

using std::chrono::milliseconds;

TEST(ReassertGate, AnUnlockWaitsForTheReassertion) {
  ReassertGate g(milliseconds(5000));
  std::atomic<bool> unlocked{false};
  std::thread t;
  {
    ReassertGate::ReassertScope r(g);
    ASSERT_TRUE(r.waited_ok());
    t = std::thread([&] {
      ReassertGate::UnlockScope u(g);
      EXPECT_TRUE(u.waited_ok());
      unlocked = true;
    });
    std::this_thread::sleep_for(milliseconds(100));
    EXPECT_FALSE(unlocked.load());  // still behind the re-assertion
  }
  t.join();
  EXPECT_TRUE(unlocked.load());
}

TEST(ReassertGate, AReassertionWaitsForUnlocksInFlight) {
  ReassertGate g(milliseconds(5000));
  std::atomic<bool> started{false}, reasserted{false};
  auto unlock = std::make_unique<ReassertGate::UnlockScope>(g);
  std::thread t([&] {
    started = true;
    ReassertGate::ReassertScope r(g);
    EXPECT_TRUE(r.waited_ok());
    reasserted = true;
  });
  while (!started.load()) std::this_thread::yield();
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_FALSE(reasserted.load());
  unlock.reset();  // the unlock is done (HeldLocks updated)
  t.join();
  EXPECT_TRUE(reasserted.load());
}

TEST(ReassertGate, TheReassertingThreadsOwnUnlockIsNotWaitedFor) {
  ReassertGate g(milliseconds(5000));
  ReassertGate::UnlockScope u(g);  // its RPC renewed the session...
  {
    ReassertGate::ReassertScope r(g);  // ...and the hook runs here
    EXPECT_TRUE(r.waited_ok());
    ReassertGate::ReassertScope nested(g);  // renewed again inside
    EXPECT_TRUE(nested.waited_ok());
  }
  ReassertGate::UnlockScope later(g);  // nothing running: straight through
  EXPECT_TRUE(later.waited_ok());
}

TEST(ReassertGate, WaitsAreBounded) {
  ReassertGate g(milliseconds(50));
  std::thread t([&] {
    ReassertGate::UnlockScope u(g);
    std::this_thread::sleep_for(milliseconds(400));
  });
  std::this_thread::sleep_for(milliseconds(50));
  auto t0 = std::chrono::steady_clock::now();
  {
    ReassertGate::ReassertScope r(g);
    EXPECT_FALSE(r.waited_ok());
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(300));
  t.join();
}

}  // namespace
}  // namespace opendfs::client
