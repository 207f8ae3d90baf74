// fsck and blockd decommission/recommission: the health of the data.
//
// fsck walks the tree client-side (ReadDir) and asks the leader, per file,
// what it knows of every block (Fsck): good replicas against the goal,
// corrupt and stale ones, rack spread. It prints one line per problem with
// the path, then a summary; exit 1 when a block has no good replica.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "mount/cli/commands.h"
#include "mount/cli/format.h"
#include "mount/client/path.h"

namespace opendfs::cli {
namespace {

struct FsckTotals {
  uint64_t dirs = 0, files = 0, bytes = 0, blocks = 0, replicas = 0;
  uint64_t healthy = 0, under = 0, over = 0, mis = 0, missing = 0;
  uint64_t corrupt_replicas = 0, being_written = 0;
  uint64_t files_with_missing = 0;
};

class Fsck {
 public:
  Fsck(const CliArgs& a, Ctx& c) : a_(a), c_(c), meter_(stderr, isatty(STDERR_FILENO) != 0, "fsck") {}

  Status Check(const std::string& path, uint64_t ino, uint32_t mode, uint64_t size) {
    if (S_ISDIR(mode)) {
      ++t_.dirs;
      return ForEachEntry(c_, ino, true, [&](const client::DirEntryInfo& e) {
        std::string child = path == "/" ? "/" + e.name : path + "/" + e.name;
        return Check(child, e.ino, e.mode, e.attr.size());
      });
    }
    if (!S_ISREG(mode)) return Status::Ok();
    Result<client::FsckFileInfo> f = c_.meta.Fsck(c_.cred, ino);
    if (!f.ok()) {
      if (f.status().code() == StatusCode::NotFound) return Status::Ok();  // removed meanwhile
      return f.status().Annotate(path);
    }
    File(path, size, *f);
    return Status::Ok();
  }

  int Finish(const std::string& root) {
    meter_.Clear();
    bool healthy = t_.missing == 0;
    std::printf("\nStatus: %s\n", healthy ? "HEALTHY" : "MISSING DATA");
    std::printf(" Checked:                 %s\n", root.c_str());
    std::printf(" Directories:             %llu\n", U(t_.dirs));
    std::printf(" Files:                   %llu (%s)\n", U(t_.files), HumanSize(t_.bytes).c_str());
    std::printf(" Blocks:                  %llu (%llu replicas)\n", U(t_.blocks), U(t_.replicas));
    std::printf(" Healthy blocks:          %llu\n", U(t_.healthy));
    std::printf(" Under-replicated blocks: %llu\n", U(t_.under));
    std::printf(" Over-replicated blocks:  %llu\n", U(t_.over));
    std::printf(" Mis-replicated blocks:   %llu\n", U(t_.mis));
    std::printf(" Corrupt replicas:        %llu\n", U(t_.corrupt_replicas));
    std::printf(" Missing blocks:          %llu (in %llu files)\n", U(t_.missing),
                U(t_.files_with_missing));
    std::printf(" Blocks being written:    %llu\n", U(t_.being_written));
    std::fflush(stdout);
    return healthy ? 0 : 1;
  }

 private:
  static unsigned long long U(uint64_t v) { return static_cast<unsigned long long>(v); }

  void File(const std::string& path, uint64_t size, const client::FsckFileInfo& f) {
    ++t_.files;
    t_.bytes += size;
    bool missing_here = false;
    if (a_.blocks || a_.locations) meter_.Clear();  // the listing replaces the meter
    if (a_.blocks || a_.locations)
      std::printf("%s %s, %zu block%s, goal %u\n", path.c_str(), HumanSize(size).c_str(),
                  f.blocks.size(), f.blocks.size() == 1 ? "" : "s", f.goal);
    for (const client::FsckBlockInfo& b : f.blocks) {
      ++t_.blocks;
      t_.replicas += b.replicas.size();
      uint64_t corrupt = 0;
      for (const auto& r : b.replicas) corrupt += r.state == "corrupt";
      t_.corrupt_replicas += corrupt;
      std::string what;
      if (b.goal == 0) {
        ++t_.being_written;
      } else if (b.good == 0) {
        ++t_.missing;
        missing_here = true;
        what = "MISSING (no good replica)";
      } else if (b.good < b.goal) {
        ++t_.under;
        what = fmt::format("under-replicated ({} of {} good replicas)", b.good, b.goal);
      } else if (b.good > b.goal) {
        ++t_.over;
        what = fmt::format("over-replicated ({} good replicas, goal {})", b.good, b.goal);
      } else {
        ++t_.healthy;
      }
      if (b.mis_replicated) {
        ++t_.mis;
        what += std::string(what.empty() ? "" : ", ") + "mis-replicated (every replica on one rack)";
      }
      if (corrupt) what += fmt::format("{}{} corrupt replica{}", what.empty() ? "" : ", ", corrupt,
                                       corrupt == 1 ? "" : "s");
      if (!what.empty()) meter_.Clear();
      if (!what.empty())
        std::printf("%s: block %llu (id %llu, version %llu): %s\n", path.c_str(), U(b.index),
                    U(b.id), U(b.version), what.c_str());
      if (a_.blocks || a_.locations) {
        std::printf("  block %llu id %llu version %llu length %llu good %u/%u", U(b.index), U(b.id),
                    U(b.version), U(b.length), b.good, b.goal);
        if (a_.locations) {
          std::printf(" [");
          for (size_t i = 0; i < b.replicas.size(); ++i) {
            const auto& r = b.replicas[i];
            std::printf("%s%s %s%s", i ? ", " : "", r.address.c_str(), r.state.c_str(),
                        r.rack.empty() ? "" : (" " + r.rack).c_str());
          }
          std::printf("]");
        }
        std::printf("\n");
      }
    }
    t_.files_with_missing += missing_here;
    meter_.Update(t_.files, t_.bytes);
  }

  const CliArgs& a_;
  Ctx& c_;
  ScanProgress meter_;
  FsckTotals t_;
};

}  // namespace

int CmdFsck(const CliArgs& a, Ctx& c) {
  std::string path = a.operands.empty() ? "/" : a.operands[0];
  Result<fb::Attr> r = client::Resolve(c.meta, c.cred, path);
  if (!r.ok()) return c.Fail("fsck", path, r.status());
  Fsck fsck(a, c);
  Status s = fsck.Check(path, r->ino(), r->mode(), r->size());
  if (!s.ok()) return c.Fail("fsck", path, s);
  return fsck.Finish(path);
}

int CmdDecommission(const CliArgs& a, Ctx& c, bool on) {
  const std::string& addr = a.operands[0];
  const char* cmd = on ? "blockd decommission" : "blockd recommission";
  Result<client::BlockdAdminResult> r = c.meta.Decommission(c.cred, addr, on);
  if (!r.ok()) return c.Fail(cmd, addr, r.status());
  if (!on) {
    std::printf("%s: %s (takes new blocks again)\n", addr.c_str(), r->state.c_str());
  } else if (r->drained) {
    std::printf("%s: decommissioned: every block it holds has its replicas elsewhere; "
                "it can be switched off\n", addr.c_str());
  } else {
    std::printf("%s: decommissioning: %llu blocks being copied elsewhere; run the command "
                "again or `opendfs cluster status` to see when it is drained\n",
                addr.c_str(), static_cast<unsigned long long>(r->blocks));
  }
  return 0;
}

}  // namespace opendfs::cli
