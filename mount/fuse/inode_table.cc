#include "mount/fuse/inode_table.h"

#include "libnet/check.h"
#include "mount/client/types.h"

namespace opendfs::mountfs {

void InodeTable::MaybeErase(uint64_t ino) {
  auto it = inodes_.find(ino);
  if (it == inodes_.end()) return;
  const Entry& e = it->second;
  if (e.nlookup == 0 && e.open == 0 && ino != client::kRootIno) inodes_.erase(it);
}

void InodeTable::Ref(uint64_t ino) {
  std::lock_guard<std::mutex> lock(mu_);
  ++inodes_[ino].nlookup;
}

void InodeTable::Forget(uint64_t ino, uint64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = inodes_.find(ino);
  if (ino == client::kRootIno && it == inodes_.end()) return;  // never counted
  ODFS_CHECK_MSG(it != inodes_.end(), "forget of an inode never looked up");
  ODFS_CHECK_MSG(it->second.nlookup >= n || ino == client::kRootIno,
                 "lookup count underflow");
  it->second.nlookup = it->second.nlookup >= n ? it->second.nlookup - n : 0;
  MaybeErase(ino);
}

std::shared_ptr<client::FileWriter> InodeTable::Open(uint64_t ino, bool for_write,
                                                     const WriterFactory& make) {
  std::shared_ptr<client::FileWriter> w;
  if (for_write) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      Entry& e = inodes_[ino];
      ++e.open;
      ++e.writers;
      if (e.writer) return e.writer;
    }
    // Made outside the lock; a racing opener may have installed one.
    w = make();
    std::lock_guard<std::mutex> lock(mu_);
    Entry& e = inodes_[ino];
    if (!e.writer) e.writer = w;
    return e.writer;
  }
  std::lock_guard<std::mutex> lock(mu_);
  ++inodes_[ino].open;
  return nullptr;
}

void InodeTable::Close(uint64_t ino, bool for_write) {
  std::shared_ptr<client::FileWriter> drop;  // destroyed outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  auto it = inodes_.find(ino);
  ODFS_CHECK_MSG(it != inodes_.end(), "close of an inode not open");
  Entry& e = it->second;
  ODFS_CHECK(e.open > 0);
  --e.open;
  if (for_write) {
    ODFS_CHECK(e.writers > 0);
    if (--e.writers == 0) drop = std::move(e.writer);
  }
  MaybeErase(ino);
}

std::shared_ptr<client::FileWriter> InodeTable::Writer(uint64_t ino) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = inodes_.find(ino);
  return it == inodes_.end() ? nullptr : it->second.writer;
}

bool InodeTable::SameContent(uint64_t ino, int64_t mtime_ns, uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e = inodes_[ino];
  bool same = e.content_known && e.mtime_ns == mtime_ns && e.size == size;
  e.content_known = true;
  e.mtime_ns = mtime_ns;
  e.size = size;
  return same;
}

void InodeTable::RecordContent(uint64_t ino, int64_t mtime_ns, uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = inodes_.find(ino);
  if (it == inodes_.end()) return;
  it->second.content_known = true;
  it->second.mtime_ns = mtime_ns;
  it->second.size = size;
}

std::vector<std::shared_ptr<client::FileWriter>> InodeTable::Writers() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<client::FileWriter>> out;
  for (const auto& [ino, e] : inodes_)
    if (e.writer) out.push_back(e.writer);
  return out;
}

uint64_t InodeTable::lookups(uint64_t ino) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = inodes_.find(ino);
  return it == inodes_.end() ? 0 : it->second.nlookup;
}

std::vector<uint64_t> InodeTable::Known() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<uint64_t> out;
  out.reserve(inodes_.size());
  for (const auto& [ino, e] : inodes_) out.push_back(ino);
  return out;
}

size_t InodeTable::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return inodes_.size();
}

}  // namespace opendfs::mountfs
