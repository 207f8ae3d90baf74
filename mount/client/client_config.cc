#include "mount/client/client_config.h"

namespace opendfs::client {

ConfigFile EmptyConfig(std::string name) {
  Result<ConfigFile> f = ConfigFile::Parse("", std::move(name));
  ODFS_CHECK(f.ok());
  return std::move(f).value();
}

Result<ClientConfig> ClientConfig::Load(const ConfigFile& file) {
  ClientConfig c;
  std::vector<std::string> addrs;
  uint64_t blk_sz = 0;
  int64_t blk_rep = 0;
  ConfigReader r(file);
  r.List("namenode_addr", &addrs)
      .Size("blk_sz", &blk_sz, 64 << 10, 1ull << 40)
      .Int("blk_rep", &blk_rep, 1, 16)
      .String("error_log", &c.error_log)
      .Level("log_level", &c.log_level)
      .Bool("daemon", &c.daemon)
      .Size("recv_buff_len", &c.recv_buff_len, 0, 1ull << 30)
      .Size("send_buff_len", &c.send_buff_len, 0, 1ull << 30);
  ODFS_RETURN_IF_ERROR(r.Finish());
  if (blk_sz % (64 << 10) != 0) {
    return Status(StatusCode::Invalid,
                  fmt::format("{}: blk_sz {} is not a multiple of 64KB",
                              file.name(), blk_sz));
  }
  c.blk_sz = blk_sz;
  c.blk_rep = static_cast<uint16_t>(blk_rep);
  for (const std::string& a : addrs) {
    auto ep = Endpoint::Parse(a);
    if (!ep.ok()) return ep.status().Annotate(file.name() + ": namenode_addr");
    c.metads.push_back(*ep);
  }
  return c;
}

}  // namespace opendfs::client
