// The real opendfs-metad as a child process, for integration tests: a
// namenode.conf in `dir`, a loopback address of the test's own (so parallel
// test runs do not collide), Start() forks and execs OPENDFS_METAD_BIN, Kill()
// waits for it. The destructor SIGKILLs what still runs.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "libnet/endpoint.h"

namespace opendfs {

class MetadProcess {
 public:
  // `net`: the first three octets of the address ("127.0.3"); `port`: the
  // client port (port + 1 for blockds); `extra`: more "server.key = value;"
  // lines.
  MetadProcess(std::string dir, const std::string& net = "127.0.3", int port = 18100,
               const std::string& extra = "")
      : dir_(std::move(dir)), port_(port) {
    host_ = net + "." + std::to_string(1 + getpid() % 250);
    std::ofstream(dir_ + "/namenode.conf")
        << "Server server;\n"
        << "server.daemon = DENY;\n"
        << "server.bind_for_cli = \"" << host_ << ":" << port_ << "\";\n"
        << "server.bind_for_dn = \"" << host_ << ":" << port_ + 1 << "\";\n"
        << "server.editlog_dir = \"" << dir_ << "/editlog\";\n"
        << "server.fsimage_dir = \"" << dir_ << "/fsimage\";\n"
        << "server.error_log = \"" << dir_ << "/error.log\";\n"
        << "server.pid_file = \"" << dir_ << "/metad.pid\";\n"
        << extra;
  }
  ~MetadProcess() { Kill(SIGKILL); }

  Endpoint endpoint() const { return Endpoint{host_, static_cast<uint16_t>(port_)}; }
  std::string pid_file() const { return dir_ + "/metad.pid"; }

  // False when fork failed.
  bool Start() {
    pid_ = fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      std::string conf = dir_ + "/namenode.conf";
      execl(OPENDFS_METAD_BIN, "opendfs-metad", "-c", conf.c_str(), "-f", nullptr);
      _exit(127);
    }
    return true;
  }
  // Waits for the child; returns its exit status (or 128+signal).
  int Kill(int sig) {
    if (pid_ <= 0) return -1;
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  std::string dir_;
  std::string host_;
  int port_;
  pid_t pid_ = -1;
};

}  // namespace opendfs
