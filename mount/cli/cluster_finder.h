// Which cluster the `opendfs` tool talks to, and where its relative paths
// start.
//
// Happy path, first match wins:
//   1. -c FILE (the seed's dfscli.conf: namenode_addr),
//   2. -n host:port[,host:port...],
//   3. $OPENDFS_METADS,
//   4. the OpenDFS mount holding the working directory (its /proc/mounts
//      source is "opendfs:host:port,..."),
//   5. /etc/opendfs/dfscli.conf (written by `opendfs-local up` and
//      quickstart.sh), when it exists.
// When the working directory is inside a mount of the cluster chosen, a
// relative remote path is taken relative to it ("ls sub" in MNT/a lists
// /a/sub); otherwise relative paths start at the root, as before.
//
// Failure modes: Invalid naming the source that was bad (an unreadable or
// wrong -c file, a malformed list), or, when nothing names a cluster, one
// line listing every way to give one.
#pragma once

#include <string>
#include <vector>

#include "libnet/status.h"
#include "mount/cli/cli_args.h"
#include "mount/client/client_config.h"

namespace opendfs::cli {

inline constexpr const char* kDefaultCliConfig = "/etc/opendfs/dfscli.conf";

// What FindCluster looks at besides the command line (read by the caller,
// so the choice itself is pure and unit-tested).
struct CliEnv {
  std::string env_metads;     // $OPENDFS_METADS ("" = unset)
  std::string proc_mounts;    // the text of /proc/mounts
  std::string cwd;            // the working directory, absolute
  std::string default_config = kDefaultCliConfig;  // tried last, if present
};

struct FoundCluster {
  client::ClientConfig config;
  std::string from;         // "-c FILE", "-n", "OPENDFS_METADS", "mount MNT", FILE
  std::string cwd_remote;   // the remote directory the cwd is, or "" if none
};

Result<FoundCluster> FindCluster(const CliArgs& args, const CliEnv& env);

// `env` read from the process: getenv, /proc/mounts, getcwd.
CliEnv ReadCliEnv();

// `path` as a remote absolute path: relative ones are joined to
// `cwd_remote` (or "/"), "." and ".." segments folded.
std::string RemotePath(const std::string& cwd_remote, const std::string& path);

// Rewrites the remote operands of `args` (not put's LOCAL or get's LOCAL,
// nor blockd addresses or setrep's count) with RemotePath.
void ResolveRemoteOperands(const std::string& cwd_remote, CliArgs& args);

}  // namespace opendfs::cli
