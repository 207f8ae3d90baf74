// Command line of opendfs-mount:
//
//   opendfs-mount SOURCE MOUNTPOINT [-f] [-d] [-s] [-o opt[,opt...]]...
//
// SOURCE is host:port[,host:port...] of the metads (or any word without a
// ':' when -o config=FILE names them with namenode_addr). Own -o keys:
//   config=FILE            the seed's dfscli.conf
//   blk_sz=, blk_rep=, namenode_addr=, error_log=, log_level=, daemon=,
//   (without error_log a daemonized mount logs to DefaultMountLog)
//   recv_buff_len=, send_buff_len=   dfscli.conf keys (override the file)
//   attr_timeout=S, entry_timeout=S, negative_timeout=S   kernel cache (s)
//   cache_events=0|1       cache invalidation pushed by the metad leader
//                          (default 1; fs_events.h)
//   cache_timeout_max_ms=N kernel attribute/entry timeout while those
//                          events flow (default 1000)
//   max_threads=N          FUSE worker threads
//   metrics_addr=HOST:PORT GET /metrics of this mount (fuse_metrics.h)
//   read_ahead_kb=N        kernel read-ahead of the mount (default 1024;
//                          0 keeps the kernel's)
// mount(8)-only words (defaults, _netdev, auto, noauto, user, users, nouser,
// nofail, x-*, comment=*) are dropped; every other option (allow_other,
// default_permissions, ro, rw, fsname=, subtype=, max_read=, ...) goes to
// libfuse, which rejects what it does not know. fsname defaults to
// opendfs:SOURCE and subtype to opendfs; default_permissions is always on
// (the kernel checks search permission on every path walk). -f: stay in the foreground; -d:
// FUSE debug output (implies -f); -s: single-threaded loop.
//
// Failure modes: Invalid with a one-line reason (missing SOURCE/MOUNTPOINT,
// bad value, unknown dfscli key, unreadable config file).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libnet/status.h"
#include "mount/client/client_config.h"

namespace opendfs::mountfs {

struct MountOptions {
  std::string source;
  std::string mountpoint;
  bool foreground = false;
  bool debug = false;
  bool single_thread = false;
  bool help = false;
  bool version = false;
  bool read_only = false;
  double attr_timeout_s = 1.0;
  double entry_timeout_s = 1.0;
  double negative_timeout_s = 0.0;
  bool cache_events = true;
  uint32_t cache_timeout_max_ms = 1000;
  unsigned max_threads = 16;
  uint32_t read_ahead_kb = 1024;
  std::string metrics_addr;  // empty = no metrics server
  client::ClientConfig client;      // dfscli.conf + -o overrides; metads set
  std::vector<std::string> fuse_opts;  // each one "key[=value]" for libfuse
};

Result<MountOptions> ParseMountArgs(const std::vector<std::string>& args);

// Usage text for -h.
std::string MountUsage();

// Where a daemonized mount logs when no error_log is given (its stderr is
// /dev/null then): /var/log/opendfs/mount-<mountpoint>.log for root, else
// $HOME/.cache/opendfs/mount-<mountpoint>.log ("/mnt/a b" -> "mnt-a_b").
std::string DefaultMountLog(const std::string& mountpoint, bool root, const std::string& home);

// "a,b" -> "a\,b" (libfuse splits -o values at unescaped commas).
std::string EscapeFuseOpt(const std::string& opt);

}  // namespace opendfs::mountfs
