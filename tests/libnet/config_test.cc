#include "libnet/config.h"

#include <gtest/gtest.h>

namespace opendfs {
namespace {

const std::string kTestData = std::string(ODFS_SOURCE_ROOT) + "/tests/testdata/";

TEST(ConfigFile, ParsesSeedNamenodeConf) {
  Result<ConfigFile> cf = ConfigFile::Load(kTestData + "seed_namenode.conf");
  ASSERT_TRUE(cf.ok()) << cf.status().ToString();
  std::string bind;
  int64_t workers = 0;
  uint64_t recv = 0;
  bool daemon = false;
  LogLevel level = LogLevel::kDebug;
  std::vector<std::string> paxos;
  ConfigReader r(*cf);
  r.String("bind_for_cli", &bind, true)
      .Int("workers", &workers, 1, 1024)
      .Size("recv_buff_len", &recv, 1, 1ull << 30)
      .Bool("daemon", &daemon)
      .Level("log_level", &level)
      .List("ot_paxos", &paxos);
  for (const char* k : {"connections", "bind_for_dn", "my_paxos", "paxos_group_num",
                        "checkpoint_num", "index_num", "editlog_dir", "fsimage_dir",
                        "error_log", "pid_file", "coredump_dir", "send_buff_len",
                        "max_tqueue_len", "dn_timeout"})
    r.Ignore(k);
  ASSERT_TRUE(r.Finish().ok()) << r.Finish().ToString();
  EXPECT_EQ(bind, "0.0.0.0:8000");
  EXPECT_EQ(workers, 8);
  EXPECT_EQ(recv, 64u * 1024);
  EXPECT_TRUE(daemon);
  EXPECT_EQ(level, LogLevel::kInfo);
  EXPECT_EQ(paxos, std::vector<std::string>{"0.0.0.0:8002"});
}

TEST(ConfigFile, ParsesSeedDatanodeConfDataDirList) {
  Result<ConfigFile> cf = ConfigFile::Load(kTestData + "seed_datanode.conf");
  ASSERT_TRUE(cf.ok()) << cf.status().ToString();
  std::vector<std::string> dirs;
  ConfigReader r(*cf);
  r.List("data_dir", &dirs, true);
  EXPECT_EQ(dirs, (std::vector<std::string>{"/data01/block", "/data02/block", "/data03/block"}));
  ASSERT_NE(cf->Find("heartbeat_interval"), nullptr);
  EXPECT_EQ(cf->Find("heartbeat_interval")->value, "3");
}

TEST(ConfigFile, ParsesSeedDfscliConf) {
  Result<ConfigFile> cf = ConfigFile::Load(kTestData + "seed_dfscli.conf");
  ASSERT_TRUE(cf.ok()) << cf.status().ToString();
  uint64_t blk_sz = 0;
  int64_t rep = 0;
  std::string log;
  ConfigReader r(*cf);
  r.Size("blk_sz", &blk_sz, 1, 1ull << 40).Int("blk_rep", &rep, 1, 16).String("error_log", &log);
  EXPECT_EQ(blk_sz, 256ull << 20);
  EXPECT_EQ(rep, 3);
  EXPECT_EQ(log, "");
  EXPECT_EQ(cf->Find("error_log")->line, 5);  // line 1 is a comment
}

TEST(ConfigFile, CommentsAndBlankLinesAndHashInQuotes) {
  auto cf = ConfigFile::Parse("# top\n\nServer server;  # decl\n"
                              "server.a = \"x#y\"; # tail\n", "t.conf");
  ASSERT_TRUE(cf.ok()) << cf.status().ToString();
  EXPECT_EQ(cf->Find("a")->value, "x#y");
  EXPECT_EQ(cf->Find("a")->line, 4);
}

TEST(ConfigFile, MissingSemicolonNamesFileAndLine) {
  auto cf = ConfigFile::Parse("Server server;\nserver.workers = 8\n", "n.conf");
  ASSERT_FALSE(cf.ok());
  EXPECT_EQ(cf.status().code(), StatusCode::Invalid);
  EXPECT_NE(cf.status().message().find("n.conf:2"), std::string::npos) << cf.status().message();
  EXPECT_NE(cf.status().message().find("';'"), std::string::npos);
}

TEST(ConfigFile, SettingBeforeDeclarationIsAnError) {
  auto cf = ConfigFile::Parse("server.workers = 8;\n", "n.conf");
  ASSERT_FALSE(cf.ok());
  EXPECT_NE(cf.status().message().find("n.conf:1"), std::string::npos);
}

TEST(ConfigFile, WrongObjectNameIsAnError) {
  auto cf = ConfigFile::Parse("Server server;\nclient.workers = 8;\n", "n.conf");
  ASSERT_FALSE(cf.ok());
  EXPECT_NE(cf.status().message().find("n.conf:2"), std::string::npos);
}

TEST(ConfigFile, UnterminatedStringAndDuplicateKey) {
  EXPECT_FALSE(ConfigFile::Parse("Server s;\ns.a = \"abc;\n", "x").ok());
  auto dup = ConfigFile::Parse("Server s;\ns.a = 1;\ns.a = 2;\n", "x");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("line 2"), std::string::npos);
}

TEST(ConfigReader, UnknownKeyNamesLineAndKey) {
  auto cf = ConfigFile::Parse("Server server;\nserver.workers = 8;\nserver.wrokers = 9;\n", "m.conf");
  ASSERT_TRUE(cf.ok());
  int64_t w = 0;
  ConfigReader r(*cf);
  r.Int("workers", &w, 1, 64);
  Status s = r.Finish();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("m.conf:3"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("wrokers"), std::string::npos);
}

TEST(ConfigReader, BadValuesAreRejectedWithExpectation) {
  auto cf = ConfigFile::Parse("Server server;\nserver.workers = eight;\n", "m.conf");
  ASSERT_TRUE(cf.ok());
  int64_t w = 1;
  ConfigReader r(*cf);
  r.Int("workers", &w, 1, 64);
  Status s = r.Finish();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("m.conf:2"), std::string::npos);
  EXPECT_NE(s.message().find("integer"), std::string::npos);
  EXPECT_EQ(w, 1);  // untouched
}

