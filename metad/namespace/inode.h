// Inode: the per-inode record of the in-memory namespace, packed because there
// is one per file. Type-specific data that most inodes do not have lives in
// side tables of Namespace (directory entries, symlink targets, device
// numbers, xattrs, small files' inline data); `flags` says whether an inode has
// xattrs or inline data so that the common case never looks there.
#pragma once

#include <sys/stat.h>

#include <cstdint>

#include "metad/namespace/block_vec.h"
#include "metad/namespace/types.h"

namespace opendfs::metad {

struct Inode {
  static constexpr uint8_t kHasXattrs = 1;
  static constexpr uint8_t kOrphan = 2;  // nlink 0, kept by keep_orphan
  static constexpr uint8_t kHasInline = 4;  // small file: data in Namespace::inline_

  InodeId id = 0;  // 0 = free slot
  uint64_t size = 0;
  int64_t atime_ns = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t nlink = 0;
  BlockVec blocks;  // regular files only
  uint32_t block_size = 0;
  uint8_t replication = 0;
  uint8_t flags = 0;

  bool is_dir() const { return S_ISDIR(mode); }
  bool is_reg() const { return S_ISREG(mode); }
  bool is_symlink() const { return S_ISLNK(mode); }
  bool is_dev() const { return S_ISCHR(mode) || S_ISBLK(mode); }
};

static_assert(sizeof(Inode) <= 88, "Inode grew: check the memory budget");

}  // namespace opendfs::metad
