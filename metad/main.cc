// opendfs-metad -c namenode.conf [-f]
//
// Reads the seed's namenode.conf, recovers the namespace from the newest
// fsimage plus the editlog, serves clients on bind_for_cli and blockds on
// bind_for_dn, and stops cleanly on SIGTERM/SIGINT. With `daemon = ALLOW`
// (and no -f) it detaches once it is serving: exit status 0 from the command
// means the servers are listening.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "libnet/config.h"
#include "libnet/daemon.h"
#include "libnet/log.h"
#include "metad/server/meta_server.h"
#include "metad/server/settings.h"

namespace {

int Usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s -c namenode.conf [-f]\n  -f  stay in the foreground\n", argv0);
  return 2;
}

int Fail(opendfs::Logger& log, const opendfs::Status& s) {
  log.Error("metad: cannot start: {}", s.ToString());
  std::fprintf(stderr, "opendfs-metad: %s\n", s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace opendfs;
  std::string conf;
  bool foreground = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "-c") && i + 1 < argc) conf = argv[++i];
    else if (!std::strcmp(argv[i], "-f")) foreground = true;
    else return Usage(argv[0]);
  }
  if (conf.empty()) return Usage(argv[0]);

  Logger log;
  Result<ConfigFile> file = ConfigFile::Load(conf);
  if (!file.ok()) return Fail(log, file.status());
  Result<metad::MetadSettings> settings = metad::MetadSettings::Load(*file);
  if (!settings.ok()) return Fail(log, settings.status());
  log.set_level(settings->log_level);

  if (settings->daemon && !foreground) {
    Status s = Daemonize();
    if (!s.ok()) return Fail(log, s);
  }
  BlockDaemonSignals();
  if (Status s = log.OpenFile(settings->error_log); !s.ok()) return Fail(log, s);
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
