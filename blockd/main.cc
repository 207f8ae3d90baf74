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
#include "libnet/version.h"

namespace {

void Usage(std::FILE* to) {
  std::fprintf(to,
               "usage: opendfs-blockd -c datanode.conf [-f]\n"
               "  -c FILE    configuration in the seed's format (Server server; "
               "server.key = value;)\n"
               "  -f         stay in the foreground (overrides server.daemon)\n"
               "  -h, --help this text;  --version  the version\n");
}

// True once the log goes to error_log: a failure is then also logged there
// (when the log is stderr, the one stderr line is enough).
bool g_log_to_file = false;

// One line on the terminal that started us (through the waiting parent once
// daemonized, see libnet/daemon.h) and in the log.
int Fail(opendfs::Logger* log, const std::string& line) {
  opendfs::ReportStartupError("opendfs-blockd: " + line);
  if (log && g_log_to_file) log->Error("blockd: {}", line);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace opendfs;
  std::string config;
  bool foreground = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      Usage(stdout);
      return 0;
    }
    if (!std::strcmp(argv[i], "--version")) {
      std::printf("opendfs-blockd %s\n", kVersion);
      return 0;
    }
  }
  int opt;
  while ((opt = getopt(argc, argv, "c:f")) != -1) {
    switch (opt) {
      case 'c': config = optarg; break;
      case 'f': foreground = true; break;
      default: Usage(stderr); return 2;
    }
  }
  if (config.empty() || optind != argc) {
    Usage(stderr);
    return 2;
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
    // The parent exits in Daemonize once the child reports ready or a
    // failure (or dies); the child's later errors go to the log only.
    if (Status st = Daemonize(); !st.ok()) return Fail(&log, st.ToString());
  }
  if (Status st = SetUpCoreDumps(settings->coredump_dir); !st.ok())
    return Fail(&log, st.ToString());
  Result<PidFile> pid = PidFile::Create(settings->pid_file);
  if (!pid.ok()) return Fail(&log, pid.status().ToString());

  Result<std::unique_ptr<blockd::BlockdNode>> node = blockd::BlockdNode::Start(*settings, log);
  if (!node.ok()) return Fail(&log, "start: " + node.status().ToString());
  NotifyReady();

  WaitForStopSignal(log);
  log.Info("blockd: stop signal received; shutting down");
  (*node)->Stop();
  node->reset();
  log.Info("blockd: exit 0");
  return 0;
}
