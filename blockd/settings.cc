#include "blockd/settings.h"

namespace opendfs::blockd {
namespace {

// Where a key was set, for error messages: "datanode.conf:7".
std::string Where(const ConfigFile& file, std::string_view key) {
  const ConfigFile::Entry* e = file.Find(key);
  if (e == nullptr || e->line == 0) return file.name();
  return fmt::format("{}:{}", file.name(), e->line);
}

}  // namespace

Result<BlockdSettings> LoadBlockdSettings(const ConfigFile& file) {
  BlockdSettings s;
  int64_t workers = s.workers;
  int64_t heartbeat = s.heartbeat_interval_s;
  int64_t report = s.block_report_interval_s;
  int64_t disk_threads = s.disk_threads;
  int64_t scan_interval = s.scan_interval_s;
  std::vector<std::string> ns_srv;
  ConfigReader r(file);
  r.Bool("daemon", &s.daemon)
      .Int("workers", &workers, 1, 256)
      .Size("connections", &s.connections, 1, 1u << 24)
      .String("bind_for_cli", &s.bind_for_cli)
      .List("ns_srv", &ns_srv)
      .List("data_dir", &s.data_dirs, /*required=*/true)
      .String("error_log", &s.error_log)
      .String("metrics_addr", &s.metrics_addr)
      .String("pid_file", &s.pid_file)
      .String("coredump_dir", &s.coredump_dir)
      .Level("log_level", &s.log_level)
      .Size("recv_buff_len", &s.recv_buff_len, 0, 1u << 30)
      .Size("send_buff_len", &s.send_buff_len, 0, 1u << 30)
      .Size("max_tqueue_len", &s.max_tqueue_len, 1, 1u << 24)
      .Int("heartbeat_interval", &heartbeat, 1, 3600)
      .Int("block_report_interval", &report, 1, 7 * 24 * 3600)
      .Int("disk_threads", &disk_threads, 1, 256)
      .Size("scan_rate", &s.scan_rate_bytes_per_s, 0, 1ull << 40)
      .Int("scan_interval", &scan_interval, 1, 30 * 24 * 3600)
      .Size("copy_rate", &s.copy_rate_bytes_per_s, 0, 1ull << 40)
      .String("rack", &s.rack)
      .String("cluster_key_file", &s.cluster_key_file);
  ODFS_RETURN_IF_ERROR(r.Finish());
  s.workers = static_cast<int>(workers);
  s.heartbeat_interval_s = static_cast<int>(heartbeat);
  s.block_report_interval_s = static_cast<int>(report);
  s.disk_threads = static_cast<int>(disk_threads);
  s.scan_interval_s = static_cast<int>(scan_interval);

  Result<Endpoint> bind = Endpoint::Parse(s.bind_for_cli);
  if (!bind.ok())
    return Status(StatusCode::Invalid,
                  fmt::format("{}: server.bind_for_cli: {}", Where(file, "bind_for_cli"),
                              bind.status().message()));
  for (const std::string& item : ns_srv) {
    Result<Endpoint> ep = Endpoint::Parse(item);
    if (!ep.ok() || ep->port == 0)
      return Status(StatusCode::Invalid,
                    fmt::format("{}: server.ns_srv: expected host:port items, got '{}'",
                                Where(file, "ns_srv"), item));
    s.ns_srv.push_back(*ep);
  }
  return s;
}

Result<BlockdSettings> LoadBlockdSettingsFile(const std::string& path) {
  ODFS_ASSIGN_OR_RETURN(ConfigFile file, ConfigFile::Load(path));
  return LoadBlockdSettings(file);
}

}  // namespace opendfs::blockd
