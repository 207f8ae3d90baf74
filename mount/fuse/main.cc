// opendfs-mount SOURCE MOUNTPOINT [-f] [-d] [-s] [-o opts]
//
// Happy path: parse the command line (mount_options.h), open the log, check
// that a metad answers (so a wrong SOURCE fails here, on the terminal),
// create the FUSE session and mount, daemonize unless -f, then — in the
// process that will serve — start the network clients and the metad session
// (threads do not survive fork), tell the waiting parent that the mount is
// ready, and run the multi-threaded session loop until unmount or a signal.
//
// Failure modes: bad options (exit 2), no metad reachable, mount refused,
// session not opened (exit 1; after mounting, the mount is undone first).
// libnet's Daemonize is used rather than fuse_daemonize because its parent
// waits for NotifyReady(), so a failure after the fork still reaches mount(8)
// as a non-zero exit.
#include <fuse_lowlevel.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "libnet/client.h"
#include "libnet/daemon.h"
#include "libnet/log.h"
#include "libnet/version.h"
#include "mount/client/block_client.h"
#include "mount/client/meta_client.h"
#include "mount/fuse/fs.h"
#include "mount/fuse/fuse_metrics.h"
#include "mount/fuse/fuse_ops.h"
#include "mount/fuse/mount_options.h"

