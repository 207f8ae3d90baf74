#include "mount/cli/cli_args.h"

#include <fmt/format.h>

namespace opendfs::cli {

namespace {

Status Bad(std::string what) { return Status(StatusCode::Invalid, std::move(what)); }

struct CommandSpec {
  const char* name;
  size_t min_operands;
  size_t max_operands;  // SIZE_MAX = any
  const char* flags;    // the flags it accepts
};

const CommandSpec kCommands[] = {
    {"ls", 0, SIZE_MAX, ""},
    {"mkdir", 1, SIZE_MAX, "p"},
    {"put", 2, 2, "f"},
    {"get", 2, 2, ""},
    {"rm", 1, SIZE_MAX, ""},
    {"rmr", 1, SIZE_MAX, ""},
    {"mv", 2, 2, ""},
    {"stat", 1, SIZE_MAX, ""},
    {"df", 0, 0, ""},
    {"du", 1, SIZE_MAX, "s"},
    {"setrep", 2, 2, "R"},
    {"cluster status", 0, 0, "j"},
    {"fsck", 0, 1, "bl"},
    {"blockd decommission", 1, 1, ""},
    {"blockd recommission", 1, 1, ""},
};

const CommandSpec* FindCommand(const std::string& name) {
  for (const auto& c : kCommands)
    if (name == c.name) return &c;
  return nullptr;
}

}  // namespace

std::string CliUsage() {
  return "usage: opendfs [-c dfscli.conf | -n host:port[,host:port...]] COMMAND [ARGS]\n"
         "       opendfs --help | --version\n"
         "  ls [PATH...]              list directories (default /)\n"
         "  mkdir [-p] PATH...        make directories\n"
         "  put [-f] LOCAL REMOTE     copy a local file in (- reads stdin; -f overwrites)\n"
         "  get REMOTE LOCAL          copy a file out (- writes stdout)\n"
         "  rm PATH...                remove files\n"
         "  rmr PATH...               remove trees\n"
         "  mv SRC DST                rename\n"
         "  stat PATH...              attributes and block locations\n"
         "  df                        capacity of the cluster\n"
         "  du [-s] PATH...           bytes used under paths\n"
         "  setrep [-R] PATH N        replication goal\n"
         "  cluster status [--json]   metads, blockds and replication queues\n"
         "  fsck [PATH] [--blocks] [--locations]\n"
         "                            check every file's blocks and replicas (exit 1: data missing)\n"
         "  blockd decommission ADDR  drain a blockd (host:port) before switching it off\n"
         "  blockd recommission ADDR  stop draining it\n"
         "The seed's -ls, -mkdir, -put, -get, -rm, -rmr are accepted too.\n"
         "Options may come before or after the command; -- ends them.\n"
         "Cluster: -c FILE (namenode_addr), else -n LIST, else $OPENDFS_METADS, else the\n"
         "OpenDFS mount holding the working directory (relative paths then start there),\n"
         "else /etc/opendfs/dfscli.conf.\n";
}

Result<CliArgs> ParseCliArgs(const std::vector<std::string>& argv) {
  CliArgs a;
  std::vector<std::string> words;
  std::string flags;
  bool only_operands = false;  // after "--"
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& w = argv[i];
    if (only_operands) {
      words.push_back(w);
    } else if (w == "--") {
      only_operands = true;
    } else if (w == "-c" || w == "-n") {
      if (i + 1 >= argv.size()) return Bad(w + " needs an argument");
      (w == "-c" ? a.config_path : a.metads) = argv[++i];
    } else if (w == "-h" || w == "--help") {
      a.help = true;
    } else if (w == "--version") {
      a.version = true;
    } else if (w == "--json") {
      flags += 'j';
    } else if (w == "--blocks") {
      flags += 'b';
    } else if (w == "--locations") {
      flags += 'l';
    } else if (words.empty() && w.size() > 1 && w[0] == '-' &&
               FindCommand(w.substr(1)) != nullptr) {
      words.push_back(w.substr(1));  // the seed's dfscli form: -ls, -put, ...
    } else if (w.size() > 1 && w[0] == '-' && !words.empty()) {
      flags += w.substr(1);
    } else if (w.size() > 1 && w[0] == '-') {
      return Bad(fmt::format("unknown option '{}'", w));
    } else {
      words.push_back(w);
    }
  }
  if (a.help || a.version) return a;
  if (words.empty()) return Bad("no command given");
  std::string name = words[0];
  size_t first_operand = 1;
  if (name == "cluster") {
    if (words.size() < 2 || words[1] != "status")
      return Bad("unknown command 'cluster' (did you mean 'cluster status'?)");
    name = "cluster status";
    first_operand = 2;
  } else if (name == "blockd") {
    if (words.size() < 2 || (words[1] != "decommission" && words[1] != "recommission"))
      return Bad("unknown command 'blockd' (blockd decommission|recommission ADDR)");
    name = "blockd " + words[1];
    first_operand = 2;
  }
  const CommandSpec* spec = FindCommand(name);
  if (spec == nullptr) return Bad(fmt::format("unknown command '{}'", name));
  a.command = name;
  a.operands.assign(words.begin() + static_cast<long>(first_operand), words.end());
  for (char f : flags) {
    if (std::string(spec->flags).find(f) == std::string::npos)
      return Bad(fmt::format("{}: unknown flag '{}'", name,
                             f == 'j'   ? std::string("--json")
                             : f == 'b' ? std::string("--blocks")
                             : f == 'l' ? std::string("--locations")
                                        : "-" + std::string(1, f)));
    a.parents |= f == 'p';
    a.force |= f == 'f';
    a.recursive |= f == 'R';
    a.summary |= f == 's';
    a.json |= f == 'j';
    a.blocks |= f == 'b';
    a.locations |= f == 'l';
  }
  if (a.operands.size() < spec->min_operands || a.operands.size() > spec->max_operands) {
    return Bad(fmt::format("{}: wrong number of operands ({})", name, a.operands.size()));
  }
  return a;
}

}  // namespace opendfs::cli
