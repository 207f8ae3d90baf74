#include "metad/server/sessions.h"

#include <fmt/format.h>

namespace opendfs::metad {

uint64_t Sessions::Open(std::string host, int64_t now_ms) {
  std::lock_guard lock(mu_);
  uint64_t id = next_session_++;
  sessions_[id] = Session{std::move(host), now_ms + lease_ms_};
  return id;
}

Status Sessions::KeepAlive(uint64_t session, int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(session);
  if (it == sessions_.end())
    return Status(StatusCode::SessionExpired,
                  fmt::format("session {} is unknown or expired", session));
  it->second.expires_ms = now_ms + lease_ms_;
  // A live writer keeps its block locks: it may hold a block open for a
  // while between commits (random writes, an idle open file). Few locks at
  // a time (blocks being written right now): a scan is cheap.
  for (auto& [block, l] : locks_)
    if (l.session == session) l.expires_ms = now_ms + lease_ms_;
  return Status::Ok();
}

uint64_t Sessions::AddHandle(uint64_t session, uint64_t inode, bool writable) {
  std::lock_guard lock(mu_);
  uint64_t h = next_handle_++;
  handles_[h] = Handle{session, inode, writable};
  ++open_count_[inode];
  return h;
}

bool Sessions::IsWritableHandle(uint64_t handle, uint64_t inode) const {
  std::lock_guard lock(mu_);
  auto it = handles_.find(handle);
  return it != handles_.end() && it->second.inode == inode && it->second.writable;
}

bool Sessions::ReleaseHandle(uint64_t handle, uint64_t inode) {
  std::lock_guard lock(mu_);
  auto it = handles_.find(handle);
  if (it == handles_.end() || it->second.inode != inode) return false;
  handles_.erase(it);
  auto oc = open_count_.find(inode);
  if (oc == open_count_.end()) return true;
  if (--oc->second == 0) {
    open_count_.erase(oc);
    return true;
  }
  return false;
}

bool Sessions::IsOpen(uint64_t inode) const {
  std::lock_guard lock(mu_);
  return open_count_.count(inode) != 0;
}

Status Sessions::LockBlock(uint64_t block, const BlockLock& lock_in, int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto it = locks_.find(block);
  if (it != locks_.end() && it->second.expires_ms > now_ms &&
      it->second.session != lock_in.session)
    return Status(StatusCode::LockHeld,
                  fmt::format("block {} is being written by session {}", block,
                              it->second.session));
  BlockLock l = lock_in;
  l.expires_ms = now_ms + lease_ms_;
  locks_[block] = std::move(l);
  return Status::Ok();
}

bool Sessions::FindLock(uint64_t block, BlockLock* out, int64_t now_ms) const {
  std::lock_guard lock(mu_);
  auto it = locks_.find(block);
  if (it == locks_.end() || it->second.expires_ms <= now_ms) return false;
  if (out) *out = it->second;
  return true;
}

void Sessions::UnlockBlock(uint64_t block, uint64_t session) {
  std::lock_guard lock(mu_);
  auto it = locks_.find(block);
  if (it != locks_.end() && it->second.session == session) locks_.erase(it);
}

std::vector<uint64_t> Sessions::Expire(int64_t now_ms) {
  std::lock_guard lock(mu_);
  std::vector<uint64_t> closed;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.expires_ms > now_ms) {
      ++it;
      continue;
    }
    uint64_t sid = it->first;
    it = sessions_.erase(it);
    for (auto h = handles_.begin(); h != handles_.end();) {
      if (h->second.session != sid) {
        ++h;
        continue;
      }
      uint64_t inode = h->second.inode;
      h = handles_.erase(h);
      auto oc = open_count_.find(inode);
      if (oc != open_count_.end() && --oc->second == 0) {
        open_count_.erase(oc);
        closed.push_back(inode);
      }
    }
  }
  for (auto it = locks_.begin(); it != locks_.end();) {
    bool orphaned = it->second.session != 0 && sessions_.count(it->second.session) == 0;
    if (orphaned || it->second.expires_ms <= now_ms) it = locks_.erase(it);
    else ++it;
  }
  return closed;
}

bool Sessions::Alive(uint64_t session, int64_t now_ms) const {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(session);
  return it != sessions_.end() && it->second.expires_ms > now_ms;
}

void Sessions::SeedIds(uint64_t first) {
  std::lock_guard lock(mu_);
  if (first != 0) next_session_ = first;
}

size_t Sessions::ForgetAll() {
  std::lock_guard lock(mu_);
  size_t n = sessions_.size();
  sessions_.clear();
  handles_.clear();
  open_count_.clear();
  locks_.clear();
  return n;
}

size_t Sessions::session_count() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

}  // namespace opendfs::metad