namespace opendfs::mountfs {
namespace {

ClientOptions RpcOptions(const MountOptions& o, const char* name) {
  ClientOptions c;
  c.recv_buff_len = o.client.recv_buff_len;
  c.send_buff_len = o.client.send_buff_len;
  c.name = name;
  return c;
}

client::MetaClientOptions MetaOptions(const MountOptions& o) {
  client::MetaClientOptions m;
  m.metads = o.client.metads;
  m.mountpoint = o.mountpoint;
  return m;
}

// A metad answers StatFs; run before forking, with its own short-lived client.
Status Probe(const MountOptions& o, Logger& log) {
  Client rpc(RpcOptions(o, "probe"), log);
  client::MetaClientOptions m = MetaOptions(o);
  m.deadline = std::chrono::seconds(15);
  client::MetaClient meta(m, rpc, log);
  Status s = meta.StatFs(client::Cred{}).status();
  rpc.Stop();
  return s;
}

Result<Services> StartServices(const MountOptions& o, Logger& log) {
  Services s;
  s.rpc = std::make_unique<Client>(RpcOptions(o, "mount"), log);
  s.meta = std::make_unique<client::MetaClient>(MetaOptions(o), *s.rpc, log);
  s.blocks = std::make_unique<client::BlockClient>(*s.rpc, log);
  ODFS_RETURN_IF_ERROR(s.meta->StartSession());
  return s;
}

Status ServeMetrics(const MountOptions& o, const Fs& fs, FuseMetrics& metrics, Logger& log) {
  metrics.AddCounter("opendfs_mount_metad_retries_total",
                     "Metad calls resent after a failure or a redirect to the leader",
                     [&fs] { return fs.meta() ? double(fs.meta()->retries()) : 0.0; });
  metrics.AddCounter("opendfs_mount_location_cache_hits_total",
                     "Block location lookups answered from the mount's cache",
                     [&fs] { return double(fs.locations().hits()); });
  metrics.AddCounter("opendfs_mount_location_cache_misses_total",
                     "Block location lookups that had to ask metad",
                     [&fs] { return double(fs.locations().misses()); });
  return metrics.Serve(o.metrics_addr, log);
}

int Run(MountOptions opts) {
  Logger log(opts.client.log_level);
  if (opts.client.error_log.empty() && !opts.foreground && !UnderServiceManager()) {
    // Daemonized, stderr is /dev/null: log to a file rather than nowhere.
    // (Under systemd Daemonize does not fork: stderr is the journal.)
    const char* home = std::getenv("HOME");
    opts.client.error_log = DefaultMountLog(opts.mountpoint, geteuid() == 0, home ? home : "");
  }
  if (!opts.client.error_log.empty()) {
    std::error_code ec;  // a fresh machine has no /var/log/opendfs yet
    std::filesystem::path p(opts.client.error_log);
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
    Status s = log.OpenFile(opts.client.error_log);
    if (!s.ok()) {
      std::fprintf(stderr, "opendfs-mount: error_log: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  Status probe = Probe(opts, log);
  if (!probe.ok()) {
    std::fprintf(stderr, "opendfs-mount: no metad of %s answers: %s\n",
                 opts.source.c_str(), probe.ToString().c_str());
    return 1;
  }

  std::vector<std::string> fargs_text = {"opendfs-mount"};
  for (const std::string& o : opts.fuse_opts) {
    fargs_text.push_back("-o");
    fargs_text.push_back(EscapeFuseOpt(o));
  }
  if (opts.debug) fargs_text.push_back("-d");
  std::vector<char*> fargv;
  for (auto& a : fargs_text) fargv.push_back(a.data());
  fuse_args fargs = FUSE_ARGS_INIT(static_cast<int>(fargv.size()), fargv.data());

  Fs fs(opts, log);
  FuseMetrics metrics;
  fs.SetMetrics(&metrics);
  fuse_session* se = fuse_session_new(&fargs, &FsOps(), sizeof(fuse_lowlevel_ops), &fs);
  if (se == nullptr) {
    std::fprintf(stderr, "opendfs-mount: bad FUSE options (see above)\n");
    return 2;
  }
  fs.SetSession(se);
  int rc = 1;
  if (fuse_set_signal_handlers(se) != 0) {
    fuse_session_destroy(se);
    return 1;
  }
  if (fuse_session_mount(se, opts.mountpoint.c_str()) != 0) {
    std::fprintf(stderr, "opendfs-mount: mounting at %s failed\n", opts.mountpoint.c_str());
    fuse_remove_signal_handlers(se);
    fuse_session_destroy(se);
    return 1;
  }
  if (!opts.foreground) {
    Status d = Daemonize();
    if (!d.ok()) {
      std::fprintf(stderr, "opendfs-mount: %s\n", d.ToString().c_str());
      goto unmount;
    }
    if (chdir("/") != 0) { /* stay where we are */ }
  }
  {
    // After the fork (the HTTP server's thread would not survive it).
    Status served = ServeMetrics(opts, fs, metrics, log);
    if (!served.ok()) {
      log.Error("mount: {}", served.ToString());
      ReportStartupError("opendfs-mount: " + served.ToString());
      goto unmount;
    }
    Result<Services> services = StartServices(opts, log);
    if (!services.ok()) {
      log.Error("mount: opening a session with {} failed: {}", opts.source,
                services.status().ToString());
      ReportStartupError("opendfs-mount: " + services.status().ToString());
      goto unmount;
    }
    fs.Attach(std::move(*services));
  }
  log.Info("mount: serving {} at {} (blk_sz={} blk_rep={} attr_timeout={}s)", opts.source,
           opts.mountpoint, opts.client.blk_sz, opts.client.blk_rep, opts.attr_timeout_s);
  NotifyReady();
  if (opts.single_thread) {
    rc = fuse_session_loop(se);
  } else {
    fuse_loop_config* cfg = fuse_loop_cfg_create();
    fuse_loop_cfg_set_max_threads(cfg, opts.max_threads);
    // No idle-thread limit: with one, libfuse 3.14 creates and destroys
    // workers all the time (libfuse PR #1034 calls setting it an accident).
    rc = fuse_session_loop_mt(se, cfg);
    fuse_loop_cfg_destroy(cfg);
  }
  if (rc < 0) log.Warn("mount: session loop ended with {}", rc);
  NotifyStopping();
  fs.Shutdown();
  log.Info("mount: unmounting {}", opts.mountpoint);
unmount:
  fuse_session_unmount(se);
  fuse_remove_signal_handlers(se);
  fuse_session_destroy(se);
  // A positive rc is the signal that ended the loop: a clean stop.
  return rc < 0 ? 1 : 0;
}

}  // namespace
}  // namespace opendfs::mountfs

int main(int argc, char** argv) {
  using namespace opendfs::mountfs;
  std::vector<std::string> args(argv + 1, argv + argc);
  auto opts = ParseMountArgs(args);
  if (!opts.ok()) {
    std::fprintf(stderr, "opendfs-mount: %s\n%s", opts.status().message().c_str(),
                 MountUsage().c_str());
    return 2;
  }
  if (opts->help) {
    std::printf("%s\nFUSE options:\n", MountUsage().c_str());
    std::fflush(stdout);
    fuse_lowlevel_help();
    return 0;
  }
  if (opts->version) {
    std::printf("opendfs-mount %s (libfuse %s)\n", opendfs::kVersion, fuse_pkgversion());
    return 0;
  }
  return Run(*opts);
}
