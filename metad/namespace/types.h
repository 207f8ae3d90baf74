// Plain value types of the in-memory namespace: ids, the caller, attributes,
// directory listings, block lists and the result of applying an editlog record.
// No behaviour lives here.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "libnet/status.h"

namespace opendfs::metad {

using InodeId = uint64_t;
using BlockId = uint64_t;

inline constexpr InodeId kRootInode = 1;
inline constexpr size_t kMaxNameBytes = 255;          // one path component
inline constexpr size_t kMaxSymlinkBytes = 4096;      // symlink target
inline constexpr size_t kMaxXattrNameBytes = 255;
inline constexpr size_t kMaxXattrValueBytes = 64 * 1024;
inline constexpr uint32_t kMaxLinks = 65000;          // hard links per inode
inline constexpr uint32_t kMaxInlineBytes = 64 * 1024;  // small file kept inline
inline constexpr uint32_t kMaxBlocksPerLookup = 10;   // GetBlocks count cap
// Bounds that keep one record from growing memory without limit on every
// replica: blocks per file (holes included; 1 PiB at 256 MiB blocks) and the
// total name + value bytes of one inode's xattrs.
inline constexpr uint32_t kMaxBlocksPerFile = 1u << 22;
inline constexpr size_t kMaxXattrBytesPerInode = 1 << 20;
// Readdir cookies of real entries start here; 0 means "from the start" and
// 1, 2 are left to the caller for "." and ".." (ReadDir never returns them).
inline constexpr uint64_t kFirstCookie = 3;

// rename(2) flags as on Linux.
inline constexpr uint32_t kRenameNoReplace = 1;
inline constexpr uint32_t kRenameExchange = 2;
// setxattr(2) flags as on Linux.
inline constexpr uint32_t kXattrCreate = 1;
inline constexpr uint32_t kXattrReplace = 2;
// access(2) mask bits.
inline constexpr int kAccessRead = 4;
inline constexpr int kAccessWrite = 2;
inline constexpr int kAccessExec = 1;

// The caller of an operation (uid, primary gid, supplementary groups).
struct Cred {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> groups;

  static Cred Root() { return Cred{}; }
};

// Non-owning view of a caller, built from a Cred or an editlog record.
struct CredView {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::span<const uint32_t> groups;

  CredView() = default;
  CredView(uint32_t u, uint32_t g, std::span<const uint32_t> gs)
      : uid(u), gid(g), groups(gs) {}
  CredView(const Cred& c)  // NOLINT: implicit by design
      : uid(c.uid), gid(c.gid), groups(c.groups) {}

  bool is_root() const { return uid == 0; }
  bool InGroup(uint32_t g) const;
};

// A block of a regular file. id 0 is a hole (reads as zeros).
struct BlockInfo {
  BlockId id = 0;
  uint32_t version = 0;
  uint32_t length = 0;

  friend bool operator==(const BlockInfo&, const BlockInfo&) = default;
};

// stat(2)-like attributes of an inode.
struct Attr {
  InodeId ino = 0;
  uint32_t mode = 0;  // file type and permission bits
  uint32_t nlink = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t size = 0;
  uint64_t rdev = 0;
  int64_t atime_ns = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  uint32_t block_size = 0;       // regular files
  uint8_t replication = 0;       // regular files: replication goal
  uint64_t allocated_bytes = 0;  // sum of block lengths + inline bytes (st_blocks)
  uint32_t block_count = 0;      // regular files: entries in the block list
  uint32_t inline_bytes = 0;     // regular files: data kept inline

  friend bool operator==(const Attr&, const Attr&) = default;
};

// One directory entry returned by ReadDir (readdirplus: with attributes).
struct DirListEntry {
  std::string name;
  uint64_t cookie = 0;  // pass back as after_cookie to continue after it
  Attr attr;
};

struct DirPage {
  std::vector<DirListEntry> entries;
  bool end = false;  // no entry with a larger cookie exists right now
};

// GetBlocks: up to kMaxBlocksPerLookup blocks from first_index.
struct FileBlocks {
  uint64_t size = 0;
  uint32_t block_size = 0;
  uint32_t block_count = 0;  // blocks in the whole file
  uint32_t first_index = 0;
  std::vector<BlockInfo> blocks;
  std::string inline_data;  // a small file's data (first_index 0 only)
};

// What applying one editlog record did. On failure only `status` is set and
// the namespace is unchanged.
struct ApplyResult {
  static ApplyResult Failed(Status s) {
    ApplyResult r;
    r.status = std::move(s);
    return r;
  }

  Status status;
  // The inode the operation is about: the new inode (mkdir, create, mknod,
  // symlink), the linked inode (link), the changed inode (setattr, xattr,
  // block records), the moved inode (rename), the removed inode (unlink,
  // rmdir; nlink as left by the operation).
  Attr attr;
  // create without exclusive found an existing file: false, attr is that file.
  bool created = false;
  // The record was a retry of a request already applied (request_table.h):
  // nothing changed, status is the first attempt's.
  bool replayed = false;
  // Block ids no longer referenced: the service deletes them on blockds.
  std::vector<BlockId> freed_blocks;
  // An inode that lost its last link and was kept because of keep_orphan.
  InodeId orphaned = 0;
  // An inode that ceased to exist (last link gone, or purged).
  InodeId freed_inode = 0;
  // Block records: the block after the change. Truncate: the last kept block
  // when it was shortened (has_block says whether it is set).
  bool has_block = false;
  uint32_t block_index = 0;
  BlockInfo block;
  // EditBatch: one result per sub-record, in order (the batch's own status
  // is Ok unless the batch itself was malformed).
  std::vector<ApplyResult> batch;
  // EditReserveInodes: the first delegated id (count from the record).
  InodeId first_reserved = 0;
};

}  // namespace opendfs::metad
