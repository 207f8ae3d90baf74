#include "metad/replication/commit_trace.h"

#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace opendfs::replication {

const char* StageName(CommitStage s) {
  switch (s) {
    case CommitStage::kQueued: return "queued";
    case CommitStage::kProposeToAcceptsOut: return "propose_to_accepts_out";
    case CommitStage::kLeaderFsync: return "leader_fsync";
    case CommitStage::kFollowerFsync: return "follower_fsync";
    case CommitStage::kAcceptInbox: return "accept_inbox";
    case CommitStage::kAcceptedInbox: return "accepted_inbox";
    case CommitStage::kFollowerTurnaround: return "follower_turnaround";
    case CommitStage::kAcceptsOutToChosen: return "accepts_out_to_chosen";
    case CommitStage::kFsyncToChosen: return "fsync_to_chosen";
    case CommitStage::kApplyAndAnswer: return "apply_and_answer";
    case CommitStage::kLeaderTotal: return "leader_total";
    case CommitStage::kEditLogSync: return "editlog_sync";
    case CommitStage::kAfterBatch: return "after_batch";
    case CommitStage::kBatchRecords: return "batch_records";
    case CommitStage::kCount: break;
  }
  return "?";
}

CommitTrace::CommitTrace(bool enabled, Logger& log, int64_t idle_ms)
    : enabled_(enabled), log_(log), idle_ns_(idle_ms * 1'000'000) {}

bool CommitTrace::EnabledByEnv() {
  const char* v = std::getenv("OPENDFS_COMMIT_TRACE");
  return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
}

int64_t CommitTrace::NowNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void CommitTrace::Add(CommitStage stage, int64_t value) {
  std::lock_guard lock(mu_);
  Samples& s = stages_[static_cast<size_t>(stage)];
  if (s.values.size() < kSamplesMax) s.values.push_back(value);
  ++s.count;
  last_sample_ns_ = NowNs();
  dirty_ = true;
}

std::string CommitTrace::SummaryLocked(CommitStage stage) {
  Samples& s = stages_[static_cast<size_t>(stage)];
  if (s.values.empty()) return "";
  std::sort(s.values.begin(), s.values.end());
  auto pct = [&](double p) {
    return s.values[std::min(s.values.size() - 1, static_cast<size_t>(p * s.values.size()))];
  };
  if (stage == CommitStage::kBatchRecords)
    return fmt::format("commit_trace: stage={} n={} p50={} p99={} max={}", StageName(stage),
                       s.count, pct(0.5), pct(0.99), s.values.back());
  auto us = [](int64_t ns) { return static_cast<double>(ns) / 1000.0; };
  return fmt::format("commit_trace: stage={} n={} p50_us={:.1f} p99_us={:.1f} max_us={:.1f}",
                     StageName(stage), s.count, us(pct(0.5)), us(pct(0.99)), us(s.values.back()));
}

std::string CommitTrace::Summary(CommitStage stage) {
  std::lock_guard lock(mu_);
  return SummaryLocked(stage);
}

void CommitTrace::MaybeFlush(bool force) {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  if (!dirty_ || (!force && NowNs() - last_sample_ns_ < idle_ns_)) return;
  log_.Info("commit_trace: window ends (stages in commit order; times in microseconds)");
  for (size_t i = 0; i < stages_.size(); ++i) {
    std::string line = SummaryLocked(static_cast<CommitStage>(i));
    if (!line.empty()) log_.Info("{}", line);
    stages_[i] = Samples{};
  }
  dirty_ = false;
}

}  // namespace opendfs::replication
