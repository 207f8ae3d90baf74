// The command line, parsed with CLI11: one App, a subcommand per command
// (two levels for `cluster status` and `blockd decommission|recommission`),
// -c/-n on the top level and allowed after the command (fallthrough).
#include "mount/cli/cli_args.h"

#include <fmt/format.h>

#include <cstring>

#include <CLI/CLI.hpp>

#include "libnet/version.h"

namespace opendfs::cli {

namespace {

Status Bad(std::string what) { return Status(StatusCode::Invalid, std::move(what)); }

constexpr int kAny = -1;  // no upper bound on operands

// The seed's commands may be written with a leading dash (-ls, -put, ...);
// any command may. Returns argv with that dash removed from the command word.
std::vector<std::string> UndashCommand(const std::vector<std::string>& argv,
                                       const std::vector<std::string>& commands) {
  std::vector<std::string> out = argv;
  for (size_t i = 0; i < out.size(); ++i) {
    const std::string& w = out[i];
    if (w == "-c" || w == "-n") {
      ++i;  // its argument
      continue;
    }
    if (w == "--") break;
    if (w.size() > 1 && w[0] == '-' && w[1] != '-') {
      std::string bare = w.substr(1);
      for (const std::string& c : commands)
        if (bare == c) out[i] = bare;
      if (out[i] != w) break;
      continue;
    }
    if (w.size() > 1 && w[0] == '-') continue;  // some other --option
    break;  // the command word
  }
  return out;
}

// CLI11's wording, shortened to the one-line style of the other errors.
std::string Plain(std::string m) {
  for (const char* p : {"The following argument was not expected: ",
                        "The following arguments were not expected: "}) {
    if (m.rfind(p, 0) == 0) return fmt::format("unexpected '{}'", m.substr(std::strlen(p)));
  }
  return m;
}

// Everything CLI11 needs, built around one CliArgs it fills.
class Parser {
 public:
  Parser() : app_("OpenDFS command-line client: files, health and administration of a cluster.",
                  "opendfs") {
    app_.set_help_flag("-h,--help", "print this help (after a command: that command's help)");
    app_.set_help_all_flag("--help-all", "print the help of every command");
    app_.set_version_flag("--version", fmt::format("opendfs {}", kVersion),
                          "print the version and exit");
    app_.require_subcommand(1);
    app_.fallthrough();  // -c and -n after the command word too
    app_.add_option("-c", a_.config_path, "dfscli.conf to read namenode_addr from")
        ->type_name("FILE");
    app_.add_option("-n", a_.metads, "metads to ask, host:port[,host:port...]")
        ->type_name("LIST");

    Command(app_, "ls", "list directories (default /)", "PATH", 0, kAny);
    Command(app_, "mkdir", "make directories", "PATH", 1, kAny)
        ->add_flag("-p,--parents", a_.parents, "make parents as needed, no error if existing");
    Command(app_, "put", "copy a local file in (LOCAL - reads stdin)", "LOCAL REMOTE", 2, 2)
        ->add_flag("-f,--force", a_.force, "overwrite REMOTE");
    Command(app_, "get", "copy a file out (LOCAL - writes stdout)", "REMOTE LOCAL", 2, 2);
    Command(app_, "rm", "remove files", "PATH", 1, kAny);
    Command(app_, "rmr", "remove trees", "PATH", 1, kAny);
    Command(app_, "mv", "rename", "SRC DST", 2, 2);
    Command(app_, "stat", "attributes and block locations", "PATH", 1, kAny);
    Command(app_, "df", "capacity of the cluster", "", 0, 0);
    Command(app_, "du", "bytes used under paths", "PATH", 1, kAny)
        ->add_flag("-s,--summarize", a_.summary, "one total per PATH");
    Command(app_, "setrep", "set the replication goal (N >= 1)", "PATH N", 2, 2)
        ->add_flag("-R,--recursive", a_.recursive, "every file under PATH");
    fsck_ = Command(app_, "fsck",
                    "check every file's blocks and replicas (exit 1: data missing)", "PATH", 0, 1);
    fsck_->add_flag("--blocks", a_.blocks, "one line per file and block");
    fsck_->add_flag("--locations", a_.locations, "the replicas of every block");

    CLI::App* cluster = app_.add_subcommand("cluster", "the cluster as a whole");
    cluster->require_subcommand(1);
    Command(*cluster, "status", "metads, blockds and replication queues", "", 0, 0)
        ->add_flag("--json", a_.json, "one JSON document");
    CLI::App* top = Command(app_, "top", "live per-operation rates of the cluster's leader", "", 0, 0);
    top->add_option("-i,--interval", a_.interval_s, "seconds between refreshes (default 2)")
        ->check(CLI::Range(0.1, 3600.0));
    top->add_option("--count", a_.count, "stop after N refreshes (default: until interrupted)")
        ->check(CLI::NonNegativeNumber);
    CLI::App* blockd = app_.add_subcommand("blockd", "administer one blockd (root only)");
    blockd->require_subcommand(1);
    Command(*blockd, "decommission", "drain a blockd before switching it off", "ADDR", 1, 1);
    Command(*blockd, "recommission", "stop draining it", "ADDR", 1, 1);
    CLI::App* key = app_.add_subcommand("key", "the cluster key daemons authenticate with");
    key->require_subcommand(1);
    Command(*key, "generate", "a new random key: into a new 0600 FILE, else on stdout", "", 0, 0)
        ->add_option("--out", a_.out_path, "the key file to create (never overwritten)")
        ->type_name("FILE");
    // After the subcommands, which would otherwise inherit it.
    app_.footer(
        "The seed's -ls, -mkdir, -put, -get, -rm, -rmr are accepted too.\n"
        "Options may come before or after the command; -- ends them.\n"
        "Cluster: -c FILE (namenode_addr), else -n LIST, else $OPENDFS_METADS, else the\n"
        "OpenDFS mount holding the working directory (relative paths then start there),\n"
        "else /etc/opendfs/dfscli.conf.\n"
        "Exit status: 0 ok, 1 the command failed, 2 usage.");
  }

