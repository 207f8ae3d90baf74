// KernelNames; see kernel_names.h.
#include "mount/fuse/kernel_names.h"

#include <algorithm>

namespace opendfs::mountfs {

void KernelNames::Record(uint64_t parent, std::string_view name, uint64_t ino) {
  std::lock_guard<std::mutex> lock(mu_);
  if (names_[parent].emplace(name).second) {
    order_.emplace_back(parent, std::string(name));
    ++count_;
    Bound();
  }
  if (ino == 0) return;
  std::vector<uint64_t>& dirs = parents_[ino];
  if (std::find(dirs.begin(), dirs.end(), parent) != dirs.end()) return;
  if (dirs.size() >= kMaxDirsPerChild) dirs.erase(dirs.begin());
  dirs.push_back(parent);
}

void KernelNames::Bound() {
  while (count_ > kMaxNames && !order_.empty()) {
    auto [dir, name] = std::move(order_.front());
    order_.pop_front();
    auto d = names_.find(dir);
    if (d == names_.end() || d->second.erase(name) == 0) continue;
    --count_;
    if (d->second.empty()) names_.erase(d);
  }
  if (order_.size() <= 2 * count_ + 1024) return;
  // Most of order_ names what Forgotten() already dropped: rebuild it from
  // what is left (the relative order of survivors is kept).
  std::deque<Name> kept;
  for (Name& n : order_) {
    auto d = names_.find(n.first);
    if (d != names_.end() && d->second.count(n.second) != 0) kept.push_back(std::move(n));
  }
  order_ = std::move(kept);
}

std::vector<KernelNames::Name> KernelNames::NamesNear(uint64_t ino) const {
  std::vector<Name> out;
  std::lock_guard<std::mutex> lock(mu_);
  auto p = parents_.find(ino);
  if (p == parents_.end()) return out;
  for (uint64_t dir : p->second) {
    auto n = names_.find(dir);
    if (n == names_.end()) continue;
    for (const std::string& name : n->second) out.emplace_back(dir, name);
  }
  return out;
}

std::vector<KernelNames::Name> KernelNames::NamesIn(uint64_t dir) const {
  std::vector<Name> out;
  std::lock_guard<std::mutex> lock(mu_);
  auto n = names_.find(dir);
  if (n == names_.end()) return out;
  for (const std::string& name : n->second) out.emplace_back(dir, name);
  return out;
}

std::vector<KernelNames::Name> KernelNames::TakeAll() {
  std::vector<Name> out;
  std::lock_guard<std::mutex> lock(mu_);
  out.reserve(count_);
  for (auto& [dir, names] : names_)
    for (const std::string& name : names) out.emplace_back(dir, name);
  names_.clear();
  parents_.clear();
  order_.clear();
  count_ = 0;
  return out;
}

void KernelNames::Forgotten(uint64_t ino) {
  std::lock_guard<std::mutex> lock(mu_);
  parents_.erase(ino);
  auto n = names_.find(ino);
  if (n == names_.end()) return;
  count_ -= n->second.size();
  names_.erase(n);
  Bound();
}

size_t KernelNames::dirs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return names_.size();
}

size_t KernelNames::names_in(uint64_t dir) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto n = names_.find(dir);
  return n == names_.end() ? 0 : n->second.size();
}

size_t KernelNames::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count_;
}

}  // namespace opendfs::mountfs
