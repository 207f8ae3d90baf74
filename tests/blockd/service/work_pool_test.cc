// WorkPool: runs tasks on its threads, refuses beyond its queue bound, and
// runs everything queued before Stop() returns.
#include "blockd/service/work_pool.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

namespace opendfs::blockd {
namespace {

TEST(WorkPool, RunsTasksOffTheCallingThread) {
  WorkPool pool("t", 2, 16);
  std::mutex mu;
  std::condition_variable cv;
  std::set<std::thread::id> ids;
  int done = 0;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(pool.Submit([&] {
      std::lock_guard<std::mutex> l(mu);
      ids.insert(std::this_thread::get_id());
      ++done;
      cv.notify_all();
    }));
  }
  std::unique_lock<std::mutex> l(mu);
  cv.wait(l, [&] { return done == 10; });
  EXPECT_EQ(ids.count(std::this_thread::get_id()), 0u);
}

TEST(WorkPool, RefusesWhenQueueIsFull) {
  WorkPool pool("t", 1, 2);
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  bool started = false;
  ASSERT_TRUE(pool.Submit([&] {
    std::unique_lock<std::mutex> l(mu);
    started = true;
    cv.notify_all();
    cv.wait(l, [&] { return release; });
  }));
  {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return started; });
  }
  // The one thread is busy: two fit in the queue, the third does not.
  EXPECT_TRUE(pool.Submit([] {}));
  EXPECT_TRUE(pool.Submit([] {}));
  EXPECT_FALSE(pool.Submit([] {}));
  {
    std::lock_guard<std::mutex> l(mu);
    release = true;
  }
  cv.notify_all();
  pool.Stop();
}

TEST(WorkPool, StopRunsQueuedTasksThenRefuses) {
  std::atomic<int> ran{0};
  WorkPool pool("t", 1, 100);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(pool.Submit([&] { ++ran; }));
  pool.Stop();
  EXPECT_EQ(ran.load(), 50);
  EXPECT_FALSE(pool.Submit([&] { ++ran; }));
  EXPECT_EQ(ran.load(), 50);
}

}  // namespace
}  // namespace opendfs::blockd
