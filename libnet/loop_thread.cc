// LoopThread: see loop_thread.h for the lifecycle.
#include "libnet/loop_thread.h"

#include <csignal>
#include <pthread.h>

#include "libnet/check.h"

namespace opendfs::detail {

LoopThread::LoopThread() : staging_(new uint8_t[kStagingSize]) {
  ODFS_CHECK(uv_loop_init(&loop_) == 0);
  ODFS_CHECK(uv_async_init(&loop_, &async_, &LoopThread::OnAsync) == 0);
  async_.data = this;
}

LoopThread::~LoopThread() {
  if (!started_) {
    // Never ran: close the wake-up handle and drain its close callback.
    uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
  }
  ODFS_CHECK(!started_ || joined_);
  ODFS_CHECK(uv_loop_close(&loop_) == 0);
}

void LoopThread::Start() {
  ODFS_CHECK(!started_);
  started_ = true;
  thread_ = std::thread([this] {
    // A peer that resets while we write must give EPIPE, not kill the process.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    thread_id_ = std::this_thread::get_id();
    uv_run(&loop_, UV_RUN_DEFAULT);
    thread_id_ = std::thread::id();
  });
}

bool LoopThread::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (stopping_) return false;
    queue_.push_back(std::move(fn));
  }
  uv_async_send(&async_);
  return true;
}

void LoopThread::PostInternal(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> g(mu_);
    queue_.push_back(std::move(fn));
  }
  uv_async_send(&async_);
}

void LoopThread::OnAsync(uv_async_t* a) {
  static_cast<LoopThread*>(a->data)->RunQueue();
}

void LoopThread::RunQueue() {
  std::vector<std::function<void()>> batch;
  bool stopping;
  {
    std::lock_guard<std::mutex> g(mu_);
    batch.swap(queue_);
    stopping = stopping_;
  }
  for (auto& fn : batch) fn();
  if (stopping) MaybeFinish();
}

void LoopThread::Release() {
  ODFS_CHECK(holds_ > 0);
  --holds_;
}

void LoopThread::MaybeFinish() {
  if (async_closed_ || !shutdown_ran_ || holds_ > 0) return;
  bool empty;
  {
    std::lock_guard<std::mutex> g(mu_);
    empty = queue_.empty();
  }
  if (!empty) {
    uv_async_send(&async_);
    return;
  }
  async_closed_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
}

void LoopThread::Stop(std::function<void()> shutdown) {
  if (!started_ || joined_) return;
  ODFS_CHECK(!OnThread());
  {
    std::lock_guard<std::mutex> g(mu_);
    if (!stopping_) {
      stopping_ = true;
      queue_.push_back([this, shutdown = std::move(shutdown)] {
        if (shutdown) shutdown();
        shutdown_ran_ = true;
      });
    }
  }
  uv_async_send(&async_);
  thread_.join();
  joined_ = true;
  // Anything posted internally after the loop ended is dropped here.
  std::lock_guard<std::mutex> g(mu_);
  queue_.clear();
}

}  // namespace opendfs::detail
