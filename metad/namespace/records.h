// Builders for editlog records (schema/editlog.fbs), for the service that
// proposes them and for tests. Each returns the finished EditRecord bytes;
// VerifyRecord checks bytes received from the log or the network.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "editlog_generated.h"
#include "metad/namespace/types.h"

namespace opendfs::metad::records {

struct CreateArgs {
  InodeId parent = 0;
  std::string_view name;
  InodeId inode = 0;     // fresh id
  uint32_t mode = 0;     // type | permission bits (type 0 = regular file)
  uint64_t rdev = 0;
  bool exclusive = true;
  uint32_t block_size = 0;
  uint8_t replication = 0;
  uint32_t umask = 0;    // applied unless the parent has a default ACL
};

struct SetAttrArgs {
  InodeId inode = 0;
  fb::SetAttrField fields = static_cast<fb::SetAttrField>(0);
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t size = 0;
  int64_t atime_ns = 0;
  int64_t mtime_ns = 0;
  uint8_t replication = 0;
};

std::string Mkdir(InodeId parent, std::string_view name, InodeId inode,
                  uint32_t mode, const Cred& cred, int64_t time_ns,
                  uint32_t umask = 0);
std::string Create(const CreateArgs& args, const Cred& cred, int64_t time_ns);
std::string Symlink(InodeId parent, std::string_view name, InodeId inode,
                    std::string_view target, const Cred& cred, int64_t time_ns);
std::string Link(InodeId inode, InodeId new_parent, std::string_view new_name,
                 const Cred& cred, int64_t time_ns);
std::string Unlink(InodeId parent, std::string_view name, bool keep_orphan,
                   const Cred& cred, int64_t time_ns);
std::string Rmdir(InodeId parent, std::string_view name, const Cred& cred,
                  int64_t time_ns);
std::string Rename(InodeId parent, std::string_view name, InodeId new_parent,
                   std::string_view new_name, uint32_t flags, bool keep_orphan,
                   const Cred& cred, int64_t time_ns);
std::string SetAttr(const SetAttrArgs& args, const Cred& cred, int64_t time_ns);
std::string SetXattr(InodeId inode, std::string_view name, std::string_view value,
                     uint32_t flags, const Cred& cred, int64_t time_ns);
std::string RemoveXattr(InodeId inode, std::string_view name, const Cred& cred,
                        int64_t time_ns);
// `replicas`: blockd addresses ("host:port") — given to the writer
// (AddBlock, BumpBlockVersion) or acknowledged by it (CommitBlock).
std::string AddBlock(InodeId inode, uint32_t index, BlockId block_id,
                     int64_t time_ns, const std::vector<std::string>& replicas = {});
std::string CommitBlock(InodeId inode, uint32_t index, BlockId block_id,
                        uint32_t version, uint32_t length, uint64_t file_size,
                        int64_t time_ns, const std::vector<std::string>& replicas = {},
                        bool kill_setid = false);
std::string BumpBlockVersion(InodeId inode, uint32_t index, BlockId block_id,
                             uint32_t new_version, int64_t time_ns,
                             const std::vector<std::string>& replicas = {});
struct SettleArgs {
  InodeId inode = 0;
  uint32_t index = 0;
  BlockId block_id = 0;
  uint32_t version = 0;        // the open write's version
  std::string_view authority;  // "" = undo the write
  uint32_t length = 0;
  uint64_t file_size = 0;
};
std::string SettleBlock(const SettleArgs& args, int64_t time_ns);
std::string ForgetStaleReplica(BlockId block_id, std::string_view address);
struct InlineExtentView {
  uint32_t offset = 0;
  std::string_view data;
};
std::string WriteInline(InodeId inode, const std::vector<InlineExtentView>& extents,
                        uint64_t file_size, int64_t time_ns, bool kill_setid = false);
// The same with utimensat folded in: atime/mtime set, checked against cred.
// nullopt: that time is left (UTIME_OMIT).
std::string WriteInlineWithTimes(InodeId inode, const std::vector<InlineExtentView>& extents,
                                 uint64_t file_size, std::optional<int64_t> atime_ns,
                                 std::optional<int64_t> mtime_ns, const Cred& cred,
                                 int64_t time_ns, bool kill_setid = false);
std::string Purge(InodeId inode);
std::string Noop();
// One EditBatch of `records` (each a finished EditRecord, as built above).
std::string Batch(const std::vector<std::string>& records);
std::string ReserveInodes(uint32_t count, uint64_t session);
std::string SetBlockdState(std::string_view address, bool decommissioned);

// The record in `bytes`, or nullptr when they fail flatbuffers verification.
// The pointer aliases `bytes`.
const fb::EditRecord* VerifyRecord(std::string_view bytes);

// Marks a record built above as client `client_id`'s request `request_id`
// (exactly-once retries, request_table.h), in place. False (record unchanged)
// when either id is 0.
bool TagClientRequest(std::string& record, uint64_t client_id, uint64_t request_id);

}  // namespace opendfs::metad::records
