// InodeTable: what opendfs-mount remembers per inode the kernel knows.
//
// Lookup counts follow libfuse's passthrough_hp: every reply that hands the
// kernel an entry (lookup, mknod, mkdir, symlink, link, create, each
// readdirplus entry) calls Ref(ino); forget/forget_multi call Forget(ino, n).
// A count going below zero is a bug (ours or the kernel's) and aborts. An
// inode is erased when the kernel forgot it and no file handle is open on it;
// the root is never erased.
//
// Per inode it also keeps the shared FileWriter while a handle has it open
// for writing (all write handles of an inode share one writer, so two fds of
// one process never fight over a block lock), and the (mtime, size) under
// which the kernel's page cache was last valid, for keep_cache at open.
//
// Threads: thread-safe (one mutex, never held while calling out).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "mount/client/file_writer.h"

namespace opendfs::mountfs {

class InodeTable {
 public:
  using WriterFactory = std::function<std::shared_ptr<client::FileWriter>()>;

  void Ref(uint64_t ino);
  void Forget(uint64_t ino, uint64_t n);

  // A handle was opened; for writing, returns the inode's writer (made by
  // `make` if none exists yet), else nullptr.
  std::shared_ptr<client::FileWriter> Open(uint64_t ino, bool for_write,
                                           const WriterFactory& make);
  // A handle was released; the writer is dropped with the last write handle.
  void Close(uint64_t ino, bool for_write);
  // The writer of an inode open for writing, or nullptr.
  std::shared_ptr<client::FileWriter> Writer(uint64_t ino) const;

  // Page-cache validity: true when (mtime_ns, size) equals what was recorded
  // for ino; then records the new pair.
  bool SameContent(uint64_t ino, int64_t mtime_ns, uint64_t size);
  void RecordContent(uint64_t ino, int64_t mtime_ns, uint64_t size);

  // Every writer of an inode still open (for a last flush at unmount).
  std::vector<std::shared_ptr<client::FileWriter>> Writers() const;

  // Every inode the kernel may hold (to drop its cached attributes).
  std::vector<uint64_t> Known() const;
  uint64_t lookups(uint64_t ino) const;
  size_t size() const;

 private:
  struct Entry {
    uint64_t nlookup = 0;
    uint32_t open = 0;
    uint32_t writers = 0;
    std::shared_ptr<client::FileWriter> writer;
    bool content_known = false;
    int64_t mtime_ns = 0;
    uint64_t size = 0;
  };
  void MaybeErase(uint64_t ino);  // REQUIRES(mu_)

  mutable std::mutex mu_;
  std::unordered_map<uint64_t, Entry> inodes_;  // GUARDED_BY(mu_)
};

}  // namespace opendfs::mountfs
