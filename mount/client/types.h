// Plain value types the client library hands around: who is calling (Cred),
// where a block lives (BlockLoc), and the decoded replies of metad calls that
// return more than one attribute set. Copyable, no behaviour.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "meta_generated.h"

namespace opendfs::client {

// The caller's credentials (FUSE request context, or the CLI user).
struct Cred {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> groups;  // supplementary groups
};

// One block of a file and its replicas, nearest first.
struct BlockLoc {
  uint64_t index = 0;
  uint64_t block_id = 0;
  uint64_t version = 0;
  uint64_t length = 0;  // committed length
  std::vector<std::string> replicas;
  // Another client is rewriting the block (metad: its write is open): the
  // version the write started from and the replicas known at it, which
  // readers fall back to (schema/meta.fbs BlockLocation). 0 / empty else.
  uint64_t write_from_version = 0;
  std::vector<std::string> write_from_replicas;

  bool in_flux() const { return write_from_version != 0; }
  friend bool operator==(const BlockLoc&, const BlockLoc&) = default;
};

struct OpenResult {
  fb::Attr attr;
  uint64_t handle = 0;
  uint32_t inline_max = 0;  // metad keeps files up to this size inline
  bool has_blocks = false;  // false: the file's data (if any) is inline

  // FileWriterOptions.inline_max for a writer of this file.
  uint32_t inline_limit() const { return has_blocks ? 0 : inline_max; }
};

struct DirEntryInfo {
  std::string name;
  uint64_t ino = 0;
  uint32_t mode = 0;
  uint64_t cookie = 0;  // resume after this entry
  fb::Attr attr;        // only for ReadDir with plus
};

struct DirPage {
  std::vector<DirEntryInfo> entries;
  bool eof = false;
};

// One cache invalidation from the leader (schema/meta.fbs CacheEvent).
struct CacheEventInfo {
  fb::CacheEventKind kind = fb::CacheEventKind::Inode;
  uint64_t ino = 0;
  uint64_t parent = 0;
  std::string name;
  bool gone = false;
};

struct CacheEventsPage {
  std::vector<CacheEventInfo> events;
  uint64_t last_seq = 0;  // acknowledge with this once applied
  uint64_t epoch = 0;     // a new one: drop every cache first
};

struct BlocksPage {
  fb::Attr attr;
  std::vector<BlockLoc> blocks;
  std::string inline_data;  // a small file's data (first_index 0)
};

// One write of a small file kept inline (WriteInline).
struct InlineWriteArgs {
  uint32_t offset = 0;
  std::string_view data;
};

// utimensat's explicit times, folded into a WriteInline (nullopt:
// UTIME_OMIT).
struct ExplicitTimes {
  std::optional<int64_t> atime_ns;
  std::optional<int64_t> mtime_ns;
};

struct WriteGrant {
  BlockLoc block;
  uint32_t block_size = 0;
  bool new_block = false;
  uint32_t lease_ms = 0;
};

struct CommitArgs {
  uint64_t ino = 0;
  uint64_t index = 0;
  uint64_t block_id = 0;
  uint64_t version = 0;
  uint64_t length = 0;
  uint64_t file_size = 0;
  int64_t mtime_ns = 0;
  std::vector<std::string> replicas;
};

struct SetAttrArgs {
  uint32_t valid = 0;  // fb::SetAttrBits
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t size = 0;
  int64_t atime_ns = 0;
  int64_t mtime_ns = 0;
  uint64_t handle = 0;  // ftruncate: metad handle of the fd, opened for writing
};

struct StatFsInfo {
  uint64_t capacity_bytes = 0;
  uint64_t used_bytes = 0;
  uint64_t free_bytes = 0;
  uint64_t inodes = 0;
  uint32_t block_size = 0;
  uint32_t name_max = 0;
};

struct MetadInfo {
  std::string address;
  std::string role;
  std::string ballot;
  uint64_t committed_index = 0;
  uint64_t applied_index = 0;
  bool is_leader = false;
};

struct BlockdInfo {
  std::string address;
  std::string rack;
  std::string state;
  uint64_t capacity_bytes = 0;
  uint64_t used_bytes = 0;
  uint64_t blocks = 0;
  uint64_t last_heartbeat_ms = 0;
  bool drained = false;  // decommissioning and safe to switch off
};

struct ClusterInfo {
  std::vector<MetadInfo> metads;
  std::vector<BlockdInfo> blockds;
  uint64_t files = 0;
  uint64_t blocks = 0;
  // The leader's replication monitor (zeros from a follower).
  uint64_t under_replicated = 0;
  uint64_t missing = 0;
  uint64_t corrupt = 0;
  uint64_t pending_copies = 0;
  uint64_t pending_deletions = 0;
  uint64_t copies_completed = 0;
  bool waiting_for_reports = false;
  std::string metrics_text;  // asked for: the answering metad's /metrics text
};

struct BlockdAdminResult {
  std::string state;
  bool drained = false;
  uint64_t blocks = 0;  // replicas it holds
};

// fsck's view of one file (schema/meta.fbs FsckReply).
struct FsckReplicaInfo {
  std::string address;
  std::string rack;
  std::string state;  // good, corrupt, stale, decommissioning, dead
  uint64_t version = 0;
};
struct FsckBlockInfo {
  uint64_t index = 0;
  uint64_t id = 0;
  uint64_t version = 0;
  uint64_t length = 0;
  uint16_t goal = 0;  // 0 while a writer holds it
  uint16_t good = 0;
  bool mis_replicated = false;
  std::vector<FsckReplicaInfo> replicas;
};
struct FsckFileInfo {
  uint16_t goal = 0;
  std::vector<FsckBlockInfo> blocks;
};

inline constexpr uint64_t kRootIno = 1;

// A lock as the metad table sees it (schema/meta.fbs LockSpec): kind 0 =
// POSIX (fcntl/OFD), 1 = flock; type 0 = read, 1 = write, 2 = unlock; end
// inclusive, INT64_MAX = to end of file.
struct LockArgs {
  uint8_t kind = 0;
  uint8_t type = 0;
  uint64_t start = 0;
  uint64_t end = INT64_MAX;
  uint32_t pid = 0;
};

// GetLock's answer: the conflicting lock and the session holding it.
struct HeldLock {
  LockArgs lock;
  uint64_t session = 0;
};

}  // namespace opendfs::client
