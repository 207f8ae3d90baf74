#include "metad/server/settings.h"

#include "metad/namespace/types.h"

namespace opendfs::metad {

Result<MetadSettings> MetadSettings::Load(const ConfigFile& file) {
  MetadSettings s;
  ConfigReader r(file);
  r.Bool("daemon", &s.daemon)
      .Int("workers", &s.workers, 1, 256)
      .Int("connections", &s.connections, 16, 1 << 20)
      .String("bind_for_cli", &s.bind_for_cli)
      .String("bind_for_dn", &s.bind_for_dn)
      .String("my_paxos", &s.my_paxos)
      .List("ot_paxos", &s.ot_paxos)
      .Int("paxos_group_num", &s.paxos_group_num, 1, 1)
      .Int("checkpoint_num", &s.checkpoint_num, 1, 1ll << 40)
      .Int("index_num", &s.index_num, 1, 1ll << 40)
      .String("editlog_dir", &s.editlog_dir, true)
      .String("fsimage_dir", &s.fsimage_dir, true)
      .String("error_log", &s.error_log)
      .String("pid_file", &s.pid_file)
      .String("coredump_dir", &s.coredump_dir)
      .Level("log_level", &s.log_level)
      .Size("recv_buff_len", &s.recv_buff_len, 4 << 10, 64 << 20)
      .Size("send_buff_len", &s.send_buff_len, 4 << 10, 64 << 20)
      .Int("max_tqueue_len", &s.max_tqueue_len, 1, 1 << 24)
      .Int("dn_timeout", &s.dn_timeout_s, 1, 1 << 24)
      .String("topology", &s.topology)
      .String("metrics_addr", &s.metrics_addr)
      .String("cluster_key_file", &s.cluster_key_file)
      .Size("default_blk_sz", &s.default_blk_sz, 64 << 10, 4ull << 30)
      .Int("default_blk_rep", &s.default_blk_rep, 1, 16)
      .Int("session_timeout", &s.session_timeout_s, 1, 1 << 20)
      .Int("replication_max_copies", &s.replication_max_copies, 1, 1024)
      .Int("paxos_log_keep", &s.paxos_log_keep, 10, 1ll << 32)
      .Size("inline_max", &s.inline_max, 0, kMaxInlineBytes)
      .List("ot_cli", &s.ot_cli);
  ODFS_RETURN_IF_ERROR(r.Finish());
  if (s.default_blk_sz % (64 << 10) != 0)
    return Status(StatusCode::Invalid,
                  file.name() + ": server.default_blk_sz must be a multiple of 64KB");
  return s;
}

}  // namespace opendfs::metad
