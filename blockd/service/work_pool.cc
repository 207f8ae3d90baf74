#include "blockd/service/work_pool.h"

#include <pthread.h>

#include "libnet/check.h"

namespace opendfs::blockd {

WorkPool::WorkPool(std::string name, int threads, size_t max_queue_len)
    : name_(std::move(name)), max_queue_len_(max_queue_len) {
  ODFS_CHECK(threads > 0);
  ODFS_CHECK(max_queue_len > 0);
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this, i] {
      std::string tname = name_ + "-" + std::to_string(i);
      pthread_setname_np(pthread_self(), tname.substr(0, 15).c_str());
      Run();
    });
  }
}

WorkPool::~WorkPool() { Stop(); }

bool WorkPool::Submit(Task task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= max_queue_len_) return false;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void WorkPool::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

size_t WorkPool::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

size_t WorkPool::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_;
}

void WorkPool::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    // Drain before leaving: a queued task owes a reply to somebody.
    if (queue_.empty()) return;
    Task task = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    lock.unlock();
    task();
    task = nullptr;  // destroy captures (Responders) outside the lock
    lock.lock();
    --running_;
  }
}

}  // namespace opendfs::blockd
