// A real opendfs-metad for end-to-end benchmarks: writes a minimal
// namenode.conf (one metad, loopback, LOG_WARN) under `dir`, forks and execs
// the daemon in the foreground, and waits until it answers Ping. The caller
// may have filled dir/editlog and dir/fsimage beforehand (a restart).
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "libnet/client.h"
#include "libnet/rpc_methods.h"
#include "rpc_generated.h"

namespace opendfs::bench {

class MetadProcess {
 public:
  // `port` keeps two processes of one benchmark apart.
  MetadProcess(std::string binary, std::string dir, uint16_t port)
      : binary_(std::move(binary)),
        dir_(std::move(dir)),
        ep_("127.0.4." + std::to_string(1 + getpid() % 250), port) {}
  ~MetadProcess() { Stop(); }

  const Endpoint& endpoint() const { return ep_; }
  Client& client() { return *client_; }

  // Starts the daemon and waits until it answers (or `timeout`); false when
  // it did not.
  bool Start(std::chrono::milliseconds timeout = std::chrono::minutes(5)) {
    std::ofstream(dir_ + "/n.conf")
        << "Server server;\nserver.bind_for_cli = \"" << ep_.ToString()
        << "\";\nserver.bind_for_dn = \"" << ep_.host << ":" << ep_.port + 1
        << "\";\nserver.editlog_dir = \"" << dir_ << "/editlog\";\nserver.fsimage_dir = \""
        << dir_ << "/fsimage\";\nserver.error_log = \"" << dir_
        << "/error.log\";\nserver.log_level = LOG_WARN;\n";
    pid_ = fork();
    if (pid_ == 0) {
      std::string conf = dir_ + "/n.conf";
      execl(binary_.c_str(), "opendfs-metad", "-c", conf.c_str(), "-f", nullptr);
      _exit(127);
    }
    client_ = std::make_unique<Client>(ClientOptions{}, Logger::Quiet());
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      flatbuffers::FlatBufferBuilder b;
      b.Finish(fb::CreatePingRequest(b));
      if (client_->Call<fb::PingReply>(ep_, kPingMethod, b, {}, std::chrono::milliseconds(200)).ok())
        return true;
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return false;  // exited: see dir/error.log
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  // Resident memory of the daemon (VmRSS), 0 when unknown.
  size_t RssBytes() const {
    std::ifstream f("/proc/" + std::to_string(pid_) + "/status");
    std::string key;
    size_t kb = 0;
    while (f >> key) {
      if (key == "VmRSS:") {
        f >> kb;
        return kb * 1024;
      }
    }
    return 0;
  }

  void Stop() {
    client_.reset();
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

 private:
  std::string binary_;
  std::string dir_;
  Endpoint ep_;
  pid_t pid_ = -1;
  std::unique_ptr<Client> client_;
};

}  // namespace opendfs::bench