  Result<CliArgs> Parse(const std::vector<std::string>& argv) {
    std::vector<std::string> words = UndashCommand(argv, names_);
    std::vector<std::string> reversed(words.rbegin(), words.rend());  // CLI11 pops from the back
    try {
      app_.parse(reversed);
    } catch (const CLI::CallForHelp&) {
      a_.help = true;
      a_.help_text = app_.help();
      return a_;
    } catch (const CLI::CallForAllHelp&) {
      a_.help = true;
      a_.help_text = app_.help("", CLI::AppFormatMode::All);
      return a_;
    } catch (const CLI::CallForVersion&) {
      a_.version = true;
      return a_;
    } catch (const CLI::ParseError& e) {
      std::string where = Selected();
      if (where.empty()) return Bad(NoCommand(argv));
      if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && where == "cluster")
        return Bad("cluster: which? cluster status");
      if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && where == "blockd")
        return Bad("blockd: which? blockd decommission|recommission ADDR");
      if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && where == "key")
        return Bad("key: which? key generate [--out FILE]");
      return Bad(fmt::format("{}: {}", where, Plain(e.what())));
    }
    a_.command = Selected();
    return a_;
  }

 private:
  // Adds a leaf command whose operands go to a_.operands.
  CLI::App* Command(CLI::App& parent, const std::string& name, const std::string& what,
                    const std::string& operand_names, int min, int max) {
    CLI::App* c = parent.add_subcommand(name, what);
    if (max != 0) {
      CLI::Option* o = c->add_option("operands", a_.operands);
      o->type_name("");
      o->expected(min, max == kAny ? CLI::detail::expected_max_vector_size : max);
      if (min > 0) o->required();
      o->option_text(operand_names + (max == kAny ? "..." : ""));
    }
    if (&parent == &app_) names_.push_back(name);
    return c;
  }

  // Why no command was recognised: the first word that is not -c/-n.
  std::string NoCommand(const std::vector<std::string>& argv) const {
    for (size_t i = 0; i < argv.size(); ++i) {
      const std::string& w = argv[i];
      if (w == "-c" || w == "-n") {
        if (i + 1 == argv.size()) return w + " needs an argument";
        ++i;
      } else if (w.size() > 1 && w[0] == '-') {
        return fmt::format("unknown option '{}'", w);
      } else {
        return fmt::format("unknown command '{}'", w);
      }
    }
    return "no command given";
  }

  // "ls", "cluster status", ...: the chain of subcommands given.
  std::string Selected() const {
    std::string name;
    const CLI::App* at = &app_;
    for (;;) {
      std::vector<const CLI::App*> sub = at->get_subcommands([](const CLI::App*) { return true; });
      const CLI::App* chosen = nullptr;
      for (const CLI::App* s : sub)
        if (s->parsed()) chosen = s;
      if (chosen == nullptr) return name;
      name += (name.empty() ? "" : " ") + chosen->get_name();
      at = chosen;
    }
  }

  CliArgs a_;
  CLI::App app_;
  CLI::App* fsck_ = nullptr;
  std::vector<std::string> names_;
};

}  // namespace

std::string CliUsage() {
  Parser p;
  Result<CliArgs> a = p.Parse({"--help"});
  return a.ok() ? a->help_text : std::string();
}

Result<CliArgs> ParseCliArgs(const std::vector<std::string>& argv) {
  Parser p;
  return p.Parse(argv);
}

}  // namespace opendfs::cli
