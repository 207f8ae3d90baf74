// BlockdSettings: the seed's datanode.conf and opendfs-local's config parse;
// unknown keys and bad values name the file and line.
#include "blockd/settings.h"

#include <gtest/gtest.h>

namespace opendfs::blockd {
namespace {

const std::string kTestData = std::string(ODFS_SOURCE_ROOT) + "/tests/testdata/";

Result<BlockdSettings> Parse(const std::string& text) {
  Result<ConfigFile> cf = ConfigFile::Parse(text, "datanode.conf");
  if (!cf.ok()) return cf.status();
  return LoadBlockdSettings(*cf);
}

TEST(BlockdSettings, SeedDatanodeConfParses) {
  Result<BlockdSettings> s = LoadBlockdSettingsFile(kTestData + "seed_datanode.conf");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(s->daemon);
  EXPECT_EQ(s->workers, 8);
  EXPECT_EQ(s->connections, 65536u);
  EXPECT_EQ(s->bind_for_cli, "0.0.0.0:8100");
  ASSERT_EQ(s->ns_srv.size(), 1u);
  EXPECT_EQ(s->ns_srv[0].ToString(), "127.0.0.1:8001");
  EXPECT_EQ(s->data_dirs,
            (std::vector<std::string>{"/data01/block", "/data02/block", "/data03/block"}));
  EXPECT_EQ(s->error_log, "/data00/datanode/logs/error.log");
  EXPECT_EQ(s->pid_file, "/data00/datanode/pid/datanode.pid");
  EXPECT_EQ(s->coredump_dir, "/data00/datanode/coredump/");
  EXPECT_EQ(s->log_level, LogLevel::kInfo);
  EXPECT_EQ(s->recv_buff_len, 64u * 1024);
  EXPECT_EQ(s->send_buff_len, 64u * 1024);
  EXPECT_EQ(s->max_tqueue_len, 1000u);
  EXPECT_EQ(s->heartbeat_interval_s, 3);
  EXPECT_EQ(s->block_report_interval_s, 3600);
  EXPECT_EQ(s->disk_threads, 4);  // default
}

TEST(BlockdSettings, OpendfsLocalConfigWithOurKeysParses) {
  Result<BlockdSettings> s = Parse(
      "# written by opendfs-local\n"
      "Server server;\n"
      "server.daemon = ALLOW;\n"
      "server.workers = 2;\n"
      "server.bind_for_cli = \"127.0.2.1:8100\";\n"
      "server.ns_srv = \"127.0.1.1:8001,127.0.1.2:8001, 127.0.1.3:8001\";\n"
      "server.data_dir = \"/tmp/b1/data\";\n"
      "server.heartbeat_interval = 1;\n"
      "server.block_report_interval = 3600;\n"
      "server.disk_threads = 6;\n"
      "server.scan_rate = 8MB;\n"
      "server.rack = \"r1\";\n");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->ns_srv.size(), 3u);
  EXPECT_EQ(s->ns_srv[2].ToString(), "127.0.1.3:8001");
  EXPECT_EQ(s->heartbeat_interval_s, 1);
  EXPECT_EQ(s->disk_threads, 6);
  EXPECT_EQ(s->scan_rate_bytes_per_s, 8u << 20);
  EXPECT_EQ(s->rack, "r1");
}

TEST(BlockdSettings, ScanRateZeroTurnsTheScannerOff) {
  Result<BlockdSettings> s =
      Parse("Server server;\nserver.data_dir = \"/d\";\nserver.scan_rate = 0;\n");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->scan_rate_bytes_per_s, 0u);
}

TEST(BlockdSettings, UnknownKeyNamesFileAndLine) {
  Result<BlockdSettings> s =
      Parse("Server server;\nserver.data_dir = \"/d\";\nserver.disk_thread = 4;\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::Invalid);
  EXPECT_NE(s.status().message().find("datanode.conf:3"), std::string::npos)
      << s.status().message();
  EXPECT_NE(s.status().message().find("disk_thread"), std::string::npos);
}

TEST(BlockdSettings, BadValueNamesFileAndLine) {
  Result<BlockdSettings> s =
      Parse("Server server;\nserver.data_dir = \"/d\";\nserver.workers = many;\n");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("datanode.conf:3"), std::string::npos)
      << s.status().message();
}

TEST(BlockdSettings, BadNsSrvAddressNamesLine) {
  Result<BlockdSettings> s = Parse(
      "Server server;\nserver.data_dir = \"/d\";\nserver.ns_srv = \"127.0.0.1\";\n");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("datanode.conf:3"), std::string::npos)
      << s.status().message();
}

TEST(BlockdSettings, DataDirIsRequired) {
  Result<BlockdSettings> s = Parse("Server server;\nserver.workers = 2;\n");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("data_dir"), std::string::npos);
}

TEST(BlockdSettings, ZeroHeartbeatIsRejected) {
  Result<BlockdSettings> s = Parse(
      "Server server;\nserver.data_dir = \"/d\";\nserver.heartbeat_interval = 0;\n");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("heartbeat_interval"), std::string::npos);
}

}  // namespace
}  // namespace opendfs::blockd
