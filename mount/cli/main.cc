// opendfs: the command-line client (the seed's dfscli plus admin commands).
// Parses the command line (cli_args.h), finds the cluster, runs one command
// (commands.h) and exits 0, 1 (the command failed) or 2 (usage).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "libnet/log.h"
#include "mount/cli/cli_args.h"
#include "mount/cli/commands.h"

int main(int argc, char** argv) {
  using namespace opendfs;
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = cli::ParseCliArgs(args);
  if (!parsed.ok()) {
    std::fprintf(stderr, "opendfs: %s\n%s", parsed.status().message().c_str(),
                 cli::CliUsage().c_str());
    return 2;
  }
  if (parsed->help) {
    std::fputs(cli::CliUsage().c_str(), stdout);
    return 0;
  }
  auto config = cli::FindCluster(*parsed, std::getenv("OPENDFS_METADS"));
  if (!config.ok()) {
    std::fprintf(stderr, "opendfs: %s\n", config.status().message().c_str());
    return 2;
  }
  Logger log(LogLevel::kWarn);
  cli::Ctx ctx(std::move(*config), log);
  return cli::RunCommand(*parsed, ctx);
}