TEST(ConfigReader, OutOfRangeAndBadBoolAndBadLevel) {
  auto cf = ConfigFile::Parse(
      "Server server;\nserver.workers = 0;\nserver.daemon = MAYBE;\nserver.log_level = LOG_LOUD;\n",
      "m.conf");
  ASSERT_TRUE(cf.ok());
  int64_t w = 1;
  bool d = false;
  LogLevel l = LogLevel::kInfo;
  {
    ConfigReader r(*cf);
    r.Int("workers", &w, 1, 64).Ignore("daemon").Ignore("log_level");
    EXPECT_NE(r.Finish().message().find("m.conf:2"), std::string::npos);
  }
  {
    ConfigReader r(*cf);
    r.Ignore("workers").Bool("daemon", &d).Ignore("log_level");
    EXPECT_NE(r.Finish().message().find("m.conf:3"), std::string::npos);
  }
  {
    ConfigReader r(*cf);
    r.Ignore("workers").Ignore("daemon").Level("log_level", &l);
    EXPECT_NE(r.Finish().message().find("m.conf:4"), std::string::npos);
  }
}

TEST(ConfigReader, MissingRequiredKey) {
  auto cf = ConfigFile::Parse("Server server;\n", "m.conf");
  ASSERT_TRUE(cf.ok());
  std::string dir;
  ConfigReader r(*cf);
  r.String("editlog_dir", &dir, true);
  Status s = r.Finish();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("editlog_dir"), std::string::npos);
}

TEST(ConfigReader, OverridesReplaceFileValues) {
  auto cf = ConfigFile::Parse("Server server;\nserver.blk_sz = 256MB;\n", "c.conf");
  ASSERT_TRUE(cf.ok());
  cf->Set("blk_sz", "1MB");
  uint64_t sz = 0;
  ConfigReader r(*cf);
  r.Size("blk_sz", &sz, 1, 1ull << 40);
  ASSERT_TRUE(r.Finish().ok());
  EXPECT_EQ(sz, 1ull << 20);
}

TEST(ParseSize, Units) {
  EXPECT_EQ(*ParseSize("4096"), 4096u);
  EXPECT_EQ(*ParseSize("64KB"), 65536u);
  EXPECT_EQ(*ParseSize("64k"), 65536u);
  EXPECT_EQ(*ParseSize("256MB"), 256ull << 20);
  EXPECT_EQ(*ParseSize("1 GiB"), 1ull << 30);
  EXPECT_EQ(*ParseSize("2TB"), 2ull << 40);
  EXPECT_FALSE(ParseSize("MB").ok());
  EXPECT_FALSE(ParseSize("12XB").ok());
  EXPECT_FALSE(ParseSize("99999999999999999999TB").ok());
  EXPECT_FALSE(ParseSize("-1").ok());
}

}  // namespace
}  // namespace opendfs
