#include "mount/cli/cluster_finder.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace opendfs::cli {

namespace {

Status Bad(std::string what) { return Status(StatusCode::Invalid, std::move(what)); }

// /proc/mounts writes a space, tab, newline and backslash in a path as \ooo.
std::string UnescapeMountField(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() &&
        std::all_of(s.begin() + static_cast<long>(i) + 1, s.begin() + static_cast<long>(i) + 4,
                    [](char c) { return c >= '0' && c <= '7'; })) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

struct OpendfsMount {
  std::string mountpoint;
  std::string metads;  // the source after "opendfs:"
};

// The innermost OpenDFS mount whose mountpoint holds `cwd`, if any.
bool MountHolding(const std::string& proc_mounts, const std::string& cwd, OpendfsMount* out) {
  std::istringstream in(proc_mounts);
  std::string line;
  bool found = false;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string dev, mp, type;
    if (!(f >> dev >> mp >> type)) continue;
    if (type != "fuse.opendfs" || dev.rfind("opendfs:", 0) != 0) continue;
    mp = UnescapeMountField(mp);
    bool holds = cwd == mp || mp == "/" ||
                 (cwd.size() > mp.size() && cwd.compare(0, mp.size(), mp) == 0 && cwd[mp.size()] == '/');
    if (!holds || (found && mp.size() <= out->mountpoint.size())) continue;
    *out = {mp, UnescapeMountField(dev.substr(8))};
    found = true;
  }
  return found;
}

std::vector<std::string> Sorted(const std::vector<Endpoint>& eps) {
  std::vector<std::string> v;
  for (const auto& e : eps) v.push_back(e.ToString());
  std::sort(v.begin(), v.end());
  return v;
}

Result<client::ClientConfig> FromList(const std::string& list, const std::string& from) {
  ODFS_ASSIGN_OR_RETURN(client::ClientConfig c, client::ClientConfig::Load(client::EmptyConfig(from)));
  auto eps = Endpoint::ParseList(list);
  if (!eps.ok()) return eps.status().Annotate(from);
  c.metads = std::move(*eps);
  return c;
}

Result<client::ClientConfig> FromFile(const std::string& path) {
  ODFS_ASSIGN_OR_RETURN(ConfigFile file, ConfigFile::Load(path));
  ODFS_ASSIGN_OR_RETURN(client::ClientConfig c, client::ClientConfig::Load(file));
  if (c.metads.empty()) return Bad(path + ": no namenode_addr");
  return c;
}

Result<FoundCluster> Choose(const CliArgs& args, const CliEnv& env, const OpendfsMount* mount) {
  FoundCluster f;
  if (!args.config_path.empty()) {
    auto file = ConfigFile::Load(args.config_path);
    if (!file.ok()) return file.status();
    ODFS_ASSIGN_OR_RETURN(f.config, client::ClientConfig::Load(*file));
    f.from = "-c " + args.config_path;
    if (!f.config.metads.empty()) return f;
    // A dfscli.conf without namenode_addr still gives blk_sz etc.: the
    // cluster then comes from -n or the environment.
    if (args.metads.empty() && env.env_metads.empty()) return Bad(args.config_path + ": no namenode_addr");
    const bool flag = !args.metads.empty();
    auto eps = Endpoint::ParseList(flag ? args.metads : env.env_metads);
    if (!eps.ok()) return eps.status().Annotate(flag ? "-n" : "OPENDFS_METADS");
    f.config.metads = std::move(*eps);
    return f;
  }
  if (!args.metads.empty()) {
    ODFS_ASSIGN_OR_RETURN(f.config, FromList(args.metads, "-n"));
    f.from = "-n";
    return f;
  }
  if (!env.env_metads.empty()) {
    ODFS_ASSIGN_OR_RETURN(f.config, FromList(env.env_metads, "OPENDFS_METADS"));
    f.from = "OPENDFS_METADS";
    return f;
  }
  if (mount != nullptr) {
    auto c = FromList(mount->metads, "mount " + mount->mountpoint);
    if (c.ok()) {
      f.config = std::move(*c);
      f.from = "mount " + mount->mountpoint;
      return f;
    }
  }
  if (!env.default_config.empty() && access(env.default_config.c_str(), F_OK) == 0) {
    ODFS_ASSIGN_OR_RETURN(f.config, FromFile(env.default_config));
    f.from = env.default_config;
    return f;
  }
  return Bad(fmt::format(
      "no cluster: give -c dfscli.conf, -n host:port, set OPENDFS_METADS, run inside an "
      "OpenDFS mount, or write {} (opendfs-local up does)",
      env.default_config.empty() ? kDefaultCliConfig : env.default_config));
}

}  // namespace

Result<FoundCluster> FindCluster(const CliArgs& args, const CliEnv& env) {
  OpendfsMount mount;
  const bool in_mount = !env.cwd.empty() && MountHolding(env.proc_mounts, env.cwd, &mount);
  ODFS_ASSIGN_OR_RETURN(FoundCluster f, Choose(args, env, in_mount ? &mount : nullptr));
  if (in_mount) {
    auto eps = Endpoint::ParseList(mount.metads);
    if (eps.ok() && Sorted(*eps) == Sorted(f.config.metads))
      f.cwd_remote = RemotePath("/", env.cwd.substr(std::min(env.cwd.size(), mount.mountpoint.size())));
  }
  return f;
}

CliEnv ReadCliEnv() {
  CliEnv env;
  if (const char* m = std::getenv("OPENDFS_METADS")) env.env_metads = m;
  std::ifstream in("/proc/mounts");
  std::stringstream text;
  text << in.rdbuf();
  env.proc_mounts = text.str();
  char buf[4096];
  if (getcwd(buf, sizeof buf) != nullptr) env.cwd = buf;
  return env;
}

std::string RemotePath(const std::string& cwd_remote, const std::string& path) {
  std::string joined = !path.empty() && path[0] == '/' ? path
                       : (cwd_remote.empty() ? "/" : cwd_remote) + "/" + path;
  std::vector<std::string> parts;
  std::istringstream in(joined);
  std::string seg;
  while (std::getline(in, seg, '/')) {
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(seg);
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

void ResolveRemoteOperands(const std::string& cwd_remote, CliArgs& args) {
  const std::string& c = args.command;
  if (c == "ls" && args.operands.empty() && !cwd_remote.empty()) args.operands.push_back(cwd_remote);
  if (c == "df" || c == "cluster status" || c.rfind("blockd ", 0) == 0) return;
  for (size_t i = 0; i < args.operands.size(); ++i) {
    const bool local = (c == "put" && i == 0) || (c == "get" && i == 1) || (c == "setrep" && i == 1);
    if (!local) args.operands[i] = RemotePath(cwd_remote, args.operands[i]);
  }
}

}  // namespace opendfs::cli
