// The `opendfs` commands over the client library. Each returns the process
// exit status (0 ok, 1 failed) and prints one line per failure on stderr:
// "opendfs: <command> <path>: <reason>".
//
// Paths are resolved client-side with Lookup from the root inode. put and
// get open a metad session (their handles keep an unlinked file alive);
// other commands send session 0.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "libnet/client.h"
#include "libnet/log.h"
#include "mount/cli/cli_args.h"
#include "mount/client/block_client.h"
#include "mount/client/client_config.h"
#include "mount/client/file_reader.h"
#include "mount/client/location_cache.h"
#include "mount/client/meta_client.h"

namespace opendfs::cli {

class Ctx {
 public:
  Ctx(client::ClientConfig config, Logger& log);
  ~Ctx();

  Status EnsureSession();
  // Prints "opendfs: <cmd> <path>: <reason>" and returns 1.
  int Fail(const std::string& cmd, const std::string& path, const Status& s) const;

  client::ClientConfig config;
  Logger& log;
  Client rpc;
  client::MetaClient meta;
  client::BlockClient blocks;
  client::LocationCache cache;
  client::FileReader reader;
  client::Cred cred;
  uint32_t umask = 022;

 private:
  bool session_ = false;
};

int RunCommand(const CliArgs& args, Ctx& ctx);

// Calls fn for every entry of directory `ino`, page by page.
Status ForEachEntry(Ctx& c, uint64_t ino, bool plus,
                    const std::function<Status(const client::DirEntryInfo&)>& fn);

// Per family (cmd_*.cc).
int CmdLs(const CliArgs& a, Ctx& c);
int CmdMkdir(const CliArgs& a, Ctx& c);
int CmdRm(const CliArgs& a, Ctx& c, bool recursive);
int CmdMv(const CliArgs& a, Ctx& c);
int CmdStat(const CliArgs& a, Ctx& c);
int CmdDu(const CliArgs& a, Ctx& c);
int CmdTop(const CliArgs& a, Ctx& c);  // cmd_cluster.cc
int CmdSetrep(const CliArgs& a, Ctx& c);
int CmdPut(const CliArgs& a, Ctx& c);
int CmdGet(const CliArgs& a, Ctx& c);
int CmdDf(const CliArgs& a, Ctx& c);
int CmdClusterStatus(const CliArgs& a, Ctx& c);
int CmdFsck(const CliArgs& a, Ctx& c);
int CmdDecommission(const CliArgs& a, Ctx& c, bool on);
// Local, before any cluster is looked for (cmd_key.cc).
int CmdKeyGenerate(const CliArgs& a);

}  // namespace opendfs::cli
