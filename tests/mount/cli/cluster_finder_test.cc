#include "mount/cli/cluster_finder.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace opendfs::cli {
namespace {

const std::string kTestData = std::string(ODFS_SOURCE_ROOT) + "/tests/testdata/";
using V = std::vector<std::string>;

const char* kMounts =
    "proc /proc proc rw 0 0\n"
    "opendfs:10.0.0.5:8000,10.0.0.6:8000 /mnt/odfs fuse.opendfs rw,nosuid 0 0\n"
    "opendfs:10.0.0.9:8000 /mnt/odfs/inner\\040dir fuse.opendfs rw 0 0\n"
    "opendfs:10.0.0.7:8000 /mnt/other fuse.sshfs rw 0 0\n";

CliEnv NoEnv() {
  CliEnv e;
  e.default_config = "/nonexistent/dfscli.conf";
  return e;
}

std::string First(const Result<FoundCluster>& f) { return f->config.metads.at(0).ToString(); }

TEST(FindCluster, ConfigThenFlagThenEnvironment) {
  CliArgs a;
  a.config_path = kTestData + "seed_dfscli.conf";
  a.metads = "10.0.0.1:1";
  CliEnv env = NoEnv();
  env.env_metads = "10.0.0.2:2";
  auto c = FindCluster(a, env);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(First(c), "127.0.0.1:8000");
  EXPECT_EQ(c->config.blk_rep, 3);

  a.config_path.clear();
  c = FindCluster(a, env);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(First(c), "10.0.0.1:1");
  EXPECT_EQ(c->from, "-n");

  a.metads.clear();
  env.env_metads = "10.0.0.2:2,10.0.0.3:3";
  c = FindCluster(a, env);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->config.metads.size(), 2u);
  EXPECT_EQ(c->from, "OPENDFS_METADS");

  env.env_metads = "garbage";
  EXPECT_FALSE(FindCluster(a, env).ok());
}

TEST(FindCluster, NothingNamesAClusterSaysEveryWay) {
  auto c = FindCluster(CliArgs{}, NoEnv());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("OPENDFS_METADS"), std::string::npos);
  EXPECT_NE(c.status().message().find("/nonexistent/dfscli.conf"), std::string::npos);
}

TEST(FindCluster, TheMountHoldingTheWorkingDirectory) {
  CliEnv env = NoEnv();
  env.proc_mounts = kMounts;
  env.cwd = "/mnt/odfs/a/b";
  auto c = FindCluster(CliArgs{}, env);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(First(c), "10.0.0.5:8000");
  EXPECT_EQ(c->from, "mount /mnt/odfs");
  EXPECT_EQ(c->cwd_remote, "/a/b");

  env.cwd = "/mnt/odfs";  // the mount root itself
  EXPECT_EQ(FindCluster(CliArgs{}, env)->cwd_remote, "/");

  env.cwd = "/mnt/odfs/inner dir/x";  // innermost mount, \040 unescaped
  c = FindCluster(CliArgs{}, env);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(First(c), "10.0.0.9:8000");
  EXPECT_EQ(c->cwd_remote, "/x");

  env.cwd = "/mnt/odfsx";  // a sibling with a common prefix is not inside
  EXPECT_FALSE(FindCluster(CliArgs{}, env).ok());
  env.cwd = "/mnt/other/a";  // not an OpenDFS mount
  EXPECT_FALSE(FindCluster(CliArgs{}, env).ok());
}

TEST(FindCluster, RelativePathsStartAtTheMountOnlyForItsCluster) {
  CliEnv env = NoEnv();
  env.proc_mounts = kMounts;
  env.cwd = "/mnt/odfs/a";
  CliArgs a;
  a.metads = "10.0.0.6:8000,10.0.0.5:8000";  // the same cluster, another order
  EXPECT_EQ(FindCluster(a, env)->cwd_remote, "/a");
  a.metads = "10.0.0.1:8000";  // another cluster: paths start at its root
  EXPECT_EQ(FindCluster(a, env)->cwd_remote, "");
}

TEST(FindCluster, DefaultConfigFileLast) {
  std::string path = ::testing::TempDir() + "/cluster_finder_dfscli.conf";
  {
    std::ofstream f(path);
    f << "Server server;\nserver.namenode_addr = \"10.0.0.8:8000\";\n";
  }
  CliEnv env = NoEnv();
  env.default_config = path;
  auto c = FindCluster(CliArgs{}, env);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(First(c), "10.0.0.8:8000");
  EXPECT_EQ(c->from, path);
  env.env_metads = "10.0.0.2:2";  // the environment wins over the file
  EXPECT_EQ(First(FindCluster(CliArgs{}, env)), "10.0.0.2:2");
  std::remove(path.c_str());
}

TEST(RemotePath, JoinsAndFolds) {
  EXPECT_EQ(RemotePath("", "x"), "/x");
  EXPECT_EQ(RemotePath("/a/b", "x/y"), "/a/b/x/y");
  EXPECT_EQ(RemotePath("/a/b", "../c"), "/a/c");
  EXPECT_EQ(RemotePath("/a", "../../.."), "/");
  EXPECT_EQ(RemotePath("/a", "/abs//p/./q/"), "/abs/p/q");
  EXPECT_EQ(RemotePath("/a", "."), "/a");
}

TEST(ResolveRemoteOperands, OnlyRemoteOperands) {
  CliArgs put;
  put.command = "put";
  put.operands = {"local.txt", "dst"};
  ResolveRemoteOperands("/d", put);
  EXPECT_EQ(put.operands, (V{"local.txt", "/d/dst"}));

  CliArgs get;
  get.command = "get";
  get.operands = {"src", "out"};
  ResolveRemoteOperands("/d", get);
  EXPECT_EQ(get.operands, (V{"/d/src", "out"}));

  CliArgs setrep;
  setrep.command = "setrep";
  setrep.operands = {"f", "2"};
  ResolveRemoteOperands("/d", setrep);
  EXPECT_EQ(setrep.operands, (V{"/d/f", "2"}));

  CliArgs ls;
  ls.command = "ls";
  ResolveRemoteOperands("/d", ls);
  EXPECT_EQ(ls.operands, (V{"/d"}));

  CliArgs dec;
  dec.command = "blockd decommission";
  dec.operands = {"127.0.2.1:8100"};
  ResolveRemoteOperands("/d", dec);
  EXPECT_EQ(dec.operands, (V{"127.0.2.1:8100"}));
}

}  // namespace
}  // namespace opendfs::cli
