// Namespace core: construction, record dispatch and the steps every operation
// shares (permission walks, inode creation, link dropping, truncation).
#include "metad/namespace/namespace.h"

#include <cstddef>
#include <cstdint>
#include <string>

#include <algorithm>

#include "libnet/check.h"
#include "metad/namespace/ns_util.h"
#include "metad/namespace/permission.h"

namespace opendfs::metad {

Namespace::Namespace() {
  Inode* root = inodes_.Insert(kRootInode);
  root->mode = S_IFDIR | 0755;
  root->nlink = 2;
  dirs_.emplace(kRootInode, Directory(kRootInode));
}

ApplyResult Namespace::ApplyBytes(std::string_view bytes) {
  // flatbuffers reads scalars in place: a record at an odd address (a slice
  // of a larger buffer) is copied to an aligned one first (UBSan, fuzzing).
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(std::max_align_t) != 0) {
    std::string aligned(bytes);
    return ApplyBytes(aligned);
  }
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(bytes.data()),
                                 bytes.size());
  if (!fb::VerifyEditRecordBuffer(verifier))
    return Fail(StatusCode::Invalid, "editlog record fails verification");
  return Apply(*fb::GetEditRecord(bytes.data()));
}

ApplyResult Namespace::Apply(const fb::EditRecord& record) {
  const uint64_t client = record.client_id();
  const uint64_t request = record.request_id();
  if (client == 0 || request == 0) return ApplyOp(record);
  if (const StoredResult* done = requests_.Find(client, request)) return Replay(*done);
  ApplyResult r = ApplyOp(record);
  requests_.Remember(client, StoredResult{request, r.status.code(),
                                          std::string(r.status.message()), r.attr.ino});
  return r;
}

ApplyResult Namespace::Replay(const StoredResult& done) const {
  ApplyResult r;
  r.status = done.code == StatusCode::Ok ? Status::Ok() : Status(done.code, done.message);
  if (const Inode* in = inodes_.Find(done.inode)) {
    r.attr = MakeAttr(*in);
  } else {
    r.attr.ino = done.inode;  // gone since (unlink, rmdir, or a later call)
  }
  r.created = false;
  r.replayed = true;
  return r;
}

ApplyResult Namespace::ApplyOp(const fb::EditRecord& record) {
  using T = fb::EditOp;
  // The verifier accepts a union type whose table is absent.
  if (record.op() == nullptr) return Fail(StatusCode::Invalid, "editlog record without operation");
  switch (record.op_type()) {
    case T::EditMkdir: return ApplyMkdir(*record.op_as_EditMkdir());
    case T::EditCreate: return ApplyCreate(*record.op_as_EditCreate());
    case T::EditSymlink: return ApplySymlink(*record.op_as_EditSymlink());
    case T::EditLink: return ApplyLink(*record.op_as_EditLink());
    case T::EditUnlink: return ApplyUnlink(*record.op_as_EditUnlink());
    case T::EditRmdir: return ApplyRmdir(*record.op_as_EditRmdir());
    case T::EditRename: return ApplyRename(*record.op_as_EditRename());
    case T::EditSetAttr: return ApplySetAttr(*record.op_as_EditSetAttr());
    case T::EditSetXattr: return ApplySetXattr(*record.op_as_EditSetXattr());
    case T::EditRemoveXattr:
      return ApplyRemoveXattr(*record.op_as_EditRemoveXattr());
    case T::EditAddBlock: return ApplyAddBlock(*record.op_as_EditAddBlock());
    case T::EditCommitBlock:
      return ApplyCommitBlock(*record.op_as_EditCommitBlock());
    case T::EditBumpBlockVersion:
      return ApplyBumpBlockVersion(*record.op_as_EditBumpBlockVersion());
    case T::EditPurge: return ApplyPurge(*record.op_as_EditPurge());
    case T::EditNoop: return ApplyResult{};
    case T::EditSetBlockdState:
      return ApplySetBlockdState(*record.op_as_EditSetBlockdState());
    case T::EditWriteInline: return ApplyWriteInline(*record.op_as_EditWriteInline());
    case T::EditSettleBlock: return ApplySettleBlock(*record.op_as_EditSettleBlock());
    case T::EditForgetStaleReplica:
      return ApplyForgetStaleReplica(*record.op_as_EditForgetStaleReplica());
    case T::EditBatch: return ApplyBatch(*record.op_as_EditBatch());
    case T::EditReserveInodes: return ApplyReserveInodes(*record.op_as_EditReserveInodes());
    case T::NONE: break;
  }
  return Fail(StatusCode::Invalid, "editlog record with unknown operation");
}

ApplyResult Namespace::ApplySetBlockdState(const fb::EditSetBlockdState& r) {
  std::string_view address = Str(r.address());
  if (address.empty() || address.size() > kMaxBlockdAddressBytes)
    return Fail(StatusCode::Invalid, "blockd address empty or longer than 255 bytes");
  if (r.decommissioned()) {
    decommissioned_.emplace(address);
  } else {
    decommissioned_.erase(std::string(address));
  }
  return ApplyResult{};
}

Attr Namespace::MakeAttr(const Inode& inode) const {
  Attr a;
  a.ino = inode.id;
  a.mode = inode.mode;
  a.nlink = inode.nlink;
  a.uid = inode.uid;
  a.gid = inode.gid;
  a.size = inode.size;
  a.atime_ns = inode.atime_ns;
  a.mtime_ns = inode.mtime_ns;
  a.ctime_ns = inode.ctime_ns;
  a.block_size = inode.block_size;
  a.replication = inode.replication;
  for (const BlockInfo& b : inode.blocks.span()) a.allocated_bytes += b.length;
  a.block_count = inode.blocks.size();
  a.inline_bytes = static_cast<uint32_t>(InlineData(inode).size());
  a.allocated_bytes += a.inline_bytes;
  if (inode.is_dev()) {
    auto it = rdevs_.find(inode.id);
    if (it != rdevs_.end()) a.rdev = it->second;
  }
  return a;
}

