#include "mount/client/held_locks.h"

#include <algorithm>

namespace opendfs::client {
namespace {

constexpr uint8_t kUnlock = 2;

bool Overlap(const LockArgs& a, const LockArgs& b) { return a.start <= b.end && b.start <= a.end; }
bool Adjacent(const LockArgs& a, const LockArgs& b) {
  return a.end != UINT64_MAX && a.end + 1 == b.start;
}

// `mine` with `r` applied: the same split/merge as metad's LockTable.
std::vector<LockArgs> ApplyRange(const std::vector<LockArgs>& mine, const LockArgs& r) {
  std::vector<LockArgs> out;
  LockArgs merged = r;
  for (const LockArgs& l : mine) {
    bool touches = Overlap(l, r) || Adjacent(l, r) || Adjacent(r, l);
    if (!touches) {
      out.push_back(l);
    } else if (l.type == r.type && r.type != kUnlock) {
      merged.start = std::min(merged.start, l.start);
      merged.end = std::max(merged.end, l.end);
    } else if (!Overlap(l, r)) {
      out.push_back(l);
    } else {
      if (l.start < r.start) {
        LockArgs left = l;
        left.end = r.start - 1;
        out.push_back(left);
      }
      if (l.end > r.end) {
        LockArgs right = l;
        right.start = r.end + 1;
        out.push_back(right);
      }
    }
  }
  if (r.type != kUnlock) out.push_back(merged);
  std::sort(out.begin(), out.end(),
            [](const LockArgs& a, const LockArgs& b) { return a.start < b.start; });
  return out;
}

}  // namespace

void HeldLocks::Apply(uint64_t ino, uint64_t owner, const LockArgs& lock) {
  std::lock_guard l(mu_);
  Key k{ino, owner, lock.kind};
  auto it = held_.find(k);
  std::vector<LockArgs> next =
      ApplyRange(it == held_.end() ? std::vector<LockArgs>{} : it->second, lock);
  if (next.empty()) {
    if (it != held_.end()) held_.erase(it);
  } else {
    held_[k] = std::move(next);
  }
}

bool HeldLocks::Forget(uint64_t ino, uint64_t owner, uint8_t kind) {
  std::lock_guard l(mu_);
  return held_.erase(Key{ino, owner, kind}) != 0;
}

bool HeldLocks::Holds(uint64_t ino, uint64_t owner, uint8_t kind) const {
  std::lock_guard l(mu_);
  return held_.count(Key{ino, owner, kind}) != 0;
}

std::vector<HeldLocks::Entry> HeldLocks::Snapshot() const {
  std::lock_guard l(mu_);
  std::vector<Entry> out;
  for (const auto& [k, v] : held_)
    for (const LockArgs& a : v) out.push_back(Entry{k, a});
  return out;
}

void HeldLocks::Clear() {
  std::lock_guard l(mu_);
  held_.clear();
}

void HeldLocks::NoteHandleOwner(uint64_t fh, uint64_t owner) {
  std::lock_guard l(mu_);
  auto& v = handle_owners_[fh];
  if (std::find(v.begin(), v.end(), owner) == v.end()) v.push_back(owner);
}

std::vector<uint64_t> HeldLocks::TakeHandleOwners(uint64_t fh) {
  std::lock_guard l(mu_);
  auto it = handle_owners_.find(fh);
  if (it == handle_owners_.end()) return {};
  std::vector<uint64_t> out = std::move(it->second);
  handle_owners_.erase(it);
  return out;
}

size_t HeldLocks::size() const {
  std::lock_guard l(mu_);
  size_t n = 0;
  for (const auto& [k, v] : held_) n += v.size();
  return n;
}

}  // namespace opendfs::client
