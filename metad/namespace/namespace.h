// Namespace: the metadata server's in-memory filesystem tree, a deterministic
// state machine over editlog records (DESIGN §3, schema/editlog.fbs).
//
// Happy path: the service builds a record (records.h) with fresh ids from its
// counters (initialised from max_inode_id()/max_block_id()), commits it, then
// calls Apply() and replies from the ApplyResult. Reads (Lookup, GetAttr,
// ReadDir, ...) are answered directly and are not logged.
//
// Failure modes: Apply checks permissions and preconditions from the record
// alone and returns an errno-exact Status (NotFound, Exists, NotEmpty, NotDir,
// IsDir, AccessDenied, NotPermitted, Invalid, NameTooLong, NoData, Range,
// TooBig, TooManyLinks, Stale, StaleVersion, NotSupported); a failed apply
// changes nothing, so replicas stay identical whatever the outcome. Load of a
// damaged image fails with Corrupt and leaves no partial namespace.
//
// Permissions (POSIX): owner/group/other classes with supplementary groups,
// search permission on a directory for every lookup in it, write+search on a
// parent to add or remove entries, sticky directories (only the owner of the
// entry or of the directory, or root, may remove or rename), root passes every
// rwx check except exec on a non-directory with no x bit at all, setgid
// directories give new entries their group and new subdirectories the setgid
// bit. POSIX ACLs (ns_acl.cc) as Linux: a non-owner is judged by the
// access ACL (named users and groups, limited by the mask), new entries
// inherit a directory's default ACL instead of the umask. Reads through an
// open handle (GetBlocks, ReadDir, ReadLink) and the block records take no
// caller: the service checks access when the handle is opened (Access()).
//
// Thread-safety: none. The service serialises Apply and every read under its
// own lock; all methods must be called from one thread at a time.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "editlog_generated.h"
#include "libnet/status.h"
#include "metad/namespace/block_write.h"
#include "metad/namespace/directory.h"
#include "metad/namespace/image.h"
#include "metad/namespace/inode_table.h"
#include "metad/namespace/request_table.h"
#include "metad/namespace/types.h"

namespace opendfs::metad {

class Namespace {
 public:
  // An empty filesystem: the root directory (inode 1, mode 0755, owned by
  // root, times 0).
  Namespace();
  Namespace(const Namespace&) = delete;
  Namespace& operator=(const Namespace&) = delete;

  // ---- Mutations: one editlog record each ----

  // Applies a verified record.
  ApplyResult Apply(const fb::EditRecord& record);
  // Verifies the bytes as an EditRecord first (Invalid if malformed).
  ApplyResult ApplyBytes(std::string_view bytes);
  // Results of clients' recent mutations (exactly-once retries): Apply
  // answers a record whose (client_id, request_id) is here from the table.
  const RequestTable& requests() const { return requests_; }

  // ---- Reads (not logged) ----

  // The entry `name` in directory `parent`; "." is the directory itself and
  // ".." its parent (the root's parent is the root). Needs exec on parent.
  Result<Attr> Lookup(InodeId parent, std::string_view name,
                      const Cred& cred) const;
  Result<Attr> GetAttr(InodeId ino) const;
  // access(2): mask of kAccessRead/Write/Exec, 0 = existence only.
  Status Access(InodeId ino, const Cred& cred, int mask) const;
  // Up to max_entries entries with cookie > after_cookie (0 = from the
  // start), each with its attributes (readdirplus). "." and ".." are not
  // returned: cookies start at kFirstCookie so the caller can give them 1, 2.
  Result<DirPage> ReadDir(InodeId dir, uint64_t after_cookie,
                          size_t max_entries) const;
  Result<std::string> ReadLink(InodeId ino) const;
  Result<std::string> GetXattr(InodeId ino, std::string_view name,
                               const Cred& cred) const;
  // Names visible to the caller, sorted.
  Result<std::vector<std::string>> ListXattr(InodeId ino,
                                             const Cred& cred) const;
  // Block `index` of file `ino`, or nullptr (no such file or index).
  const BlockInfo* BlockAt(InodeId ino, uint32_t index) const;
  // Blocks [first_index, first_index + count) of a regular file, count capped
  // at kMaxBlocksPerLookup; fewer at the end of the list.
  Result<FileBlocks> GetBlocks(InodeId ino, uint32_t first_index,
                               uint32_t count) const;