Directory* Namespace::DirOf(InodeId dir) {
  auto it = dirs_.find(dir);
  return it == dirs_.end() ? nullptr : &it->second;
}

const Directory* Namespace::DirOf(InodeId dir) const {
  auto it = dirs_.find(dir);
  return it == dirs_.end() ? nullptr : &it->second;
}

Result<Inode*> Namespace::SearchableDir(InodeId parent, const CredView& cred) {
  Inode* dir = inodes_.Find(parent);
  if (dir == nullptr) return Status(StatusCode::NotFound, "no such directory inode");
  if (!dir->is_dir()) return Status(StatusCode::NotDir, "parent is not a directory");
  ODFS_RETURN_IF_ERROR(Permission(*dir, cred, kAccessExec));
  return dir;
}

Status Namespace::MayCreate(Inode& parent, std::string_view name,
                            const CredView& cred) {
  ODFS_RETURN_IF_ERROR(CheckNewName(name));
  if (DirOf(parent.id)->Find(name) != nullptr)
    return Status(StatusCode::Exists, "entry exists");
  return Permission(parent, cred, kAccessWrite | kAccessExec);
}

Status Namespace::MayDelete(const Inode& parent, const Inode& victim,
                            const CredView& cred) const {
  ODFS_RETURN_IF_ERROR(Permission(parent, cred, kAccessWrite | kAccessExec));
  if ((parent.mode & S_ISVTX) && !cred.is_root() && cred.uid != parent.uid &&
      cred.uid != victim.uid)
    return Status(StatusCode::NotPermitted,
                  "sticky directory: only the owner may remove the entry");
  return Status::Ok();
}

Inode* Namespace::NewInode(InodeId id, Inode& parent, uint32_t mode,
                           const CredView& cred, int64_t time_ns) {
  Inode* n = inodes_.Insert(id);
  n->mode = mode;
  n->uid = cred.uid;
  if (parent.mode & S_ISGID) {
    n->gid = parent.gid;
    if (S_ISDIR(mode)) n->mode |= S_ISGID;
  } else {
    n->gid = cred.gid;
  }
  // As Linux inode_init_owner: no setgid file in a group the caller is not in.
  if (!S_ISDIR(mode) && (n->mode & S_ISGID) && (n->mode & S_IXGRP) &&
      !cred.is_root() && !cred.InGroup(n->gid))
    n->mode &= ~S_ISGID;
  n->nlink = S_ISDIR(mode) ? 2 : 1;
  n->atime_ns = n->mtime_ns = n->ctime_ns = time_ns;
  max_inode_id_ = std::max(max_inode_id_, id);
  return n;
}

void Namespace::FreeInode(Inode& inode, ApplyResult& result) {
  const InodeId id = inode.id;
  for (const BlockInfo& b : inode.blocks.span()) {
    if (b.id == 0) continue;
    result.freed_blocks.push_back(b.id);
    block_writes_.erase(b.id);
  }
  dirs_.erase(id);
  symlinks_.erase(id);
  rdevs_.erase(id);
  if (inode.flags & Inode::kHasXattrs) xattrs_.erase(id);
  DropInline(inode);
  orphans_.erase(id);
  result.freed_inode = id;
  inodes_.Erase(id);
}

void Namespace::DropLink(Inode& inode, bool keep_orphan, int64_t time_ns,
                         ApplyResult& result, Attr* attr_out) {
  ODFS_CHECK(!inode.is_dir());
  ODFS_CHECK(inode.nlink > 0);
  --inode.nlink;
  inode.ctime_ns = time_ns;
  if (inode.nlink == 0 && keep_orphan) {
    inode.flags |= Inode::kOrphan;
    orphans_.insert(inode.id);
    result.orphaned = inode.id;
  }
  if (attr_out) *attr_out = MakeAttr(inode);
  if (inode.nlink == 0 && !keep_orphan) FreeInode(inode, result);
}

void Namespace::TruncateBlocks(Inode& inode, uint64_t size,
                               ApplyResult& result) {
  const uint32_t count = inode.blocks.size();
  if (count == 0 || inode.block_size == 0) return;
  const uint64_t bs = inode.block_size;
  const uint64_t needed = size / bs + (size % bs != 0);  // blocks holding data
  const uint32_t keep = static_cast<uint32_t>(std::min<uint64_t>(needed, count));
  for (uint32_t i = keep; i < count; ++i) {
    if (inode.blocks[i].id == 0) continue;
    result.freed_blocks.push_back(inode.blocks[i].id);
    block_writes_.erase(inode.blocks[i].id);
  }
  inode.blocks.truncate(keep);
  if (keep == 0 || keep < needed) return;  // the last kept block ends before size
  BlockInfo& last = inode.blocks[keep - 1];
  const uint64_t limit = size - (keep - 1) * bs;
  if (last.id != 0 && last.length > limit) {
    last.length = static_cast<uint32_t>(limit);
    result.has_block = true;
    result.block_index = keep - 1;
    result.block = last;
  }
}

bool Namespace::IsAncestor(InodeId ancestor, InodeId dir) const {
  for (InodeId cur = dir;;) {
    if (cur == ancestor) return true;
    if (cur == kRootInode) return false;
    const Directory* d = DirOf(cur);
    ODFS_CHECK(d != nullptr);
    cur = d->parent();
  }
}

}  // namespace opendfs::metad
