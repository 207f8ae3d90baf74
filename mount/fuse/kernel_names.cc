// KernelNames; see kernel_names.h.
#include "mount/fuse/kernel_names.h"

#include <algorithm>

namespace opendfs::mountfs {

void KernelNames::Record(uint64_t parent, std::string_view name, uint64_t ino) {
  std::lock_guard<std::mutex> lock(mu_);
  std::deque<std::string>& names = names_[parent];
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    if (names.size() >= kMaxNamesPerDir) names.pop_front();
    names.emplace_back(name);
  }
  if (ino == 0) return;
  std::vector<uint64_t>& dirs = parents_[ino];
  if (std::find(dirs.begin(), dirs.end(), parent) != dirs.end()) return;
  if (dirs.size() >= kMaxDirsPerChild) dirs.erase(dirs.begin());
  dirs.push_back(parent);
}

std::vector<std::pair<uint64_t, std::string>> KernelNames::NamesNear(uint64_t ino) const {
  std::vector<std::pair<uint64_t, std::string>> out;
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

std::vector<std::string> KernelNames::NamesIn(uint64_t dir) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto n = names_.find(dir);
  if (n == names_.end()) return {};
  return std::vector<std::string>(n->second.begin(), n->second.end());
}

void KernelNames::Forgotten(uint64_t ino) {
  std::lock_guard<std::mutex> lock(mu_);
  parents_.erase(ino);
  names_.erase(ino);
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

}  // namespace opendfs::mountfs
