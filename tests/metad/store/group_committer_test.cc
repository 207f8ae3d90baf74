// GroupCommitter over a MemEditLog: ordering, batching, apply/done order,
// full queue, append failure and shutdown.
#include <atomic>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "metad/store/group_committer.h"
#include "metad/store/mem_edit_log.h"

namespace opendfs::store {
namespace {

// Holds the writer inside Append until Release(); Entered() waits for it.
class AppendGate {
 public:
  void Install(MemEditLog& log) {
    log.SetAppendHook([this] {
      std::unique_lock lock(mu_);
      ++entered_;
      cv_.notify_all();
      cv_.wait(lock, [this] { return released_; });
    });
  }
  void WaitEntered(int n = 1) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return entered_ >= n; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int entered_ = 0;
  bool released_ = false;
};

TEST(GroupCommitterTest, SixtyFourThreadsKeepOrderAndCompleteAll) {
  constexpr int kThreads = 64;
  constexpr int kPerThread = 200;
  MemEditLog log;
  std::mutex mu;
  uint64_t last_applied = 0;
  bool apply_in_order = true;
  bool done_right_after_apply = true;
  std::vector<std::pair<uint64_t, std::string>> completed;  // GUARDED_BY(mu)
  GroupCommitterHooks hooks;
  hooks.apply = [&](uint64_t index, std::string_view) {
    std::lock_guard lock(mu);
    if (index != last_applied + 1) apply_in_order = false;
    last_applied = index;
    return Status::Ok();
  };
  GroupCommitterOptions options;
  options.queue_records_max = 1000;  // below the total: submitters do block
  GroupCommitter committer(log, hooks, options, Logger::Quiet());

  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> indices(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::future<Committed>> futures;
      for (int i = 0; i < kPerThread; ++i) {
        std::string record = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto promise = std::make_shared<std::promise<Committed>>();
        futures.push_back(promise->get_future());
        Status s = committer.Submit(record, [&, record, promise](const Committed& c) {
          {
            std::lock_guard lock(mu);
            if (c.index != last_applied) done_right_after_apply = false;
            completed.emplace_back(c.index, record);
          }
          promise->set_value(c);
        });
        ASSERT_TRUE(s.ok()) << s.ToString();
      }
      for (auto& f : futures) {
        Committed c = f.get();
        ASSERT_TRUE(c.status.ok()) << c.status.ToString();
        indices[t].push_back(c.index);
      }
    });
  }
  for (auto& th : threads) th.join();

  const uint64_t total = kThreads * kPerThread;
  EXPECT_TRUE(apply_in_order);
  EXPECT_TRUE(done_right_after_apply);
  ASSERT_EQ(completed.size(), total);
  EXPECT_EQ(log.last_index(), total);
  // Completions came in index order and every index holds its record.
  auto records = log.Read(1, total, SIZE_MAX);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), total);
  for (uint64_t i = 0; i < total; ++i) {
    EXPECT_EQ(completed[i].first, i + 1);
    EXPECT_EQ((*records)[i].bytes, completed[i].second);
  }
  // One submitter's records keep its submission order.
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 1; i < kPerThread; ++i) EXPECT_LT(indices[t][i - 1], indices[t][i]);
  }
  GroupCommitterStats stats = committer.stats();
  EXPECT_EQ(stats.records, total);
  EXPECT_EQ(stats.batches, log.append_calls());
}

TEST(GroupCommitterTest, RecordsQueuedDuringAWriteGoInOneBatch) {
  MemEditLog log;
  AppendGate gate;
  gate.Install(log);
  GroupCommitter committer(log, {}, {}, Logger::Quiet());
  auto first = committer.SubmitFuture("first");
  gate.WaitEntered();
  std::vector<std::future<Committed>> rest;
  for (int i = 0; i < 10; ++i) rest.push_back(committer.SubmitFuture("r" + std::to_string(i)));
  gate.Release();
  EXPECT_EQ(first.get().index, 1u);
  for (int i = 0; i < 10; ++i) {
    Committed c = rest[i].get();
    ASSERT_TRUE(c.status.ok());
    EXPECT_EQ(c.index, 2u + i);
  }
  EXPECT_EQ(log.append_calls(), 2u);  // one sync for the ten
  EXPECT_EQ(committer.stats().batch_records_max, 10u);
}

TEST(GroupCommitterTest, BatchRespectsRecordLimit) {
  MemEditLog log;
  AppendGate gate;
  gate.Install(log);
  GroupCommitterOptions options;
  options.batch_records_max = 4;
  GroupCommitter committer(log, {}, options, Logger::Quiet());
  auto first = committer.SubmitFuture("first");
  gate.WaitEntered();
  std::vector<std::future<Committed>> rest;
  for (int i = 0; i < 10; ++i) rest.push_back(committer.SubmitFuture("r"));
  gate.Release();
  for (auto& f : rest) ASSERT_TRUE(f.get().status.ok());
  EXPECT_EQ(log.append_calls(), 1u + 3u);  // 4 + 4 + 2
  EXPECT_EQ(committer.stats().batch_records_max, 4u);
}

TEST(GroupCommitterTest, ContinuesAnExistingLog) {
  MemEditLog log;
  std::vector<LogRecord> old = {{1, "a"}, {2, "b"}};
  ASSERT_TRUE(log.Append(old).ok());
  GroupCommitter committer(log, {}, {}, Logger::Quiet());
  EXPECT_EQ(committer.SubmitFuture("c").get().index, 3u);
}

