#include "mount/fuse/mount_options.h"

#include <cctype>

#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

namespace opendfs::mountfs {

namespace {

Status Bad(std::string what) { return Status(StatusCode::Invalid, std::move(what)); }

bool IsMountOnly(const std::string& o) {
  static const char* const kWords[] = {"defaults", "_netdev", "auto", "noauto", "user",
                                       "users",    "nouser",  "nofail", ""};
  for (const char* w : kWords)
    if (o == w) return true;
  return o.rfind("x-", 0) == 0 || o.rfind("comment=", 0) == 0;
}

bool IsDfscliKey(const std::string& k) {
  static const char* const kKeys[] = {"blk_sz",    "blk_rep",       "namenode_addr",
                                      "error_log", "log_level",     "daemon",
                                      "recv_buff_len", "send_buff_len"};
  for (const char* w : kKeys)
    if (k == w) return true;
  return false;
}

Result<double> Seconds(const std::string& key, const std::string& v) {
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (v.empty() || end != v.c_str() + v.size() || !(d >= 0) || d > 86400)
    return Bad(fmt::format("-o {}={}: expected seconds (0..86400)", key, v));
  return d;
}

Result<unsigned> Number(const std::string& key, const std::string& v, unsigned min,
                        unsigned max) {
  unsigned n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || n < min || n > max)
    return Bad(fmt::format("-o {}={}: expected {}..{}", key, v, min, max));
  return n;
}

// Splits "a,b\,c" at unescaped commas.
std::vector<std::string> SplitOpts(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      cur += s[++i];
    } else if (s[i] == ',') {
      out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += s[i];
    }
  }
  out.push_back(std::move(cur));
  return out;
}

}  // namespace

