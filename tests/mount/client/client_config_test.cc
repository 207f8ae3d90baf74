#include "mount/client/client_config.h"

#include <gtest/gtest.h>

namespace opendfs::client {
namespace {

const std::string kTestData = std::string(ODFS_SOURCE_ROOT) + "/tests/testdata/";

TEST(ClientConfig, AcceptsSeedDfscliConf) {
  auto f = ConfigFile::Load(kTestData + "seed_dfscli.conf");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  auto c = ClientConfig::Load(*f);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->metads.size(), 1u);
  EXPECT_EQ(c->metads[0].ToString(), "127.0.0.1:8000");
  EXPECT_EQ(c->blk_sz, 256ull << 20);
  EXPECT_EQ(c->blk_rep, 3);
  EXPECT_TRUE(c->daemon);
  EXPECT_EQ(c->recv_buff_len, 64u << 10);
  EXPECT_EQ(c->log_level, LogLevel::kInfo);
}

TEST(ClientConfig, CommandLineOverridesAndMetadList) {
  auto f = ConfigFile::Load(kTestData + "seed_dfscli.conf");
  ASSERT_TRUE(f.ok());
  f->Set("blk_sz", "1MB");
  f->Set("namenode_addr", "127.0.0.1:8000, 127.0.0.2:8000");
  auto c = ClientConfig::Load(*f);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->blk_sz, 1u << 20);
  EXPECT_EQ(c->metads.size(), 2u);
}

TEST(ClientConfig, DefaultsWhenEmpty) {
  auto c = ClientConfig::Load(EmptyConfig("cmdline"));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->metads.empty());
  EXPECT_EQ(c->blk_sz, 0u);
  EXPECT_EQ(c->blk_rep, 0);
}

TEST(ClientConfig, RejectsUnknownKeyAndBadValues) {
  ConfigFile f = EmptyConfig("cmdline");
  f.Set("blk_size", "1MB");
  EXPECT_EQ(ClientConfig::Load(f).status().code(), StatusCode::Invalid);
  ConfigFile g = EmptyConfig("cmdline");
  g.Set("blk_sz", "100KB");  // not a multiple of the 64 KiB checksum chunk
  EXPECT_EQ(ClientConfig::Load(g).status().code(), StatusCode::Invalid);
  ConfigFile h = EmptyConfig("cmdline");
  h.Set("blk_rep", "0");
  EXPECT_EQ(ClientConfig::Load(h).status().code(), StatusCode::Invalid);
  ConfigFile i = EmptyConfig("cmdline");
  i.Set("namenode_addr", "nohostport");
  EXPECT_EQ(ClientConfig::Load(i).status().code(), StatusCode::Invalid);
}

}  // namespace
}  // namespace opendfs::client
