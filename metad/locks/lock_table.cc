#include "metad/locks/lock_table.h"

#include <algorithm>

#include <fmt/format.h>

namespace opendfs::metad::locks {
namespace {

bool Overlap(const LockRange& a, const LockRange& b) {
  return a.start <= b.end && b.start <= a.end;
}

bool Clash(const LockRange& held, const LockRange& want) {
  if (held.owner == want.owner || !Overlap(held, want)) return false;
  return held.type == LockType::kWrite || want.type == LockType::kWrite;
}

// a ends right before b starts (no overflow at kToEof).
bool Adjacent(const LockRange& a, const LockRange& b) {
  return a.end != UINT64_MAX && a.end + 1 == b.start;
}

}  // namespace

std::vector<Owner> LockTable::Conflicts(const std::vector<LockRange>& locks,
                                        const LockRange& want) const {
  std::vector<Owner> out;
  if (want.type == LockType::kUnlock) return out;
  for (const LockRange& l : locks)
    if (Clash(l, want) && std::find(out.begin(), out.end(), l.owner) == out.end())
      out.push_back(l.owner);
  return out;
}

std::vector<LockRange> LockTable::Apply(const std::vector<LockRange>& mine, const LockRange& r) {
  std::vector<LockRange> out;
  LockRange merged = r;
  for (const LockRange& l : mine) {
    bool touches = Overlap(l, r) || Adjacent(l, r) || Adjacent(r, l);
    if (!touches) {
      out.push_back(l);
      continue;
    }
    if (l.type == r.type && r.type != LockType::kUnlock) {
      merged.start = std::min(merged.start, l.start);
      merged.end = std::max(merged.end, l.end);
      continue;
    }
    if (!Overlap(l, r)) {  // adjacent, other type: untouched
      out.push_back(l);
      continue;
    }
    if (l.start < r.start) {
      LockRange left = l;
      left.end = r.start - 1;
      out.push_back(left);
    }
    if (l.end > r.end) {
      LockRange right = l;
      right.start = r.end + 1;
      out.push_back(right);
    }
  }
  if (r.type != LockType::kUnlock) out.push_back(merged);
  std::sort(out.begin(), out.end(),
            [](const LockRange& a, const LockRange& b) { return a.start < b.start; });
  return out;
}

Status LockTable::Set(const LockRequest& r, LockRange* conflict) {
  if (r.range.start > r.range.end)
    return Status(StatusCode::Invalid, fmt::format("lock range {}..{} is empty", r.range.start,
                                                   r.range.end));
  FileKey key{r.inode, r.kind};
  auto it = files_.find(key);
  if (it == files_.end()) {
    if (r.range.type == LockType::kUnlock) return Status::Ok();
    it = files_.emplace(key, std::vector<LockRange>{}).first;
  }
  std::vector<LockRange>& locks = it->second;
  for (const LockRange& l : locks) {
    if (r.range.type != LockType::kUnlock && Clash(l, r.range)) {
      if (conflict) *conflict = l;
      return Status(StatusCode::LockHeld,
                    fmt::format("inode {} range {}..{} is locked by session {} owner {:x}",
                                r.inode, l.start, l.end, l.owner.session, l.owner.id));
    }
  }
  std::vector<LockRange> mine, others;
  for (const LockRange& l : locks) (l.owner == r.range.owner ? mine : others).push_back(l);
  std::vector<LockRange> next = Apply(mine, r.range);
  size_t after = others.size() + next.size();
  if (after > locks.size() &&
      (after > kMaxLocksPerFile || total_ + after - locks.size() > kMaxLocks)) {
    if (locks.empty()) files_.erase(it);
    return Status(StatusCode::NoLocks,
                  fmt::format("inode {} has {} lock ranges (at most {} per file, {} in all)",
                              r.inode, locks.size(), kMaxLocksPerFile, kMaxLocks));
  }
  total_ = total_ - locks.size() + after;
  others.insert(others.end(), next.begin(), next.end());
  if (others.empty()) {
    files_.erase(it);
  } else {
    locks = std::move(others);
  }
  return Status::Ok();
}

bool LockTable::WaitsFor(const Owner& from, const Owner& target, int64_t now_ms) const {
  // Depth-first over live waits-for edges, each owner visited once.
  std::vector<Owner> stack{from}, seen;
  while (!stack.empty()) {
    Owner o = stack.back();
    stack.pop_back();
    if (o == target) return true;
    if (std::find(seen.begin(), seen.end(), o) != seen.end()) continue;
    seen.push_back(o);
    auto w = waits_.find(o);
    if (w == waits_.end() || w->second.expires_ms <= now_ms) continue;
    stack.insert(stack.end(), w->second.holders.begin(), w->second.holders.end());
  }
  return false;
}

Status LockTable::SetOrWait(const LockRequest& r, int64_t now_ms, LockRange* conflict) {
  Status s = Set(r, conflict);
  const Owner& me = r.range.owner;
  if (s.code() != StatusCode::LockHeld) {
    waits_.erase(me);
    return s;
  }
  auto it = files_.find(FileKey{r.inode, r.kind});
  std::vector<Owner> holders =
      it == files_.end() ? std::vector<Owner>{} : Conflicts(it->second, r.range);
  for (const Owner& h : holders) {
    if (WaitsFor(h, me, now_ms)) {
      waits_.erase(me);
      return Status(StatusCode::Deadlock,
                    fmt::format("inode {}: waiting for session {} owner {:x} would deadlock",
                                r.inode, h.session, h.id));
    }
  }
  // Expired edges of other owners are dropped here, so the map stays bounded
  // by the owners waiting right now.
  for (auto w = waits_.begin(); w != waits_.end();)
    w = w->second.expires_ms <= now_ms ? waits_.erase(w) : std::next(w);
  waits_[me] = Wait{std::move(holders), now_ms + kWaitEdgeTtlMs};
  return s;
}

std::optional<LockRange> LockTable::Test(const LockRequest& r) const {
  auto it = files_.find(FileKey{r.inode, r.kind});
  if (it == files_.end() || r.range.type == LockType::kUnlock) return std::nullopt;
  for (const LockRange& l : it->second)
    if (Clash(l, r.range)) return l;
  return std::nullopt;
}

size_t LockTable::ReleaseOwner(uint64_t inode, LockKind kind, Owner owner) {
  auto it = files_.find(FileKey{inode, kind});
  if (it == files_.end()) return 0;
  auto& v = it->second;
  size_t before = v.size();
  v.erase(std::remove_if(v.begin(), v.end(), [&](const LockRange& l) { return l.owner == owner; }),
          v.end());
  size_t dropped = before - v.size();
  total_ -= dropped;
  if (v.empty()) files_.erase(it);
  waits_.erase(owner);
  return dropped;
}

size_t LockTable::DropSessions(const std::function<bool(uint64_t)>& alive) {
  size_t dropped = 0;
  for (auto it = files_.begin(); it != files_.end();) {
    auto& v = it->second;
    size_t before = v.size();
    v.erase(std::remove_if(v.begin(), v.end(),
                           [&](const LockRange& l) { return !alive(l.owner.session); }),
            v.end());
    dropped += before - v.size();
    it = v.empty() ? files_.erase(it) : std::next(it);
  }
  for (auto w = waits_.begin(); w != waits_.end();)
    w = alive(w->first.session) ? std::next(w) : waits_.erase(w);
  total_ -= dropped;
  return dropped;
}

std::vector<LockRange> LockTable::LocksOf(uint64_t inode, LockKind kind, Owner owner) const {
  std::vector<LockRange> out;
  auto it = files_.find(FileKey{inode, kind});
  if (it == files_.end()) return out;
  for (const LockRange& l : it->second)
    if (l.owner == owner) out.push_back(l);
  std::sort(out.begin(), out.end(),
            [](const LockRange& a, const LockRange& b) { return a.start < b.start; });
  return out;
}

}  // namespace opendfs::metad::locks