TEST(GroupCommitterTest, ApplyStatusReachesDone) {
  MemEditLog log;
  GroupCommitterHooks hooks;
  hooks.apply = [](uint64_t index, std::string_view) {
    return index == 2 ? Status(StatusCode::Exists, "name taken") : Status::Ok();
  };
  std::vector<uint64_t> after;
  hooks.after_batch = [&](uint64_t last) { after.push_back(last); };
  GroupCommitter committer(log, hooks, {}, Logger::Quiet());
  EXPECT_TRUE(committer.SubmitFuture("a").get().status.ok());
  Committed second = committer.SubmitFuture("b").get();
  EXPECT_EQ(second.status.code(), StatusCode::Exists);
  EXPECT_EQ(second.index, 2u);  // durable even though apply refused it
  committer.Shutdown();
  EXPECT_EQ(after, (std::vector<uint64_t>{1, 2}));
}

TEST(GroupCommitterTest, FullQueueReturnsBusyWhenAskedTo) {
  MemEditLog log;
  AppendGate gate;
  gate.Install(log);
  GroupCommitterOptions options;
  options.queue_records_max = 2;
  options.reject_when_full = true;
  GroupCommitter committer(log, {}, options, Logger::Quiet());
  auto in_flight = committer.SubmitFuture("x");
  gate.WaitEntered();
  auto q1 = committer.SubmitFuture("q1");
  auto q2 = committer.SubmitFuture("q2");
  Status busy = committer.Submit("q3", [](const Committed&) { ADD_FAILURE() << "called"; });
  EXPECT_EQ(busy.code(), StatusCode::Busy);
  gate.Release();
  EXPECT_EQ(in_flight.get().index, 1u);
  EXPECT_EQ(q1.get().index, 2u);
  EXPECT_EQ(q2.get().index, 3u);
}

TEST(GroupCommitterTest, OversizedRecordIsRefused) {
  MemEditLog log;
  GroupCommitterOptions options;
  options.record_bytes_max = 8;
  GroupCommitter committer(log, {}, options, Logger::Quiet());
  EXPECT_EQ(committer.SubmitFuture(std::string(9, 'x')).get().status.code(),
            StatusCode::TooBig);
  EXPECT_TRUE(committer.SubmitFuture(std::string(8, 'x')).get().status.ok());
}

TEST(GroupCommitterTest, AppendFailureFailsTheBatchAndEverythingAfter) {
  MemEditLog log;
  GroupCommitter committer(log, {}, {}, Logger::Quiet());
  ASSERT_TRUE(committer.SubmitFuture("ok").get().status.ok());
  log.FailAppends(Status(StatusCode::Io, "disk on fire"));
  Committed failed = committer.SubmitFuture("lost").get();
  EXPECT_EQ(failed.status.code(), StatusCode::Io);
  EXPECT_EQ(failed.index, 0u);
  log.FailAppends(Status::Ok());
  // Even with the disk back, the committer stays failed: restart required.
  EXPECT_EQ(committer.SubmitFuture("later").get().status.code(), StatusCode::Io);
  EXPECT_EQ(log.last_index(), 1u);
}

TEST(GroupCommitterTest, ShutdownFinishesTheBatchInFlightAndFailsTheQueued) {
  MemEditLog log;
  AppendGate gate;
  gate.Install(log);
  auto committer = std::make_unique<GroupCommitter>(log, GroupCommitterHooks{},
                                                    GroupCommitterOptions{}, Logger::Quiet());
  auto in_flight = committer->SubmitFuture("in flight");
  gate.WaitEntered();
  std::vector<std::future<Committed>> queued;
  for (int i = 0; i < 5; ++i) queued.push_back(committer->SubmitFuture("queued"));
  std::thread stopper([&] { committer->Shutdown(); });
  // Submissions are refused once Shutdown has begun; until then they queue.
  std::atomic<int> late_done{0};
  int late_accepted = 0;
  for (;;) {
    Status s = committer->Submit("late", [&](const Committed& c) {
      EXPECT_EQ(c.status.code(), StatusCode::ShuttingDown);
      late_done.fetch_add(1);
    });
    if (!s.ok()) {
      EXPECT_EQ(s.code(), StatusCode::ShuttingDown);
      break;
    }
    ++late_accepted;
    std::this_thread::yield();
  }
  gate.Release();
  stopper.join();
  Committed first = in_flight.get();
  EXPECT_TRUE(first.status.ok());
  EXPECT_EQ(first.index, 1u);
  for (auto& f : queued) {
    Committed c = f.get();
    EXPECT_EQ(c.status.code(), StatusCode::ShuttingDown);
    EXPECT_EQ(c.index, 0u);
  }
  EXPECT_EQ(late_done.load(), late_accepted);
  EXPECT_EQ(log.last_index(), 1u);
  EXPECT_EQ(committer->Submit("after", [](const Committed&) {}).code(),
            StatusCode::ShuttingDown);
}

TEST(GroupCommitterTest, ShutdownWakesABlockedSubmitter) {
  MemEditLog log;
  AppendGate gate;
  gate.Install(log);
  GroupCommitterOptions options;
  options.queue_records_max = 1;
  GroupCommitter committer(log, {}, options, Logger::Quiet());
  auto in_flight = committer.SubmitFuture("x");
  gate.WaitEntered();
  auto queued = committer.SubmitFuture("fills the queue");
  std::promise<Status> blocked_result;
  std::thread blocked([&] {
    blocked_result.set_value(committer.Submit("blocks", [](const Committed&) {}));
  });
  std::thread stopper([&] { committer.Shutdown(); });
  EXPECT_EQ(blocked_result.get_future().get().code(), StatusCode::ShuttingDown);
  gate.Release();
  stopper.join();
  blocked.join();
  EXPECT_TRUE(in_flight.get().status.ok());
  EXPECT_EQ(queued.get().status.code(), StatusCode::ShuttingDown);
}

}  // namespace
}  // namespace opendfs::store