std::string EscapeFuseOpt(const std::string& opt) {
  std::string out;
  for (char c : opt) {
    if (c == ',' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string DefaultMountLog(const std::string& mountpoint, bool root, const std::string& home) {
  std::string name;
  for (char c : mountpoint) {
    if (c == '/') {
      if (!name.empty() && name.back() != '-') name += '-';
    } else {
      name += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ? c : '_';
    }
  }
  while (!name.empty() && name.back() == '-') name.pop_back();
  if (name.empty()) name = "root";
  std::string dir = root || home.empty() ? "/var/log/opendfs" : home + "/.cache/opendfs";
  return dir + "/mount-" + name + ".log";
}

std::string MountUsage() {
  return "usage: opendfs-mount SOURCE MOUNTPOINT [-f] [-d] [-s] [-o opt,...]\n"
         "  SOURCE   metads as host:port[,host:port...]\n"
         "  -f       stay in the foreground (default: daemonize once mounted)\n"
         "  -d       FUSE debug output (implies -f)\n"
         "  -s       single-threaded\n"
         "  -o config=FILE        dfscli.conf (namenode_addr, blk_sz, blk_rep, ...)\n"
         "  -o blk_sz=SIZE,blk_rep=N   block size and replicas of new files\n"
         "  -o error_log=FILE,log_level=LOG_INFO   (daemonized, no error_log:\n"
         "                       /var/log/opendfs/mount-MOUNTPOINT.log)\n"
         "  -o attr_timeout=S,entry_timeout=S,negative_timeout=S   (default 1,1,0)\n"
         "  -o cache_events=0|1   invalidations pushed by metad (default 1)\n"
         "  -o cache_timeout_max_ms=N   kernel cache timeout with them (default 1000)\n"
         "  -o max_threads=N      FUSE worker threads (default 16)\n"
         "  -o read_ahead_kb=N    kernel read-ahead (default 1024, 0 = kernel's)\n"
         "  -o metrics_addr=H:P   serve Prometheus metrics on http://H:P/metrics\n"
         "  -o allow_other,default_permissions,ro,fsname=NAME,...   FUSE options\n";
}

Result<MountOptions> ParseMountArgs(const std::vector<std::string>& args) {
  MountOptions m;
  std::vector<std::string> positional;
  std::vector<std::string> opts;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-f") {
      m.foreground = true;
    } else if (a == "-d" || a == "--debug") {
      m.debug = m.foreground = true;
    } else if (a == "-s") {
      m.single_thread = true;
    } else if (a == "-h" || a == "--help") {
      m.help = true;
    } else if (a == "-V" || a == "--version") {
      m.version = true;
    } else if (a == "-o") {
      if (i + 1 >= args.size()) return Bad("-o needs an argument");
      for (auto& o : SplitOpts(args[++i])) opts.push_back(std::move(o));
    } else if (a.rfind("-o", 0) == 0) {
      for (auto& o : SplitOpts(a.substr(2))) opts.push_back(std::move(o));
    } else if (!a.empty() && a[0] == '-') {
      return Bad(fmt::format("unknown flag '{}'", a));
    } else {
      positional.push_back(a);
    }
  }
  if (m.help || m.version) return m;
  if (positional.size() != 2) {
    return Bad(fmt::format("expected SOURCE and MOUNTPOINT, got {} argument(s)",
                           positional.size()));
  }
  m.source = positional[0];
  m.mountpoint = positional[1];

  std::string config_path;
  std::vector<std::pair<std::string, std::string>> dfscli;
  bool have_fsname = false, have_subtype = false, have_default_permissions = false;
  for (const std::string& o : opts) {
    if (IsMountOnly(o)) continue;
    size_t eq = o.find('=');
    std::string key = o.substr(0, eq);
    std::string val = eq == std::string::npos ? "" : o.substr(eq + 1);
    if (key == "config") {
      if (val.empty()) return Bad("-o config= needs a file");
      config_path = val;
    } else if (IsDfscliKey(key)) {
      if (eq == std::string::npos) return Bad(fmt::format("-o {} needs a value", key));
      dfscli.emplace_back(key, val);
    } else if (key == "attr_timeout") {
      ODFS_ASSIGN_OR_RETURN(m.attr_timeout_s, Seconds(key, val));
    } else if (key == "entry_timeout") {
      ODFS_ASSIGN_OR_RETURN(m.entry_timeout_s, Seconds(key, val));
    } else if (key == "negative_timeout") {
      ODFS_ASSIGN_OR_RETURN(m.negative_timeout_s, Seconds(key, val));
    } else if (key == "cache_events") {
      ODFS_ASSIGN_OR_RETURN(uint32_t on, Number(key, val, 0, 1));
      m.cache_events = on != 0;
    } else if (key == "cache_timeout_max_ms") {
      ODFS_ASSIGN_OR_RETURN(m.cache_timeout_max_ms, Number(key, val, 0, 3600u * 1000));
    } else if (key == "max_threads") {
      ODFS_ASSIGN_OR_RETURN(m.max_threads, Number(key, val, 1, 1024));
    } else if (key == "read_ahead_kb") {
      ODFS_ASSIGN_OR_RETURN(m.read_ahead_kb, Number(key, val, 0, 1u << 20));
    } else if (key == "metrics_addr") {
      if (val.find(':') == std::string::npos)
        return Bad(fmt::format("-o metrics_addr={}: expected host:port", val));
      m.metrics_addr = val;
    } else {
      if (key == "fsname") have_fsname = true;
      if (key == "subtype") have_subtype = true;
      if (key == "default_permissions") have_default_permissions = true;
      if (o == "ro") m.read_only = true;
      if (o == "rw") m.read_only = false;
      m.fuse_opts.push_back(o);
    }
  }
  if (!have_fsname) m.fuse_opts.push_back("fsname=opendfs:" + m.source);
  if (!have_subtype) m.fuse_opts.push_back("subtype=opendfs");
  // The kernel checks permissions on every path walk, from attributes no
  // older than attr_timeout, as ext4 does from its inodes: a chmod of a
  // directory denies searches through it at once (cached dentries included),
  // not after entry_timeout. metad checks again on every mutation.
  if (!have_default_permissions) m.fuse_opts.push_back("default_permissions");

  ConfigFile file = client::EmptyConfig("command line");
  if (!config_path.empty()) {
    auto f = ConfigFile::Load(config_path);
    if (!f.ok()) return f.status();
    file = std::move(*f);
  }
  for (auto& [k, v] : dfscli) file.Set(k, v);
  ODFS_ASSIGN_OR_RETURN(m.client, client::ClientConfig::Load(file));

  if (m.source.find(':') != std::string::npos) {
    auto eps = Endpoint::ParseList(m.source);
    if (!eps.ok()) return eps.status().Annotate("SOURCE");
    m.client.metads = std::move(*eps);
  } else if (m.client.metads.empty()) {
    return Bad(fmt::format("SOURCE '{}' is not host:port[,host:port...] and no "
                           "namenode_addr was configured",
                           m.source));
  }
  if (!m.client.daemon) m.foreground = true;
  return m;
}

}  // namespace opendfs::mountfs
