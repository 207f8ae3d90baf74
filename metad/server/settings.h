// MetadSettings: everything opendfs-metad reads from namenode.conf.
//
// The seed's keys are all accepted (namenode.conf from seeds/000_* parses as it
// is); keys OpenDFS adds are marked "ours". Load() fails with the file, the
// line and what was expected for a bad value, and names any unknown key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libnet/config.h"
#include "libnet/log.h"
#include "libnet/status.h"

namespace opendfs::metad {

struct MetadSettings {
  bool daemon = false;
  int64_t workers = 2;                 // libuv loop threads for clients
  int64_t connections = 65536;         // max open connections
  std::string bind_for_cli = "0.0.0.0:8000";
  std::string bind_for_dn = "0.0.0.0:8001";
  std::string my_paxos = "0.0.0.0:8002";
  std::vector<std::string> ot_paxos;   // every metad of the group (incl. us)
  int64_t paxos_group_num = 1;
  int64_t checkpoint_num = 10000;      // records between fsimages
  int64_t index_num = 1000000;         // seed key; accepted, unused
  std::string editlog_dir;             // required
  std::string fsimage_dir;             // required
  std::string error_log;               // empty = stderr
  std::string pid_file;
  std::string coredump_dir;
  LogLevel log_level = LogLevel::kInfo;
  uint64_t recv_buff_len = 64 << 10;
  uint64_t send_buff_len = 64 << 10;
  int64_t max_tqueue_len = 1000;
  int64_t dn_timeout_s = 600;          // key dn_timeout
  // Ours.
  std::string topology;                // "127.0.0.1=/r1, 10.0.0.0/8=/r2"
  uint64_t default_blk_sz = 64ull << 20;
  int64_t default_blk_rep = 3;
  int64_t session_timeout_s = 60;      // client session lease
  int64_t paxos_log_keep = 200000;     // Paxos slots kept for followers' catch-up (then a snapshot)
  int64_t replication_max_copies = 4;  // re-replication copies in flight per blockd, as source and as target
  // Files up to this size keep their data in the namespace (DESIGN §5 small
  // files): one commit, no block traffic; costs metad memory on every metad.
  // 0 = never. At most kMaxInlineBytes.
  uint64_t inline_max = 8 << 10;
  // Every metad's client address, in ot_paxos order (for NotLeader replies);
  // empty: the ot_paxos host with our bind_for_cli port.
  std::vector<std::string> ot_cli;
  // GET /metrics (Prometheus text format) on this host:port; empty = off.
  std::string metrics_addr;
  // Ours (issue 15 §1): the cluster key (a 0600 file, libnet/cluster_key.h).
  // Set: the Paxos and blockd listeners admit only peers proving it, and
  // Paxos traffic is MACed. Empty: daemon connections are not authenticated.
  std::string cluster_key_file;

  static Result<MetadSettings> Load(const ConfigFile& file);
};

}  // namespace opendfs::metad
