// WorkPool: a fixed set of threads running queued tasks, with a bounded queue.
//
// The blockd's disk work (open, pwrite, fdatasync, unlink, checksums) runs
// here, never on a libuv loop thread and never on libuv's shared default pool
// (STYLE §9): a loop thread Submit()s and returns at once; the task replies
// through the thread-safe Responder when it is done. A second, small pool runs
// block copies to other blockds, which wait on the network.
//
// Failure modes: Submit() returns false (the task is dropped, not run) when
// max_queue_len tasks are already waiting or the pool is stopping; the caller
// answers Busy / ShuttingDown. Stop() runs every task already queued, then
// joins the threads.
//
// Threads: Submit() from any thread; Stop() from one owner thread (never from
// a pool thread).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace opendfs::blockd {

class WorkPool {
 public:
  using Task = std::function<void()>;

  // `name` names the threads ("disk-0", ...), at most 10 characters.
  WorkPool(std::string name, int threads, size_t max_queue_len);
  ~WorkPool();  // Stop()
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues `task`; false when the queue is full or the pool is stopping.
  [[nodiscard]] bool Submit(Task task);

  // Refuses new tasks, runs the queued ones, joins the threads. Idempotent.
  void Stop();

  size_t queued() const;
  size_t max_queue_len() const { return max_queue_len_; }
  size_t running() const;

 private:
  void Run();

  const std::string name_;
  const size_t max_queue_len_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;   // GUARDED_BY(mu_)
  size_t running_ = 0;       // GUARDED_BY(mu_)
  bool stopping_ = false;    // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;
};

}  // namespace opendfs::blockd
