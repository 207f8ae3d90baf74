// opendfs-blockd -c datanode.conf [-f]
//
// Happy path: parse the config (the seed's datanode.conf keys), open the log,
// daemonize unless -f (or daemon = DENY) — the parent exits 0 only once the
// child is serving, so "returned 0" means "listening" — write the pid file,
// start the node, wait for SIGTERM/SIGINT (SIGHUP reopens the log), stop
// cleanly, remove the pid file, exit 0.
//
// Failure modes: bad arguments, a bad config (file:line and what was
// expected), an unusable data dir, a pid file owned by a live process, or a
// bind failure: one line on stderr (and in the log when it is open), exit 1.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "blockd/blockd_node.h"
#include "blockd/settings.h"
#include "libnet/daemon.h"
#include "libnet/log.h"

namespace {

void Usage() {
  std::fprintf(stderr,
               "usage: opendfs-blockd -c datanode.conf [-f]\n"
               "  -c FILE  configuration in the seed's format (Server server; "
               "server.key = value;)\n"
               "  -f       stay in the foreground (overrides server.daemon)\n");
}

// Where start-up errors go: stderr, or after Daemonize (which points stderr
// at /dev/null) a copy of the original stderr kept until the node is ready,
// so "opendfs-blockd -c x.conf" in a script still prints why it failed.
int g_error_fd = STDERR_FILENO;
// True once the log goes to error_log: a failure is then also logged there
// (when the log is stderr, the one stderr line is enough).
bool g_log_to_file = false;

int Fail(opendfs::Logger* log, const std::string& line) {
  std::string text = "opendfs-blockd: " + line + "\n";
  ssize_t n = ::write(g_error_fd, text.data(), text.size());
  (void)n;
  if (log && g_log_to_file) log->Error("blockd: {}", line);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace opendfs;
  std::string config;
  bool foreground = false;
  int opt;
  while ((opt = getopt(argc, argv, "c:fh")) != -1) {
    switch (opt) {
      case 'c': config = optarg; break;
      case 'f': foreground = true; break;
      case 'h': Usage(); return 0;
      default: Usage(); return 1;
    }
  }
  if (config.empty() || optind != argc) {
    Usage();
    return 1;
  }
  Result<blockd::BlockdSettings> settings = blockd::LoadBlockdSettingsFile(config);
  if (!settings.ok()) return Fail(nullptr, settings.status().message());

  Logger log(settings->log_level);
  if (!settings->error_log.empty()) {
    // Like the pid file: a fresh machine has no logs/ folder yet.
    std::error_code ec;
    std::filesystem::path p(settings->error_log);
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  }
  if (Status st = log.OpenFile(settings->error_log); !st.ok())
    return Fail(nullptr, "error_log: " + st.ToString());
  g_log_to_file = !settings->error_log.empty();

  // Before any thread: the mask is inherited, signals reach only sigwait.
  BlockDaemonSignals();
  if (settings->daemon && !foreground) {
    // The parent exits in Daemonize once the child reports ready (or dies);
    // the child's later errors go to the log only.
    g_error_fd = ::dup(STDERR_FILENO);
    if (g_error_fd < 0) g_error_fd = STDERR_FILENO;
    if (Status st = Daemonize(); !st.ok()) return Fail(&log, st.ToString());
  }
  if (Status st = SetUpCoreDumps(settings->coredump_dir); !st.ok())
    return Fail(&log, st.ToString());
  Result<PidFile> pid = PidFile::Create(settings->pid_file);
  if (!pid.ok()) return Fail(&log, pid.status().ToString());

  Result<std::unique_ptr<blockd::BlockdNode>> node = blockd::BlockdNode::Start(*settings, log);
  if (!node.ok()) return Fail(&log, "start: " + node.status().ToString());
  NotifyReady();
  if (g_error_fd != STDERR_FILENO) {
    ::close(g_error_fd);
    g_error_fd = STDERR_FILENO;
  }

  WaitForStopSignal(log);
  log.Info("blockd: stop signal received; shutting down");
  (*node)->Stop();
  node->reset();
  log.Info("blockd: exit 0");
  return 0;
}
