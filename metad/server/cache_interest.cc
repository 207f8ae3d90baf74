#include "metad/server/cache_interest.h"

namespace opendfs::metad {

bool CacheInterest::Add(uint64_t session, uint64_t ino) {
  PerSession& s = sessions_[session];
  if (s.inodes.count(ino) != 0) return true;
  if (s.inodes.size() >= max_per_session_) {
    s.inodes.clear();
    return false;
  }
  s.inodes.insert(ino);
  return true;
}

bool CacheInterest::Interested(uint64_t session, uint64_t ino) const {
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return false;
  return it->second.all || it->second.inodes.count(ino) != 0;
}

void CacheInterest::SetAll(uint64_t session, bool all) {
  PerSession& s = sessions_[session];
  if (all) s.inodes.clear();
  s.all = all;
}

void CacheInterest::Remove(uint64_t session) { sessions_.erase(session); }

size_t CacheInterest::size(uint64_t session) const {
  auto it = sessions_.find(session);
  return it == sessions_.end() ? 0 : it->second.inodes.size();
}

}  // namespace opendfs::metad
