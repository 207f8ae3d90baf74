// Directory: the entries of one directory, with stable readdir cookies.
//
// Every inserted entry gets the directory's next cookie (a per-directory
// counter that only grows, persisted in the fsimage), and entries are kept in
// cookie order. A listing that resumes "after cookie c" therefore returns every
// entry present for the whole listing exactly once, whatever is inserted or
// removed meanwhile (a rename is a removal plus an insertion with a new
// cookie). Removal leaves a tombstone that a later compaction drops; a
// linear-probing index over positions finds entries by name.
// Single-threaded; owned by Namespace.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "metad/namespace/types.h"

namespace opendfs::metad {

class Directory {
 public:
  struct Entry {
    InodeId child = 0;  // 0 = tombstone
    uint64_t cookie = 0;
    std::string name;
  };

  explicit Directory(InodeId parent) : parent_(parent) {}

  InodeId parent() const { return parent_; }
  void set_parent(InodeId p) { parent_ = p; }
  uint64_t next_cookie() const { return next_cookie_; }
  size_t size() const { return live_; }
  bool empty() const { return live_ == 0; }

  // The entry named `name`, or nullptr.
  const Entry* Find(std::string_view name) const;
  // Adds an entry (name must be absent) with the next cookie; returns it.
  uint64_t Insert(std::string_view name, InodeId child);
  // Adds an entry with a given cookie (fsimage load): cookies must come in
  // increasing order and below next_cookie, which Load sets first.
  void InsertWithCookie(std::string_view name, InodeId child, uint64_t cookie);
  void set_next_cookie(uint64_t c) { next_cookie_ = c; }
  // The largest cookie held (live or tombstone), 0 if none.
  uint64_t last_cookie() const { return entries_.empty() ? 0 : entries_.back().cookie; }
  // Points an existing entry at another inode, keeping its cookie (exchange).
  void Repoint(std::string_view name, InodeId child);
  // Removes an existing entry.
  void Remove(std::string_view name);

  // Calls fn(const Entry&) for live entries with cookie > after_cookie, in
  // cookie order, until fn returns false.
  template <class Fn>
  void ForEachAfter(uint64_t after_cookie, Fn&& fn) const {
    for (size_t i = LowerBound(after_cookie + 1); i < entries_.size(); ++i) {
      const Entry& e = entries_[i];
      if (e.child != 0 && !fn(e)) return;
    }
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  static constexpr size_t kNone = SIZE_MAX;

  size_t LowerBound(uint64_t cookie) const;
  size_t Home(std::string_view name) const;
  size_t ProbeName(std::string_view name) const;  // index position or kNone
  void Append(std::string_view name, InodeId child, uint64_t cookie);
  void RebuildIndex(size_t capacity);
  void Compact();

  InodeId parent_;
  uint64_t next_cookie_ = kFirstCookie;
  size_t live_ = 0;
  std::deque<Entry> entries_;    // cookie order, tombstones included
  std::vector<uint32_t> index_;  // entry position or kEmpty; power-of-two size
};

}  // namespace opendfs::metad
