#include "libnet/daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#ifdef ODFS_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace opendfs {
namespace {
int g_ready_fd = -1;  // write end of the pipe to the waiting parent
bool g_told_ready = false;  // READY=1 went to the service manager

// One state line ("READY=1", "STOPPING=1") to $NOTIFY_SOCKET. Best effort:
// a service manager that does not listen changes nothing for the daemon.
void NotifyServiceManager(const char* state) {
#ifdef ODFS_HAVE_SYSTEMD
  if (UnderServiceManager()) (void)sd_notify(0, state);
#else
  (void)state;
#endif
}
}  // namespace

bool UnderServiceManager() {
  const char* s = std::getenv("NOTIFY_SOCKET");
  return s != nullptr && *s != '\0';
}

void BlockDaemonSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

Status Daemonize() {
  // Type=notify: the service manager's main pid must be the daemon, and
  // stderr is the journal. Stay as we are.
  if (UnderServiceManager()) return Status::Ok();
  int fds[2];
  if (pipe(fds) != 0) return ErrnoStatus(errno, "daemonize: pipe");
  pid_t pid = fork();
  if (pid < 0) return ErrnoStatus(errno, "daemonize: fork");
  if (pid > 0) {
    // Parent: wait for the child's verdict, then leave.
    close(fds[1]);
    std::string said;
    char buf[512];
    for (;;) {
      ssize_t n = read(fds[0], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      said.append(buf, static_cast<size_t>(n));
      if (said[0] == 'R') break;
    }
    if (!said.empty() && said[0] == 'R') _exit(0);
    if (said.size() > 1) {
      ssize_t w = write(STDERR_FILENO, said.data() + 1, said.size() - 1);
      (void)w;
    } else {
      std::fprintf(stderr, "%s: exited during start-up (see its error_log)\n",
                   program_invocation_short_name);
    }
    _exit(1);
  }
  close(fds[0]);
  g_ready_fd = fds[1];
  fcntl(g_ready_fd, F_SETFD, FD_CLOEXEC);
  if (setsid() < 0) return ErrnoStatus(errno, "daemonize: setsid");
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    if (null > 2) close(null);
  }
  return Status::Ok();
}

void NotifyReady() {
  if (!g_told_ready) {
    g_told_ready = true;
    NotifyServiceManager("READY=1");
  }
  if (g_ready_fd < 0) return;
  char c = 'R';
  ssize_t n = write(g_ready_fd, &c, 1);
  (void)n;
  close(g_ready_fd);
  g_ready_fd = -1;
}

void ReportStartupError(const std::string& line) {
  std::string text = line + "\n";
  if (g_ready_fd < 0) {
    ssize_t n = write(STDERR_FILENO, text.data(), text.size());
    (void)n;
    return;
  }
  text.insert(text.begin(), 'E');
  ssize_t n = write(g_ready_fd, text.data(), text.size());
  (void)n;
  close(g_ready_fd);
  g_ready_fd = -1;
}

void NotifyStopping() { NotifyServiceManager("STOPPING=1"); }

Status SetUpCoreDumps(const std::string& dir) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_CORE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_CORE, &rl);
  }
  if (dir.empty()) return Status::Ok();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (chdir(dir.c_str()) != 0) return ErrnoStatus(errno, "coredump_dir " + dir);
  return Status::Ok();
}

Result<PidFile> PidFile::Create(const std::string& path) {
  PidFile pf;
  if (path.empty()) return pf;
  std::error_code ec;
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  {
    std::ifstream in(path);
    long old = 0;
    if (in >> old && old > 0 && old != getpid() && kill(static_cast<pid_t>(old), 0) == 0)
      return Status(StatusCode::Exists,
                    "pid file " + path + " names running process " + std::to_string(old) +
                        " (is the daemon already running?)");
  }
  std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) return ErrnoStatus(errno, "write pid file " + tmp);
  std::fprintf(f, "%d\n", static_cast<int>(getpid()));
  std::fclose(f);
  if (rename(tmp.c_str(), path.c_str()) != 0) return ErrnoStatus(errno, "rename pid file " + path);
  pf.path_ = path;
  return pf;
}

PidFile::~PidFile() {
  if (!path_.empty()) unlink(path_.c_str());
}

void WaitForStopSignal(Logger& log) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      Status s = log.Reopen();
      log.Info("signal=SIGHUP action=reopen-log status={}", s.ToString());
      continue;
    }
    log.Info("signal={} action=shutdown", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    NotifyStopping();
    return;
  }
}

}  // namespace opendfs
