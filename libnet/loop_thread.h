// LoopThread (internal to libnet): one libuv loop running on its own thread,
// with a thread-safe Post() to run work on it.
//
// Lifecycle: construct (loop + wake-up handle initialised; the owner may init
// its handles on this loop from the constructing thread before Start()),
// Start(), Post()... from any thread, Stop(shutdown) where `shutdown` runs on the
// loop and must uv_close every handle the owner created. The loop then runs
// until those close callbacks and every Hold() has been Released, and the
// thread is joined.
//
// Post() fails (returns false, fn dropped) once Stop() began; PostInternal()
// still works until the thread exits — it is for completions of work the loop
// itself started (and Hold()s), such as a sendfile job.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <uv.h>

namespace opendfs::detail {

class LoopThread {
 public:
  static constexpr size_t kStagingSize = 64 * 1024;

  LoopThread();
  ~LoopThread();  // Stop() must have been called if Start() was.
  LoopThread(const LoopThread&) = delete;
  LoopThread& operator=(const LoopThread&) = delete;

  uv_loop_t* loop() { return &loop_; }
  void Start();
  bool Post(std::function<void()> fn);
  void PostInternal(std::function<void()> fn);
  bool OnThread() const { return std::this_thread::get_id() == thread_id_.load(); }
  void Stop(std::function<void()> shutdown);

  // Work outside the loop that will PostInternal back; keeps the loop alive.
  void Hold() { ++holds_; }
  void Release();

  // A read buffer shared by all connections of this loop: libuv calls
  // alloc_cb and read_cb back to back, and read_cb consumes it entirely.
  uint8_t* staging() { return staging_.get(); }

 private:
  static void OnAsync(uv_async_t* a);
  void RunQueue();
  void MaybeFinish();

  uv_loop_t loop_;
  uv_async_t async_;
  std::thread thread_;
  std::atomic<std::thread::id> thread_id_{};
  std::mutex mu_;
  std::vector<std::function<void()>> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                     // GUARDED_BY(mu_)
  bool started_ = false;
  bool joined_ = false;
  bool async_closed_ = false;  // loop thread only
  bool shutdown_ran_ = false;  // loop thread only
  int holds_ = 0;              // loop thread only
  std::unique_ptr<uint8_t[]> staging_;
};

}  // namespace opendfs::detail
