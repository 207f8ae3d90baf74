// OpenHandles: see open_handles.h.
#include "mount/client/open_handles.h"

#include <algorithm>
#include <fcntl.h>

namespace opendfs::client {

uint64_t OpenHandles::Add(uint64_t ino, uint32_t flags, uint64_t handle) {
  std::lock_guard<std::mutex> l(mu_);
  uint64_t key = next_key_++;
  open_[key] = Entry{key, ino, flags & O_ACCMODE, handle};
  return key;
}

void OpenHandles::Remove(uint64_t key) {
  std::lock_guard<std::mutex> l(mu_);
  open_.erase(key);
}

uint64_t OpenHandles::Handle(uint64_t key) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = open_.find(key);
  return it == open_.end() ? 0 : it->second.handle;
}

bool OpenHandles::Replace(uint64_t key, uint64_t handle) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = open_.find(key);
  if (it == open_.end()) return false;
  it->second.handle = handle;
  return true;
}

std::vector<OpenHandles::Entry> OpenHandles::Snapshot() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<Entry> out;
  out.reserve(open_.size());
  for (const auto& [key, e] : open_) out.push_back(e);
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.key < b.key; });
  return out;
}

size_t OpenHandles::size() const {
  std::lock_guard<std::mutex> l(mu_);
  return open_.size();
}

}  // namespace opendfs::client