  // Write-protocol state of the blocks that have any (block_write.h): open
  // writes, stale replicas. Small: only blocks being written or whose last
  // write was not acknowledged by every replica.
  const BlockWrite* WriteOf(BlockId block) const;
  const std::unordered_map<BlockId, BlockWrite>& block_writes() const {
    return block_writes_;
  }

  // Inodes kept by keep_orphan and not yet purged, in id order. A new leader
  // purges those no client reopens.
  std::vector<InodeId> Orphans() const {
    return {orphans_.begin(), orphans_.end()};
  }
  // Id counters: the highest ids any applied record used (0 if none).
  InodeId max_inode_id() const { return max_inode_id_; }
  BlockId max_block_id() const { return max_block_id_; }
  size_t inode_count() const { return inodes_.size(); }
  // Blockd addresses an administrator decommissioned (EditSetBlockdState).
  const std::set<std::string, std::less<>>& decommissioned_blockds() const {
    return decommissioned_;
  }
  static constexpr size_t kMaxBlockdAddressBytes = 255;

  // ---- fsimage ----

  // Writes the whole namespace, id counters included, in key order.
  Status Save(ImageSink& sink) const;
  // Builds a namespace from an image written by Save.
  static Result<std::unique_ptr<Namespace>> Load(ImageSource& source);

 private:
  struct EmptyTag {};
  explicit Namespace(EmptyTag) {}  // no root: Load fills everything in
  using Xattrs = std::vector<std::pair<std::string, std::string>>;  // sorted

  // One function per operation family (ns_*.cc).
  ApplyResult ApplyOp(const fb::EditRecord& record);
  ApplyResult Replay(const StoredResult& done) const;
  Status SaveRequests(ImageSink& sink) const;
  Status LoadRequests(std::string_view key, std::string_view value);
  ApplyResult ApplyMkdir(const fb::EditMkdir& r);
  ApplyResult ApplyCreate(const fb::EditCreate& r);
  ApplyResult ApplySymlink(const fb::EditSymlink& r);
  ApplyResult ApplyLink(const fb::EditLink& r);
  ApplyResult ApplyUnlink(const fb::EditUnlink& r);
  ApplyResult ApplyRmdir(const fb::EditRmdir& r);
  ApplyResult ApplyRename(const fb::EditRename& r);
  ApplyResult ApplySetAttr(const fb::EditSetAttr& r);
  ApplyResult ApplySetXattr(const fb::EditSetXattr& r);
  ApplyResult ApplyRemoveXattr(const fb::EditRemoveXattr& r);
  ApplyResult ApplyAddBlock(const fb::EditAddBlock& r);
  ApplyResult ApplyCommitBlock(const fb::EditCommitBlock& r);
  ApplyResult ApplyBumpBlockVersion(const fb::EditBumpBlockVersion& r);
  ApplyResult ApplyPurge(const fb::EditPurge& r);
  ApplyResult ApplySetBlockdState(const fb::EditSetBlockdState& r);
  ApplyResult ApplyWriteInline(const fb::EditWriteInline& r);
  ApplyResult ApplySettleBlock(const fb::EditSettleBlock& r);          // ns_block_writes.cc
  ApplyResult ApplyForgetStaleReplica(const fb::EditForgetStaleReplica& r);
  ApplyResult ApplyBatch(const fb::EditBatch& r);                       // ns_batch.cc
  ApplyResult ApplyReserveInodes(const fb::EditReserveInodes& r);
  // A new inode's id is acceptable (ns_create.cc).
  Status CheckFreshInode(InodeId id) const;
  // Applying the sub-records of an EditBatch.
  bool in_batch_ = false;

  // Block write state steps (ns_block_writes.cc).
  // Opens a write of `block` (now at its new version) from `from_version`.
  void OpenWrite(BlockId block, uint32_t from_version, std::vector<std::string> granted);
  // Closes the open write of `block` with `good` the replicas whose data the
  // new version vouches for: the other granted ones become its stale list.
  void CloseWrite(BlockId block, BlockWrite& w, const std::vector<std::string>& good);
  BlockWrite* MutableWriteOf(BlockId block);
  // A record's list of blockd addresses, checked and deduplicated.
  static Result<std::vector<std::string>> ReplicaAddresses(
      const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* list);
  // fsimage: the "W" entries, given every (block, inode, index) with state.
  struct WriteRef {
    BlockId block;
    InodeId inode;
    uint32_t index;
  };
  Status SaveBlockWrites(std::vector<WriteRef> refs, ImageSink& sink) const;
  Status LoadBlockWrite(std::string_view key, std::string_view value);

