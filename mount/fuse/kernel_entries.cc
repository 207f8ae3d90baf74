#include "mount/fuse/kernel_entries.h"

namespace opendfs::mountfs {

std::string KernelEntries::Key(uint64_t parent, std::string_view name) {
  std::string k(reinterpret_cast<const char*>(&parent), sizeof(parent));
  k.append(name);
  return k;
}

void KernelEntries::Note(uint64_t parent, std::string_view name, int64_t now_ms) {
  std::lock_guard lock(mu_);
  // The deque may hold a name several times; the map says which is newest.
  while (!order_.empty() &&
         (order_.front().at_ms + max_age_ms_ < now_ms || order_.size() >= max_entries_)) {
    auto it = last_.find(Key(order_.front().parent, order_.front().name));
    if (it != last_.end() && it->second == order_.front().at_ms) last_.erase(it);
    order_.pop_front();
  }
  std::string key = Key(parent, name);
  auto [it, added] = last_.try_emplace(key, now_ms);
  if (!added && it->second == now_ms) return;  // already noted at this instant
  it->second = now_ms;
  order_.push_back(Noted{parent, std::string(name), now_ms});
}

std::vector<std::pair<uint64_t, std::string>> KernelEntries::TakeAll() {
  std::lock_guard lock(mu_);
  std::vector<std::pair<uint64_t, std::string>> out;
  out.reserve(last_.size());
  for (Noted& n : order_) {
    auto it = last_.find(Key(n.parent, n.name));
    if (it == last_.end() || it->second != n.at_ms) continue;  // a newer copy follows
    out.emplace_back(n.parent, std::move(n.name));
  }
  order_.clear();
  last_.clear();
  return out;
}

size_t KernelEntries::size() const {
  std::lock_guard lock(mu_);
  return last_.size();
}

}  // namespace opendfs::mountfs
