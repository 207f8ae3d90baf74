// df and cluster status.
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "mount/cli/commands.h"
#include "mount/cli/format.h"
#include "mount/cli/json_out.h"

namespace opendfs::cli {

int CmdDf(const CliArgs&, Ctx& c) {
  auto s = c.meta.StatFs(c.cred);
  if (!s.ok()) return c.Fail("df", "", s.status());
  int pct = s->capacity_bytes
                ? static_cast<int>((100 * s->used_bytes + s->capacity_bytes - 1) / s->capacity_bytes)
                : 0;
  std::printf("%-24s %10s %10s %10s %5s %10s\n", "Filesystem", "Size", "Used", "Avail", "Use%",
              "Inodes");
  std::printf("%-24s %10s %10s %10s %4d%% %10llu\n",
              ("opendfs:" + c.meta.leader()).c_str(), HumanSize(s->capacity_bytes).c_str(),
              HumanSize(s->used_bytes).c_str(), HumanSize(s->free_bytes).c_str(), pct,
              static_cast<unsigned long long>(s->inodes));
  return 0;
}

namespace {

void PrintText(const client::ClusterInfo& ci) {
  std::printf("metads:\n  %-22s %-10s %-6s %12s %12s\n", "ADDRESS", "ROLE", "LEADER",
              "COMMITTED", "APPLIED");
  for (const auto& m : ci.metads) {
    std::printf("  %-22s %-10s %-6s %12llu %12llu\n", m.address.c_str(), m.role.c_str(),
                m.is_leader ? "yes" : "no", static_cast<unsigned long long>(m.committed_index),
                static_cast<unsigned long long>(m.applied_index));
  }
  std::printf("blockds:\n  %-22s %-12s %-14s %10s %10s %10s %12s\n", "ADDRESS", "RACK",
              "STATE", "CAPACITY", "USED", "BLOCKS", "HEARTBEAT");
  for (const auto& b : ci.blockds) {
    std::string state = b.drained ? "drained" : b.state;
    std::printf("  %-22s %-12s %-14s %10s %10s %10llu %10llums\n", b.address.c_str(),
                b.rack.c_str(), state.c_str(), HumanSize(b.capacity_bytes).c_str(),
                HumanSize(b.used_bytes).c_str(), static_cast<unsigned long long>(b.blocks),
                static_cast<unsigned long long>(b.last_heartbeat_ms));
  }
  auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  std::printf("files: %llu  blocks: %llu\n", u(ci.files), u(ci.blocks));
  std::printf("replication: under-replicated %llu  missing %llu  corrupt %llu  copying %llu  "
              "deleting %llu  copied %llu%s\n",
              u(ci.under_replicated), u(ci.missing), u(ci.corrupt), u(ci.pending_copies),
              u(ci.pending_deletions), u(ci.copies_completed),
              ci.waiting_for_reports ? "  (waiting for block reports)" : "");
}

}  // namespace

int CmdClusterStatus(const CliArgs& a, Ctx& c) {
  auto ci = c.meta.ClusterStatus(c.cred);
  if (!ci.ok()) return c.Fail("cluster status", "", ci.status());
  if (a.json) {
    std::fputs(ClusterStatusJson(*ci).c_str(), stdout);
  } else {
    PrintText(*ci);
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace opendfs::cli
