// df, cluster status and top.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "mount/cli/commands.h"
#include "mount/cli/format.h"
#include "mount/cli/json_out.h"
#include "mount/cli/top.h"

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

// Scrapes the leader twice per refresh; a leader change between two scrapes
// makes counters go backwards, which TopRows shows as no activity.
int CmdTop(const CliArgs& a, Ctx& c) {
  const bool tty = isatty(STDOUT_FILENO) == 1;
  auto scrape = [&]() -> Result<std::vector<MetricSample>> {
    ODFS_ASSIGN_OR_RETURN(client::ClusterInfo ci, c.meta.ClusterStatus(c.cred, true));
    return ParseMetricsText(ci.metrics_text);
  };
  auto before = scrape();
  if (!before.ok()) return c.Fail("top", "", before.status());
  auto at = std::chrono::steady_clock::now();
  for (int n = 0; a.count == 0 || n < a.count; ++n) {
    std::this_thread::sleep_for(std::chrono::duration<double>(a.interval_s));
    auto after = scrape();
    if (!after.ok()) return c.Fail("top", "", after.status());
    auto now = std::chrono::steady_clock::now();
    const double secs = std::chrono::duration<double>(now - at).count();
    std::string table = FormatTop(TopRows(*before, *after, secs), tty ? 30 : 1000);
    if (tty) std::fputs("\033[H\033[2J", stdout);  // home, clear: one screen per refresh
    std::printf("opendfs top: leader's answers per second over %.1f s\n%s", secs, table.c_str());
    if (!tty) std::fputs("\n", stdout);
    std::fflush(stdout);
    before = std::move(after);
    at = now;
  }
  return 0;
}

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