  // POSIX ACLs (ns_acl.cc), kept as the xattrs system.posix_acl_access /
  // _default in the Linux format (so the editlog and fsimage carry them).
  struct InheritedAcls {
    std::string access;   // empty: none (the mode says it all)
    std::string dflt;     // directories: the parent's default ACL
  };
  // The stored value of xattr `name`, or nullptr.
  const std::string* XattrValue(const Inode& inode, std::string_view name) const;
  // Adds or replaces / removes one xattr (no checks).
  void PutXattr(Inode& inode, std::string_view name, std::string value);
  bool EraseXattr(Inode& inode, std::string_view name);
  // CheckAccess with the inode's access ACL, if it has one: every
  // permission check of the namespace goes through here.
  Status Permission(const Inode& inode, const CredView& cred, int mask) const;
  // setxattr / removexattr of an ACL name on `inode` by `cred`.
  ApplyResult SetAcl(Inode& inode, std::string_view name, std::string_view value,
                     const CredView& cred, int64_t time_ns);
  ApplyResult RemoveAcl(Inode& inode, std::string_view name, const CredView& cred,
                        int64_t time_ns);
  // chmod: the access ACL's owner, mask-or-group and other entries follow
  // the inode's new mode.
  void ChmodAcl(Inode& inode);
  // The mode of a new entry of `parent` (type | bits): the umask applied,
  // or, when the parent has a default ACL, the ACLs the child inherits.
  uint32_t CreateMode(const Inode& parent, uint32_t mode, uint32_t umask,
                      InheritedAcls* acls) const;
  void AttachAcls(Inode& child, InheritedAcls acls);

  // Shared steps.
  Attr MakeAttr(const Inode& inode) const;
  Directory* DirOf(InodeId dir);
  const Directory* DirOf(InodeId dir) const;
  // `parent` as a directory the caller may search (NotFound/NotDir/
  // AccessDenied otherwise).
  Result<Inode*> SearchableDir(InodeId parent, const CredView& cred);
  // Checks before adding `name` to `parent`: valid name, absent (Exists),
  // write+exec on parent.
  Status MayCreate(Inode& parent, std::string_view name, const CredView& cred);
  // Checks before removing `victim` from `parent`: write+exec, sticky bit.
  Status MayDelete(const Inode& parent, const Inode& victim,
                   const CredView& cred) const;
  // New inode `id` under parent with owner/group from cred and setgid rules.
  Inode* NewInode(InodeId id, Inode& parent, uint32_t mode,
                  const CredView& cred, int64_t time_ns);
  // Drops one link of `inode` (already removed from its directory). At zero
  // links: kept as an orphan when keep_orphan (files, not directories), else
  // freed into result.freed_blocks / freed_inode.
  // attr_out (optional) receives the attributes as left, before any free.
  void DropLink(Inode& inode, bool keep_orphan, int64_t time_ns,
                ApplyResult& result, Attr* attr_out = nullptr);
  void FreeInode(Inode& inode, ApplyResult& result);
  // Inline data of a small file (ns_inline.cc): cut to `size`; dropped.
  void TruncateInline(Inode& inode, uint64_t size);
  void DropInline(Inode& inode);
  std::string_view InlineData(const Inode& inode) const;
  // Truncates the block list of a regular file to `size`.
  void TruncateBlocks(Inode& inode, uint64_t size, ApplyResult& result);
  // True if `ancestor` is `dir` or one of its ancestors.
  bool IsAncestor(InodeId ancestor, InodeId dir) const;
  static void Touch(Inode& dir, int64_t time_ns) {
    dir.mtime_ns = time_ns;
    dir.ctime_ns = time_ns;
  }

  InodeTable inodes_;
  std::unordered_map<InodeId, Directory> dirs_;
  std::unordered_map<InodeId, std::string> symlinks_;
  std::unordered_map<InodeId, uint64_t> rdevs_;
  std::unordered_map<InodeId, Xattrs> xattrs_;
  std::unordered_map<InodeId, std::string> inline_;  // small files' data
  std::set<InodeId> orphans_;
  std::set<std::string, std::less<>> decommissioned_;
  std::unordered_map<BlockId, BlockWrite> block_writes_;
  RequestTable requests_;
  InodeId max_inode_id_ = kRootInode;
  BlockId max_block_id_ = 0;
};

}  // namespace opendfs::metad
