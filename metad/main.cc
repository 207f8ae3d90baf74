// opendfs-metad -c namenode.conf [-f]
//
// Reads the seed's namenode.conf, recovers the namespace from the newest
// fsimage plus the editlog, serves clients on bind_for_cli and blockds on
// bind_for_dn, and stops cleanly on SIGTERM/SIGINT. With `daemon = ALLOW`
// (and no -f) it detaches once it is serving: exit status 0 from the command
// means the servers are listening; a failure during start-up (after the fork
// too: RocksDB, ports, the pid file) is one line on the terminal and exit 1.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "libnet/config.h"
#include "libnet/daemon.h"
#include "libnet/log.h"
#include "libnet/version.h"
#include "metad/server/meta_server.h"
#include "metad/server/settings.h"

namespace {

void Usage(std::FILE* to) {
  std::fprintf(to,
               "usage: opendfs-metad -c namenode.conf [-f]\n"
               "  -c FILE    configuration in the seed's format (Server server; server.key = value;)\n"
               "  -f         stay in the foreground (overrides server.daemon)\n"
               "  -h, --help this text;  --version  the version\n");
}

// True once the log goes to error_log: a failure is then logged there too
// (when the log is stderr, the one line on the terminal is enough).
bool g_log_to_file = false;

// One line on the terminal that started us (through the waiting parent once
// daemonized) and in the log.
int Fail(opendfs::Logger& log, const opendfs::Status& s) {
  if (g_log_to_file) log.Error("metad: cannot start: {}", s.ToString());
  opendfs::ReportStartupError("opendfs-metad: " + s.ToString());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace opendfs;
  std::string conf;
  bool foreground = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "-c") && i + 1 < argc) {
      conf = argv[++i];
    } else if (!std::strcmp(argv[i], "-f")) {
      foreground = true;
    } else if (!std::strcmp(argv[i], "-h") || !std::strcmp(argv[i], "--help")) {
      Usage(stdout);
      return 0;
    } else if (!std::strcmp(argv[i], "--version")) {
      std::printf("opendfs-metad %s\n", kVersion);
      return 0;
    } else {
      Usage(stderr);
      return 2;
    }
  }
  if (conf.empty()) {
    Usage(stderr);
    return 2;
  }

  Logger log;
  Result<ConfigFile> file = ConfigFile::Load(conf);
  if (!file.ok()) return Fail(log, file.status());
  Result<metad::MetadSettings> settings = metad::MetadSettings::Load(*file);
  if (!settings.ok()) return Fail(log, settings.status());
  log.set_level(settings->log_level);

  // The log first, so that everything after the fork has somewhere to go.
  if (!settings->error_log.empty()) {
    std::error_code ec;  // a fresh machine has no logs/ folder yet
    std::filesystem::path p(settings->error_log);
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  }
  if (Status s = log.OpenFile(settings->error_log); !s.ok()) return Fail(log, s.Annotate("error_log"));
  g_log_to_file = !settings->error_log.empty();
  BlockDaemonSignals();
  if (settings->daemon && !foreground) {
    // The parent waits until NotifyReady() or a ReportStartupError().
    Status s = Daemonize();
    if (!s.ok()) return Fail(log, s);
  }
  Result<PidFile> pid = PidFile::Create(settings->pid_file);
  if (!pid.ok()) return Fail(log, pid.status());

  Result<std::unique_ptr<metad::MetaServer>> server = metad::MetaServer::Open(*settings, log);
  if (!server.ok()) return Fail(log, server.status());
  if (Status s = (*server)->Start(); !s.ok()) return Fail(log, s);
  if (Status s = SetUpCoreDumps(settings->coredump_dir); !s.ok())
    log.Warn("metad: {}", s.ToString());
  NotifyReady();

  WaitForStopSignal(log);
  (*server)->Stop();
  log.Info("metad: stopped");
  return 0;
}
