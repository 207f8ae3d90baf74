#include "metad/server/dir_leases.h"

#include <algorithm>

#include "libnet/check.h"

namespace opendfs::metad {
namespace {

uint32_t RetryAfter(int64_t ms) { return static_cast<uint32_t>(std::clamp<int64_t>(ms, 1, 60000)); }

}  // namespace

std::vector<LeaseEnded> DirLeaseTable::StartServing(int64_t now_ms) {
  std::vector<LeaseEnded> out;
  std::vector<uint64_t> dirs;
  dirs.reserve(leases_.size());
  for (const auto& [dir, lease] : leases_) dirs.push_back(dir);
  for (uint64_t dir : dirs) out.push_back(End(dir, true, now_ms));
  cooldown_until_ms_.clear();
  grace_until_ms_ = now_ms + options_.grace_ms;
  return out;
}

LeaseGrant DirLeaseTable::Acquire(uint64_t session, uint64_t dir, int64_t now_ms) {
  ODFS_CHECK(session != 0);
  if (now_ms < grace_until_ms_) return {LeaseRefusal::kGrace, RetryAfter(grace_until_ms_ - now_ms)};
  auto it = leases_.find(dir);
  if (it != leases_.end()) {
    // A recall in progress: the holder is about to give it back.
    if (it->second.recalling) return {LeaseRefusal::kRecalling, RetryAfter(options_.cooldown_ms)};
    if (it->second.session == session) return {};
    return {LeaseRefusal::kHeld, RetryAfter(options_.cooldown_ms)};
  }
  if (auto c = cooldown_until_ms_.find(dir); c != cooldown_until_ms_.end()) {
    if (now_ms < c->second) return {LeaseRefusal::kCoolingDown, RetryAfter(c->second - now_ms)};
    cooldown_until_ms_.erase(c);
  }
  if (leases_of(session) >= options_.max_leases_per_session)
    return {LeaseRefusal::kTooMany, RetryAfter(options_.cooldown_ms)};
  leases_[dir].session = session;
  by_session_[session].insert(dir);
  return {};
}

bool DirLeaseTable::Adopt(uint64_t session, uint64_t dir) {
  ODFS_CHECK(session != 0);
  auto it = leases_.find(dir);
  if (it != leases_.end()) return it->second.session == session;
  if (leases_of(session) >= options_.max_leases_per_session) return false;
  leases_[dir].session = session;
  by_session_[session].insert(dir);
  return true;
}

GateOutcome DirLeaseTable::Gate(uint64_t session, std::span<const uint64_t> dirs, int64_t now_ms,
                                Work& work) {
  for (uint64_t dir : dirs) {
    auto it = leases_.find(dir);
    if (it == leases_.end() || (session != 0 && it->second.session == session)) continue;
    Lease& lease = it->second;
    if (lease.parked.size() >= options_.max_parked_per_dir ||
        parked_total_ >= options_.max_parked_total)
      return {GateOutcome::Kind::kBusy, dir, 0};
    lease.parked.push_back(std::move(work));
    ++parked_total_;
    GateOutcome out{GateOutcome::Kind::kParked, dir, 0};
    if (!lease.recalling) {
      lease.recalling = true;
      lease.recall_started_ms = now_ms;
      out.recall_session = lease.session;
    }
    return out;
  }
  return {};
}

std::optional<LeaseEnded> DirLeaseTable::Release(uint64_t session, uint64_t dir, int64_t now_ms) {
  if (!Holds(session, dir)) return std::nullopt;
  return End(dir, false, now_ms);
}

std::vector<LeaseEnded> DirLeaseTable::Tick(int64_t now_ms) {
  std::vector<uint64_t> due;
  for (const auto& [dir, lease] : leases_)
    if (lease.recalling && now_ms - lease.recall_started_ms >= options_.recall_timeout_ms)
      due.push_back(dir);
  std::vector<LeaseEnded> out;
  for (uint64_t dir : due) out.push_back(End(dir, true, now_ms));
  std::erase_if(cooldown_until_ms_, [now_ms](const auto& c) { return now_ms >= c.second; });
  return out;
}

std::vector<LeaseEnded> DirLeaseTable::DropSession(uint64_t session, int64_t now_ms) {
  std::vector<LeaseEnded> out;
  auto it = by_session_.find(session);
  if (it == by_session_.end()) return out;
  std::vector<uint64_t> dirs(it->second.begin(), it->second.end());
  for (uint64_t dir : dirs) out.push_back(End(dir, true, now_ms));
  return out;
}

LeaseEnded DirLeaseTable::End(uint64_t dir, bool revoked, int64_t now_ms) {
  auto it = leases_.find(dir);
  ODFS_CHECK(it != leases_.end());
  Lease& lease = it->second;
  LeaseEnded out;
  out.dir = dir;
  out.session = lease.session;
  out.revoked = revoked;
  if (lease.recalling) {
    out.recall_wait_ms = now_ms - lease.recall_started_ms;
    cooldown_until_ms_[dir] = now_ms + options_.cooldown_ms;
  }
  ODFS_CHECK(parked_total_ >= lease.parked.size());
  parked_total_ -= lease.parked.size();
  out.work = std::move(lease.parked);
  auto s = by_session_.find(lease.session);
  ODFS_CHECK(s != by_session_.end());
  s->second.erase(dir);
  if (s->second.empty()) by_session_.erase(s);
  leases_.erase(it);
  return out;
}

uint64_t DirLeaseTable::Holder(uint64_t dir) const {
  auto it = leases_.find(dir);
  return it == leases_.end() ? 0 : it->second.session;
}

std::vector<uint64_t> DirLeaseTable::Holders() const {
  std::vector<uint64_t> out;
  out.reserve(by_session_.size());
  for (const auto& [session, dirs] : by_session_) out.push_back(session);
  return out;
}

size_t DirLeaseTable::leases_of(uint64_t session) const {
  auto it = by_session_.find(session);
  return it == by_session_.end() ? 0 : it->second.size();
}

}  // namespace opendfs::metad
