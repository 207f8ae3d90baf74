// Command line of the `opendfs` tool:
//
//   opendfs [-c dfscli.conf | -n host:port[,host:port...]] COMMAND [ARGS]
//
// Commands: ls [PATH...], mkdir [-p] PATH..., put [-f] LOCAL REMOTE,
// get REMOTE LOCAL, rm PATH..., rmr PATH..., mv SRC DST, stat PATH...,
// df, du [-s] PATH..., setrep [-R] PATH N, cluster status [--json],
// fsck [PATH] [--blocks] [--locations], blockd decommission|recommission ADDR,
// key generate [--out FILE] (local: needs no cluster).
// The seed's dfscli forms -ls, -mkdir, -put, -get, -rm, -rmr are the same
// commands (any command works with a leading dash). Flags may come before or after the command's operands.
//
// -c and -n may also come after the command; "--" makes every later word an
// operand (a path starting with '-'). The cluster is found by FindCluster
// (cluster_finder.h).
//
// Failure modes: Invalid with a one-line reason (unknown command or flag,
// wrong operand count, no cluster given).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "libnet/status.h"
#include "mount/client/client_config.h"

namespace opendfs::cli {

struct CliArgs {
  std::string config_path;   // -c
  std::string metads;        // -n
  std::string command;       // canonical name: "ls", "cluster status", ...
  std::vector<std::string> operands;
  bool parents = false;      // mkdir -p
  bool force = false;        // put -f
  bool recursive = false;    // setrep -R
  bool summary = false;      // du -s
  bool json = false;         // cluster status --json
  bool blocks = false;       // fsck --blocks
  bool locations = false;    // fsck --locations
  std::string out_path;      // key generate --out
  double interval_s = 2;     // top --interval
  int count = 0;             // top --count (0: until interrupted)
  bool help = false;
  std::string help_text;  // with help: the help of the command given (or the top level)
  bool version = false;  // --version
};

Result<CliArgs> ParseCliArgs(const std::vector<std::string>& argv);

std::string CliUsage();

}  // namespace opendfs::cli
