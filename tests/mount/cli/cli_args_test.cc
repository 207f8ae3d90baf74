#include "mount/cli/cli_args.h"
#include "mount/cli/cluster_finder.h"

#include <gtest/gtest.h>

namespace opendfs::cli {
namespace {

const std::string kTestData = std::string(ODFS_SOURCE_ROOT) + "/tests/testdata/";
using V = std::vector<std::string>;

TEST(ParseCliArgs, CommandsOperandsAndFlags) {
  auto a = ParseCliArgs({"-n", "h:1", "mkdir", "-p", "/a/b", "/c"});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->metads, "h:1");
  EXPECT_EQ(a->command, "mkdir");
  EXPECT_TRUE(a->parents);
  EXPECT_EQ(a->operands, (V{"/a/b", "/c"}));

  auto s = ParseCliArgs({"setrep", "/x", "2", "-R"});
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->recursive);

  auto c = ParseCliArgs({"cluster", "status", "--json"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->command, "cluster status");
  EXPECT_TRUE(c->json);
  EXPECT_TRUE(c->operands.empty());

  auto p = ParseCliArgs({"put", "-f", "-", "/dst"});
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->force);
  EXPECT_EQ(p->operands, (V{"-", "/dst"}));
}

TEST(ParseCliArgs, HealthCommands) {
  auto f = ParseCliArgs({"fsck", "/data", "--blocks", "--locations"});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->command, "fsck");
  EXPECT_TRUE(f->blocks);
  EXPECT_TRUE(f->locations);
  EXPECT_EQ(f->operands, (V{"/data"}));
  EXPECT_TRUE(ParseCliArgs({"fsck"}).ok());  // the whole tree

  auto d = ParseCliArgs({"blockd", "decommission", "127.0.2.1:8100"});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->command, "blockd decommission");
  EXPECT_EQ(d->operands, (V{"127.0.2.1:8100"}));
  EXPECT_EQ(ParseCliArgs({"blockd", "recommission", "h:1"})->command, "blockd recommission");

  EXPECT_FALSE(ParseCliArgs({"blockd", "decommission"}).ok());  // which one?
  EXPECT_FALSE(ParseCliArgs({"blockd", "explode", "h:1"}).ok());
  EXPECT_FALSE(ParseCliArgs({"fsck", "/a", "/b"}).ok());
  EXPECT_FALSE(ParseCliArgs({"ls", "--blocks"}).ok());
}

TEST(ParseCliArgs, KeyGenerate) {
  auto k = ParseCliArgs({"key", "generate", "--out", "/etc/opendfs/cluster.key"});
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_EQ(k->command, "key generate");
  EXPECT_EQ(k->out_path, "/etc/opendfs/cluster.key");
  EXPECT_EQ(ParseCliArgs({"key", "generate"})->out_path, "");
  auto which = ParseCliArgs({"key"});
  ASSERT_FALSE(which.ok());
  EXPECT_EQ(which.status().message(), "key: which? key generate [--out FILE]");
  EXPECT_FALSE(ParseCliArgs({"key", "generate", "extra"}).ok());
}

TEST(ParseCliArgs, SeedDfscliForms) {
  for (const char* cmd : {"ls", "mkdir", "put", "get", "rm", "rmr"}) {
    V argv = {"-c", "x.conf", std::string("-") + cmd, "/a"};
    if (std::string(cmd) == "put" || std::string(cmd) == "get") argv.push_back("/b");
    auto a = ParseCliArgs(argv);
    ASSERT_TRUE(a.ok()) << cmd << ": " << a.status().ToString();
    EXPECT_EQ(a->command, cmd);
    EXPECT_EQ(a->config_path, "x.conf");
  }
}

