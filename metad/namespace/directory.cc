// Directory: cookie-ordered entries + name index. Tombstones are compacted
// when they outnumber live entries, which rebuilds the index (positions move;
// cookies do not).
#include "metad/namespace/directory.h"

#include <algorithm>
#include <functional>

#include "libnet/check.h"

namespace opendfs::metad {

size_t Directory::Home(std::string_view name) const {
  return std::hash<std::string_view>{}(name) & (index_.size() - 1);
}

size_t Directory::ProbeName(std::string_view name) const {
  if (index_.empty()) return kNone;
  const size_t mask = index_.size() - 1;
  for (size_t p = Home(name);; p = (p + 1) & mask) {
    uint32_t pos = index_[p];
    if (pos == kEmpty) return kNone;
    if (entries_[pos].name == name) return p;
  }
}

const Directory::Entry* Directory::Find(std::string_view name) const {
  size_t p = ProbeName(name);
  return p == kNone ? nullptr : &entries_[index_[p]];
}

size_t Directory::LowerBound(uint64_t cookie) const {
  auto it = std::lower_bound(
      entries_.begin(), entries_.end(), cookie,
      [](const Entry& e, uint64_t c) { return e.cookie < c; });
  return static_cast<size_t>(it - entries_.begin());
}

void Directory::RebuildIndex(size_t capacity) {
  index_.assign(capacity, kEmpty);
  const size_t mask = capacity - 1;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].child == 0) continue;
    size_t p = Home(entries_[i].name);
    while (index_[p] != kEmpty) p = (p + 1) & mask;
    index_[p] = static_cast<uint32_t>(i);
  }
}

void Directory::Append(std::string_view name, InodeId child, uint64_t cookie) {
  ODFS_CHECK(child != 0);
  ODFS_CHECK(entries_.size() < kEmpty - 1);
  // Index load factor (counting tombstoned positions, which hold no slot)
  // stays under 3/4.
  if (index_.empty() || (live_ + 1) * 4 > index_.size() * 3)
    RebuildIndex(std::max<size_t>(8, index_.size() * 2));
  entries_.push_back(Entry{child, cookie, std::string(name)});
  const size_t mask = index_.size() - 1;
  size_t p = Home(name);
  while (index_[p] != kEmpty) p = (p + 1) & mask;
  index_[p] = static_cast<uint32_t>(entries_.size() - 1);
  ++live_;
}

uint64_t Directory::Insert(std::string_view name, InodeId child) {
  ODFS_CHECK(Find(name) == nullptr);
  uint64_t cookie = next_cookie_++;
  Append(name, child, cookie);
  return cookie;
}

void Directory::InsertWithCookie(std::string_view name, InodeId child,
                                 uint64_t cookie) {
  ODFS_CHECK(Find(name) == nullptr);
  ODFS_CHECK(cookie < next_cookie_);
  ODFS_CHECK(entries_.empty() || entries_.back().cookie < cookie);
  Append(name, child, cookie);
}

void Directory::Repoint(std::string_view name, InodeId child) {
  size_t p = ProbeName(name);
  ODFS_CHECK(p != kNone);
  ODFS_CHECK(child != 0);
  entries_[index_[p]].child = child;
}

void Directory::Remove(std::string_view name) {
  size_t p = ProbeName(name);
  ODFS_CHECK(p != kNone);
  Entry& e = entries_[index_[p]];
  e.child = 0;
  std::string().swap(e.name);
  --live_;
  // Backward-shift deletion in the index.
  const size_t mask = index_.size() - 1;
  size_t hole = p;
  for (size_t q = (p + 1) & mask; index_[q] != kEmpty; q = (q + 1) & mask) {
    size_t home = Home(entries_[index_[q]].name);
    bool stays = hole <= q ? (hole < home && home <= q) : (hole < home || home <= q);
    if (stays) continue;
    index_[hole] = index_[q];
    hole = q;
  }
  index_[hole] = kEmpty;
  // Drop leading tombstones cheaply; compact when tombstones dominate.
  size_t dead = entries_.size() - live_;
  if (live_ == 0) {
    entries_.clear();
    index_.clear();
  } else if (dead > 32 && dead > live_) {
    Compact();
  }
}

void Directory::Compact() {
  std::deque<Entry> kept;
  for (Entry& e : entries_)
    if (e.child != 0) kept.push_back(std::move(e));
  entries_.swap(kept);
  size_t cap = 8;
  while (live_ * 4 > cap * 3) cap *= 2;
  RebuildIndex(cap);
}

}  // namespace opendfs::metad
