// BlockdSettings: everything opendfs-blockd reads from datanode.conf.
//
// Happy path: LoadBlockdSettings(ConfigFile::Load(path)) binds the seed's keys
// (daemon, workers, connections, bind_for_cli, ns_srv, data_dir, error_log,
// pid_file, coredump_dir, log_level, recv_buff_len, send_buff_len,
// max_tqueue_len, heartbeat_interval, block_report_interval) plus ours
// (disk_threads, scan_rate, scan_interval, copy_rate, rack) to typed fields with defaults.
//
// Failure modes: an unknown key, a value of the wrong type or out of range, a
// missing data_dir, or an unparsable address in bind_for_cli / ns_srv is an
// Invalid status naming the file and line (ConfigReader's wording).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libnet/config.h"
#include "libnet/endpoint.h"
#include "libnet/log.h"
#include "libnet/status.h"

namespace opendfs::blockd {

struct BlockdSettings {
  bool daemon = false;
  int workers = 2;                          // libuv loop threads
  uint64_t connections = 4096;              // server-wide connection limit
  std::string bind_for_cli = "0.0.0.0:8100";
  std::vector<Endpoint> ns_srv;             // every metad's bind_for_dn
  std::vector<std::string> data_dirs;       // required, at least one
  std::string error_log;                    // empty = stderr
  std::string pid_file;                     // empty = none
  std::string coredump_dir;                 // empty = leave cwd alone
  LogLevel log_level = LogLevel::kInfo;
  uint64_t recv_buff_len = 0;               // SO_RCVBUF; 0 = OS default
  uint64_t send_buff_len = 0;               // SO_SNDBUF; 0 = OS default
  uint64_t max_tqueue_len = 4096;           // unanswered requests before Busy
  int heartbeat_interval_s = 3;
  int block_report_interval_s = 3600;
  int disk_threads = 4;                     // size of the disk pool
  uint64_t scan_rate_bytes_per_s = 8u << 20;  // background scanner; 0 = off
  int scan_interval_s = 60;                  // pause between two scanner passes
  uint64_t copy_rate_bytes_per_s = 0;       // re-replication sends; 0 = unlimited
  std::string rack;                         // hint sent at registration
  std::string metrics_addr;                 // GET /metrics host:port; empty = off
  // The cluster key (0600 file, libnet/cluster_key.h): registration,
  // heartbeats, reports and block copies authenticate with it; empty = off.
  std::string cluster_key_file;
};

// Reads the settings from a parsed config file.
Result<BlockdSettings> LoadBlockdSettings(const ConfigFile& file);
// Loads and parses `path`, then LoadBlockdSettings.
Result<BlockdSettings> LoadBlockdSettingsFile(const std::string& path);

}  // namespace opendfs::blockd