TEST(ParseCliArgs, Errors) {
  EXPECT_FALSE(ParseCliArgs({}).ok());
  EXPECT_FALSE(ParseCliArgs({"frob"}).ok());
  EXPECT_FALSE(ParseCliArgs({"cluster"}).ok());
  EXPECT_FALSE(ParseCliArgs({"put", "/a"}).ok());           // needs two
  EXPECT_FALSE(ParseCliArgs({"mv", "/a", "/b", "/c"}).ok());
  EXPECT_FALSE(ParseCliArgs({"rm", "-p", "/a"}).ok());      // flag of another command
  EXPECT_FALSE(ParseCliArgs({"ls", "--json"}).ok());
  EXPECT_FALSE(ParseCliArgs({"-n"}).ok());
  EXPECT_FALSE(ParseCliArgs({"-z", "ls"}).ok());
  EXPECT_TRUE(ParseCliArgs({"--help"})->help);
  EXPECT_TRUE(ParseCliArgs({"--version"})->version);
}

TEST(ParseCliArgs, OptionsAfterTheCommandAndDoubleDash) {
  auto a = ParseCliArgs({"ls", "/x", "-n", "h:1"});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->metads, "h:1");
  EXPECT_EQ(a->operands, (V{"/x"}));

  auto d = ParseCliArgs({"rm", "--", "-weird", "-p"});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->operands, (V{"-weird", "-p"}));
  EXPECT_FALSE(d->parents);
  EXPECT_FALSE(ParseCliArgs({"ls", "-c"}).ok());  // -c needs its file
}

TEST(ParseCliArgs, HelpOfEveryCommand) {
  auto top = ParseCliArgs({"--help"});
  ASSERT_TRUE(top.ok());
  EXPECT_TRUE(top->help);
  for (const char* cmd : {"ls", "mkdir", "put", "get", "rm", "rmr", "mv", "stat", "df", "du",
                          "setrep", "fsck", "cluster", "blockd"})
    EXPECT_NE(top->help_text.find(cmd), std::string::npos) << cmd;
  EXPECT_EQ(CliUsage(), top->help_text);

  auto mk = ParseCliArgs({"mkdir", "--help"});
  ASSERT_TRUE(mk.ok());
  EXPECT_TRUE(mk->help);
  EXPECT_NE(mk->help_text.find("--parents"), std::string::npos);
  EXPECT_EQ(mk->help_text.find("setrep"), std::string::npos);  // only mkdir's

  auto st = ParseCliArgs({"-n", "h:1", "cluster", "status", "-h"});
  ASSERT_TRUE(st.ok());
  EXPECT_NE(st->help_text.find("--json"), std::string::npos);
  EXPECT_TRUE(ParseCliArgs({"-ls", "--help"})->help);  // the seed form too
}

TEST(ParseCliArgs, ErrorsNameWhatIsWrong) {
  auto msg = [](const V& argv) { return ParseCliArgs(argv).status().message(); };
  EXPECT_EQ(msg({}), "no command given");
  EXPECT_EQ(msg({"frob", "/a"}), "unknown command 'frob'");
  EXPECT_EQ(msg({"-z"}), "unknown option '-z'");
  EXPECT_EQ(msg({"-z", "ls"}), "ls: unexpected '-z'");
  EXPECT_EQ(msg({"-n"}), "-n needs an argument");
  EXPECT_EQ(msg({"cluster"}), "cluster: which? cluster status");
  EXPECT_NE(msg({"ls", "--json"}).find("ls: "), std::string::npos);
  EXPECT_NE(msg({"ls", "--json"}).find("--json"), std::string::npos);
  EXPECT_NE(msg({"put", "/a"}).find("put: "), std::string::npos);
  EXPECT_NE(msg({"blockd", "explode", "h:1"}).find("blockd"), std::string::npos);
}

TEST(ParseCliArgs, LongFlagSpellings) {
  auto a = ParseCliArgs({"mkdir", "--parents", "/a"});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_TRUE(a->parents);
  EXPECT_TRUE(ParseCliArgs({"du", "--summarize", "/a"})->summary);
  EXPECT_TRUE(ParseCliArgs({"setrep", "--recursive", "/a", "2"})->recursive);
  EXPECT_TRUE(ParseCliArgs({"put", "--force", "-", "/a"})->force);
}

}  // namespace
}  // namespace opendfs::cli
