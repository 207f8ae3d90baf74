// opendfs: the command-line client (the seed's dfscli plus admin commands).
// Parses the command line (cli_args.h), finds the cluster (cluster_finder.h),
// resolves relative remote paths, runs one command
// (commands.h) and exits 0, 1 (the command failed) or 2 (usage).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "libnet/log.h"
#include "libnet/version.h"
#include "mount/cli/cli_args.h"
#include "mount/cli/cluster_finder.h"
#include "mount/cli/commands.h"

int main(int argc, char** argv) {
  using namespace opendfs;
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = cli::ParseCliArgs(args);
  if (!parsed.ok()) {
    std::fprintf(stderr, "opendfs: %s\nRun 'opendfs --help' (or 'opendfs COMMAND --help').\n",
                 parsed.status().message().c_str());
    return 2;
  }
  if (parsed->version) {
    std::printf("opendfs %s\n", kVersion);
    return 0;
  }
  if (parsed->help) {
    std::fputs(parsed->help_text.c_str(), stdout);
    return 0;
  }
  if (parsed->command == "key generate") return cli::CmdKeyGenerate(*parsed);
  auto found = cli::FindCluster(*parsed, cli::ReadCliEnv());
  if (!found.ok()) {
    std::fprintf(stderr, "opendfs: %s\n", found.status().message().c_str());
    return 2;
  }
  cli::ResolveRemoteOperands(found->cwd_remote, *parsed);
  Logger log(LogLevel::kWarn);
  cli::Ctx ctx(std::move(found->config), log);
  return cli::RunCommand(*parsed, ctx);
}
