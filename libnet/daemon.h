// Process plumbing shared by the daemons: daemonizing, the pid file, core
// dumps, waiting for a stop signal, and telling systemd (sd_notify) when the
// daemon is ready and when it stops.
//
// Under systemd (Type=notify: $NOTIFY_SOCKET set) Daemonize() does not fork,
// so the main pid is the daemon and stderr stays the journal; NotifyReady()
// sends READY=1 once, WaitForStopSignal() sends STOPPING=1 on SIGTERM/SIGINT.
// Without $NOTIFY_SOCKET (or built without libsystemd) both are no-ops.
//
// Happy path in a daemon's main():
//   ... parse config, open the log ...
//   if (settings.daemon) ODFS_RETURN_IF_ERROR(Daemonize());
//   auto pid = PidFile::Create(settings.pid_file);      // refuses a live owner
//   ... start servers ...
//   StopSignal s = WaitForStopSignal(&log);             // SIGTERM / SIGINT
//   ... stop servers ...
//
// Failure modes: an existing pid file whose process is alive (AlreadyRunning as
// Exists), unwritable paths (the errno), fork failures.
#pragma once

#include <string>

#include "libnet/log.h"
#include "libnet/status.h"

namespace opendfs {

// Blocks SIGTERM, SIGINT, SIGHUP and SIGPIPE in the calling thread (call in
// main() before starting any thread, so every thread inherits the mask) —
// signals are then only received by WaitForStopSignal.
void BlockDaemonSignals();

// True when a service manager waits for sd_notify messages ($NOTIFY_SOCKET).
bool UnderServiceManager();

// Forks into the background (not under a service manager, see above): the parent waits until the child calls
// NotifyReady() (or exits) and exits with 0 (ready) or 1. The child gets a new
// session and stdin/stdout/stderr on /dev/null. Call before starting threads.
Status Daemonize();
// Start-up succeeded: tells the waiting parent (daemonized child) and the
// service manager (READY=1, once). No-op when neither waits.
void NotifyReady();
// Shutting down: STOPPING=1 to the service manager (no-op without one).
// WaitForStopSignal calls it; a daemon that stops another way calls it itself.
void NotifyStopping();
// A start-up failure, as one line on the terminal that started the daemon:
// before NotifyReady() in a daemonized child the waiting parent prints it
// (then exits 1), otherwise it goes to stderr. A child that dies before
// either makes the parent print "<program>: exited during start-up".
void ReportStartupError(const std::string& line);

// Raises RLIMIT_CORE and changes directory to `dir` so core files land there;
// an empty dir leaves the working directory alone.
Status SetUpCoreDumps(const std::string& dir);

class PidFile {
 public:
  // Writes our pid to `path` (creating parent dirs). Exists if another live
  // process owns it; a stale file is replaced. Empty path: no file.
  static Result<PidFile> Create(const std::string& path);
  PidFile(PidFile&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  PidFile& operator=(PidFile&&) = delete;
  PidFile(const PidFile&) = delete;
  ~PidFile();  // removes the file

 private:
  PidFile() = default;
  std::string path_;
};

// Waits for SIGTERM or SIGINT (returns) while handling SIGHUP (reopens the
// log). BlockDaemonSignals() must have been called first.
void WaitForStopSignal(Logger& log);

}  // namespace opendfs
