#include "mount/fuse/mount_options.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace opendfs::mountfs {
namespace {

const std::string kTestData = std::string(ODFS_SOURCE_ROOT) + "/tests/testdata/";

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(ParseMountArgs, SourceMountpointAndDefaults) {
  auto m = ParseMountArgs({"127.0.0.1:8000", "/mnt/x"});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->mountpoint, "/mnt/x");
  ASSERT_EQ(m->client.metads.size(), 1u);
  EXPECT_EQ(m->client.metads[0].port, 8000);
  EXPECT_FALSE(m->foreground);
  EXPECT_EQ(m->attr_timeout_s, 1.0);
  EXPECT_EQ(m->read_ahead_kb, 1024u);
  EXPECT_TRUE(Has(m->fuse_opts, "fsname=opendfs:127.0.0.1:8000"));
  EXPECT_TRUE(Has(m->fuse_opts, "subtype=opendfs"));
  EXPECT_TRUE(Has(m->fuse_opts, "default_permissions"));
}

TEST(ParseMountArgs, CacheEventsAndTheirTimeout) {
  auto d = ParseMountArgs({"127.0.0.1:8000", "/mnt/x"});
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->cache_events);
  EXPECT_EQ(d->cache_timeout_max_ms, 1000u);
  auto m = ParseMountArgs({"127.0.0.1:8000", "/mnt/x", "-o", "cache_events=0,cache_timeout_max_ms=30000"});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_FALSE(m->cache_events);
  EXPECT_EQ(m->cache_timeout_max_ms, 30000u);
  EXPECT_FALSE(Has(m->fuse_opts, "cache_events=0"));  // ours, not libfuse's
  EXPECT_FALSE(ParseMountArgs({"127.0.0.1:8000", "/mnt/x", "-o", "cache_events=2"}).ok());
  EXPECT_FALSE(ParseMountArgs({"127.0.0.1:8000", "/mnt/x", "-o", "cache_timeout_max_ms=x"}).ok());
}

TEST(ParseMountArgs, OwnKeysFuseOptionsAndMountWordsAreSorted) {
  auto m = ParseMountArgs({"a:1,b:2", "/m", "-f", "-o",
                           "blk_sz=1MB,blk_rep=2,allow_other,defaults,_netdev,x-systemd.automount",
                           "-oattr_timeout=0.5,entry_timeout=2,ro,fsname=mine,read_ahead_kb=0"});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(m->foreground);
  EXPECT_EQ(m->client.metads.size(), 2u);
  EXPECT_EQ(m->client.blk_sz, 1u << 20);
  EXPECT_EQ(m->client.blk_rep, 2);
  EXPECT_EQ(m->attr_timeout_s, 0.5);
  EXPECT_EQ(m->entry_timeout_s, 2.0);
  EXPECT_EQ(m->read_ahead_kb, 0u);
  EXPECT_TRUE(m->read_only);
  EXPECT_EQ(m->fuse_opts, (std::vector<std::string>{"allow_other", "ro", "fsname=mine",
                                                     "subtype=opendfs", "default_permissions"}));
}

TEST(ParseMountArgs, ConfigFileThenCommandLineOverrides) {
  auto m = ParseMountArgs({"opendfs", "/m", "-o",
                           "config=" + kTestData + "seed_dfscli.conf,blk_rep=1"});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->client.metads.size(), 1u);  // from namenode_addr
  EXPECT_EQ(m->client.metads[0].ToString(), "127.0.0.1:8000");
  EXPECT_EQ(m->client.blk_sz, 256u << 20);
  EXPECT_EQ(m->client.blk_rep, 1);
}

TEST(ParseMountArgs, DaemonDenyMeansForeground) {
  auto m = ParseMountArgs({"h:1", "/m", "-o", "daemon=DENY"});
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->foreground);
  auto d = ParseMountArgs({"h:1", "/m", "-d"});
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->debug && d->foreground);
}

TEST(ParseMountArgs, Errors) {
  EXPECT_FALSE(ParseMountArgs({"h:1"}).ok());
  EXPECT_FALSE(ParseMountArgs({"h:1", "/m", "extra"}).ok());
  EXPECT_FALSE(ParseMountArgs({"h:1", "/m", "-x"}).ok());
  EXPECT_FALSE(ParseMountArgs({"h:1", "/m", "-o"}).ok());
  EXPECT_FALSE(ParseMountArgs({"nohost", "/m"}).ok());  // no ':' and no config
  EXPECT_FALSE(ParseMountArgs({"h:99999", "/m"}).ok());
  EXPECT_FALSE(ParseMountArgs({"h:1", "/m", "-o", "blk_sz=abc"}).ok());
  EXPECT_FALSE(ParseMountArgs({"h:1", "/m", "-o", "attr_timeout=-1"}).ok());
  EXPECT_FALSE(ParseMountArgs({"h:1", "/m", "-o", "max_threads=0"}).ok());
  EXPECT_FALSE(ParseMountArgs({"h:1", "/m", "-o", "read_ahead_kb=x"}).ok());
  EXPECT_FALSE(ParseMountArgs({"h:1", "/m", "-o", "config=/nonexistent.conf"}).ok());
  auto e = ParseMountArgs({"h:1", "/m", "-o", "blk_rep"});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("blk_rep"), std::string::npos);
}

TEST(ParseMountArgs, HelpNeedsNothingElse) {
  auto m = ParseMountArgs({"-h"});
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->help);
}

TEST(EscapeFuseOpt, EscapesCommasAndBackslashes) {
  EXPECT_EQ(EscapeFuseOpt("fsname=opendfs:a:1,b:2"), "fsname=opendfs:a:1\\,b:2");
  EXPECT_EQ(EscapeFuseOpt("a\\b"), "a\\\\b");
  // And the parser reads escaped commas back as one option.
  auto m = ParseMountArgs({"h:1", "/m", "-o", "fsname=x\\,y"});
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(Has(m->fuse_opts, "fsname=x,y"));
}

TEST(DefaultMountLog, NamedAfterTheMountpoint) {
  EXPECT_EQ(DefaultMountLog("/mnt/opendfs", true, "/root"), "/var/log/opendfs/mount-mnt-opendfs.log");
  EXPECT_EQ(DefaultMountLog("/mnt/a b//c/", true, ""), "/var/log/opendfs/mount-mnt-a_b-c.log");
  EXPECT_EQ(DefaultMountLog("/", true, ""), "/var/log/opendfs/mount-root.log");
  EXPECT_EQ(DefaultMountLog("/home/u/m", false, "/home/u"), "/home/u/.cache/opendfs/mount-home-u-m.log");
}

}  // namespace
}  // namespace opendfs::mountfs
