// SendfilePool (internal to libnet): a fixed set of threads that push file
// ranges into sockets with sendfile(2), so neither a cold page cache (disk
// reads inside sendfile) nor a slow reader ever blocks a loop thread.
//
// The socket is non-blocking (libuv made it so): a job calls sendfile until
// EAGAIN, then poll()s the fd for POLLOUT and continues; it fails with
// TimedOut when the peer accepts nothing for idle_timeout, or with the errno
// of a broken socket. The caller guarantees the socket fd stays open (and is
// written by nobody else) until `done` ran. `done` runs on a pool thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "libnet/status.h"

namespace opendfs::detail {

class SendfilePool {
 public:
  SendfilePool(int threads, std::chrono::milliseconds idle_timeout);
  ~SendfilePool();  // finishes queued jobs, joins
  SendfilePool(const SendfilePool&) = delete;
  SendfilePool& operator=(const SendfilePool&) = delete;

  void Submit(int sock_fd, int file_fd, uint64_t offset, uint64_t length,
              std::function<void(Status)> done);

  // The job itself, exposed for tests: blocks until sent or failed.
  static Status SendRange(int sock_fd, int file_fd, uint64_t offset,
                          uint64_t length, std::chrono::milliseconds idle_timeout);

 private:
  struct Job {
    int sock_fd, file_fd;
    uint64_t offset, length;
    std::function<void(Status)> done;
  };
  void Run();

  std::chrono::milliseconds idle_timeout_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;  // GUARDED_BY(mu_); at most one per connection
  bool stop_ = false;     // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;
};

}  // namespace opendfs::detail
