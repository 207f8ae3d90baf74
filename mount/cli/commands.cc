#include "mount/cli/commands.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace opendfs::cli {

namespace {

ClientOptions RpcOptions(const client::ClientConfig& c) {
  ClientOptions o;
  o.recv_buff_len = c.recv_buff_len;
  o.send_buff_len = c.send_buff_len;
  o.name = "opendfs";
  return o;
}

client::MetaClientOptions MetaOptions(const client::ClientConfig& c) {
  client::MetaClientOptions m;
  m.metads = c.metads;
  m.deadline = std::chrono::seconds(15);
  return m;
}

client::Cred CurrentCred() {
  client::Cred c;
  c.uid = getuid();
  c.gid = getgid();
  int n = getgroups(0, nullptr);
  if (n > 0) {
    std::vector<gid_t> g(static_cast<size_t>(n));
    n = getgroups(n, g.data());
    for (int i = 0; i < n; ++i) c.groups.push_back(g[static_cast<size_t>(i)]);
  }
  return c;
}

}  // namespace

Ctx::Ctx(client::ClientConfig cfg, Logger& logger)
    : config(std::move(cfg)),
      log(logger),
      rpc(RpcOptions(config), log),
      meta(MetaOptions(config), rpc, log),
      blocks(rpc, log),
      reader(meta, blocks, cache, log),
      cred(CurrentCred()) {
  umask = ::umask(022);
  ::umask(static_cast<mode_t>(umask));
}

Ctx::~Ctx() {
  meta.StopSession();
  rpc.Stop();
}

Status Ctx::EnsureSession() {
  if (session_) return Status::Ok();
  ODFS_RETURN_IF_ERROR(meta.StartSession());
  session_ = true;
  return Status::Ok();
}

int Ctx::Fail(const std::string& cmd, const std::string& path, const Status& s) const {
  std::string reason = std::strerror(ToErrno(s));
  if (!s.message().empty()) reason += ": " + s.message();
  std::fprintf(stderr, "opendfs: %s%s%s: %s\n", cmd.c_str(), path.empty() ? "" : " ",
               path.c_str(), reason.c_str());
  return 1;
}

Status ForEachEntry(Ctx& c, uint64_t ino, bool plus,
                    const std::function<Status(const client::DirEntryInfo&)>& fn) {
  uint64_t cookie = 0;
  for (;;) {
    ODFS_ASSIGN_OR_RETURN(client::DirPage page, c.meta.ReadDir(c.cred, ino, cookie, 1024, plus));
    for (const client::DirEntryInfo& e : page.entries) {
      ODFS_RETURN_IF_ERROR(fn(e));
      cookie = e.cookie;
    }
    if (page.eof || page.entries.empty()) return Status::Ok();
  }
}

int RunCommand(const CliArgs& a, Ctx& c) {
  const std::string& n = a.command;
  if (n == "ls") return CmdLs(a, c);
  if (n == "mkdir") return CmdMkdir(a, c);
  if (n == "put") return CmdPut(a, c);
  if (n == "get") return CmdGet(a, c);
  if (n == "rm") return CmdRm(a, c, false);
  if (n == "rmr") return CmdRm(a, c, true);
  if (n == "mv") return CmdMv(a, c);
  if (n == "stat") return CmdStat(a, c);
  if (n == "df") return CmdDf(a, c);
  if (n == "du") return CmdDu(a, c);
  if (n == "setrep") return CmdSetrep(a, c);
  if (n == "cluster status") return CmdClusterStatus(a, c);
  if (n == "top") return CmdTop(a, c);
  if (n == "fsck") return CmdFsck(a, c);
  if (n == "blockd decommission") return CmdDecommission(a, c, true);
  if (n == "blockd recommission") return CmdDecommission(a, c, false);
  std::fprintf(stderr, "opendfs: unknown command '%s'\n", n.c_str());
  return 2;
}

}  // namespace opendfs::cli
