// SendfilePool: see sendfile_pool.h.
#include "libnet/sendfile_pool.h"

#include <cerrno>
#include <csignal>
#include <poll.h>
#include <pthread.h>
#include <sys/sendfile.h>

namespace opendfs::detail {

SendfilePool::SendfilePool(int threads, std::chrono::milliseconds idle_timeout)
    : idle_timeout_(idle_timeout) {
  if (threads < 1) threads = 1;
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

SendfilePool::~SendfilePool() {
  {
    std::lock_guard<std::mutex> g(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void SendfilePool::Submit(int sock_fd, int file_fd, uint64_t offset,
                          uint64_t length, std::function<void(Status)> done) {
  {
    std::lock_guard<std::mutex> g(mu_);
    jobs_.push_back(Job{sock_fd, file_fd, offset, length, std::move(done)});
  }
  cv_.notify_one();
}

void SendfilePool::Run() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return stop_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stop_ and drained
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job.done(SendRange(job.sock_fd, job.file_fd, job.offset, job.length,
                       idle_timeout_));
  }
}

Status SendfilePool::SendRange(int sock_fd, int file_fd, uint64_t offset,
                               uint64_t length,
                               std::chrono::milliseconds idle_timeout) {
  off_t off = static_cast<off_t>(offset);
  uint64_t left = length;
  auto last_progress = std::chrono::steady_clock::now();
  while (left > 0) {
    size_t chunk = left > (8u << 20) ? (8u << 20) : static_cast<size_t>(left);
    ssize_t n = sendfile(sock_fd, file_fd, &off, chunk);
    if (n > 0) {
      left -= static_cast<uint64_t>(n);
      last_progress = std::chrono::steady_clock::now();
      continue;
    }
    if (n == 0) return Status(StatusCode::Io, "sendfile: file shorter than range");
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return ErrnoStatus(errno, "sendfile");
    if (std::chrono::steady_clock::now() - last_progress > idle_timeout)
      return Status(StatusCode::TimedOut, "sendfile: peer stopped reading");
    pollfd p{sock_fd, POLLOUT, 0};
    int r = poll(&p, 1, 200);
    if (r < 0 && errno != EINTR) return ErrnoStatus(errno, "poll");
    if (r > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL)) &&
        !(p.revents & POLLOUT))
      return Status(StatusCode::ConnReset, "sendfile: connection closed");
  }
  return Status::Ok();
}

}  // namespace opendfs::detail
