// ClientConfig: the seed's dfscli.conf keys, shared by opendfs-mount and the
// opendfs CLI.
//
//   Server server;
//   server.namenode_addr = "127.0.0.1:8000";   # or "a:8000,b:8000,c:8000"
//   server.blk_sz = 256MB;                     # block size of new files
//   server.blk_rep = 3;                        # replicas of new files
//   server.error_log = "";  server.log_level = LOG_INFO;  server.daemon = ALLOW;
//   server.recv_buff_len = 64KB;  server.send_buff_len = 64KB;
//
// Load() reports an unknown key or a bad value with the file and line. Keys
// given on the command line (-o blk_sz=1MB) are applied to the ConfigFile
// with ConfigFile::Set() before Load, so they are checked the same way.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libnet/config.h"
#include "libnet/endpoint.h"
#include "libnet/log.h"
#include "libnet/status.h"

namespace opendfs::client {

struct ClientConfig {
  std::vector<Endpoint> metads;  // namenode_addr; may be empty (SOURCE gives it)
  uint64_t blk_sz = 0;           // 0 = the cluster's default
  uint16_t blk_rep = 0;          // 0 = inherit from the parent directory
  std::string error_log;         // "" = stderr
  LogLevel log_level = LogLevel::kInfo;
  bool daemon = true;
  uint64_t recv_buff_len = 0;
  uint64_t send_buff_len = 0;

  static Result<ClientConfig> Load(const ConfigFile& file);
};

// An empty ConfigFile (for building one from command-line keys only).
ConfigFile EmptyConfig(std::string name);

}  // namespace opendfs::client
