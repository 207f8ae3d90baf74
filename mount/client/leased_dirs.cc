// LeasedDirs (leased_dirs.h). The checks follow the leader's namespace
// (metad/namespace/ns_create.cc, ns_remove.cc, ns_rename.cc), which follows
// Linux: the parent is searched, the name checked, existence checked, then
// write permission and the sticky bit; only then is anything changed. The
// leader runs them again on apply, so what is refused there (a permission
// changed meanwhile) comes back as a late error, never as a silent change.
#include "mount/client/leased_dirs.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>

namespace opendfs::client {
namespace {

constexpr int kWrite = 2, kExec = 1;
constexpr size_t kMaxNameBytes = 255;      // as ext4 and the leader
constexpr size_t kMaxSymlinkBytes = 4096;
constexpr uint32_t kRenameNoReplace = 1;   // RENAME_NOREPLACE
constexpr size_t kOpOverheadBytes = 96;    // a BatchOp's table, caller and fields

bool Has(uint32_t valid, fb::SetAttrBits bit) {
  return (valid & static_cast<uint32_t>(bit)) != 0;
}

bool InGroup(const Cred& cred, uint32_t gid) {
  return cred.gid == gid ||
         std::find(cred.groups.begin(), cred.groups.end(), gid) != cred.groups.end();
}

// CheckAccess on the leader (metad/namespace/permission.cc) without ACLs: a
// directory with an ACL is never leased.
Status MayAccess(const Attrs& a, const Cred& cred, int mask) {
  if (cred.uid == 0) {
    if ((mask & kExec) && !a.is_dir() && (a.mode & 0111) == 0)
      return Status(StatusCode::AccessDenied, "no exec bit set, even for root");
    return Status::Ok();
  }
  uint32_t bits;
  if (cred.uid == a.uid) {
    bits = (a.mode >> 6) & 7;
  } else if (InGroup(cred, a.gid)) {
    bits = (a.mode >> 3) & 7;
  } else {
    bits = a.mode & 7;
  }
  if ((bits & static_cast<uint32_t>(mask)) != static_cast<uint32_t>(mask))
    return Status(StatusCode::AccessDenied, "permission denied");
  return Status::Ok();
}

Status CheckNewName(std::string_view name) {
  if (name.size() > kMaxNameBytes)
    return Status(StatusCode::NameTooLong, "name longer than 255 bytes");
  if (name.empty() || name == "." || name == "..")
    return Status(StatusCode::Invalid, "name must not be empty, '.' or '..'");
  if (name.find('/') != std::string_view::npos || name.find('\0') != std::string_view::npos)
    return Status(StatusCode::Invalid, "name contains '/' or NUL");
  return Status::Ok();
}

// Write + search on the parent, then the sticky bit (Linux may_delete).
Status MayDelete(const Attrs& parent, const Attrs& victim, const Cred& cred) {
  if (Status s = MayAccess(parent, cred, kWrite | kExec); !s.ok()) return s;
  if ((parent.mode & S_ISVTX) && cred.uid != 0 && cred.uid != parent.uid &&
      cred.uid != victim.uid)
    return Status(StatusCode::NotPermitted,
                  "sticky directory: only the owner may remove the entry");
  return Status::Ok();
}

// Owner, mode and times of a new inode, as NewInode on the leader
// (inode_init_owner in Linux): a setgid directory gives its group, and its
// setgid bit to subdirectories; no setgid file in a group the caller is not in.
Attrs NewInode(uint64_t id, const Attrs& parent, uint32_t mode, const Cred& cred,
               int64_t now_ns) {
  Attrs a;
  a.ino = id;
  a.mode = mode;
  a.uid = cred.uid;
  if (parent.mode & S_ISGID) {
    a.gid = parent.gid;
    if (S_ISDIR(mode)) a.mode |= S_ISGID;
  } else {
    a.gid = cred.gid;
  }
  if (!S_ISDIR(mode) && (a.mode & S_ISGID) && (a.mode & S_IXGRP) && cred.uid != 0 &&
      !InGroup(cred, a.gid))
    a.mode &= ~S_ISGID;
  a.nlink = S_ISDIR(mode) ? 2 : 1;
  a.atime_ns = a.mtime_ns = a.ctime_ns = now_ns;
  return a;
}

// A write or truncate by someone other than root drops set-user-id, and
// set-group-id when group-executable (Linux file_remove_privs).
uint32_t KillSetIds(uint32_t mode) {
  mode &= ~S_ISUID;
  if (mode & S_IXGRP) mode &= ~S_ISGID;
  return mode;
}

void Touch(Attrs& dir, int64_t now_ns) { dir.mtime_ns = dir.ctime_ns = now_ns; }

}  // namespace

Attrs Attrs::From(const fb::Attr& a) {
  Attrs r;
  r.ino = a.ino();
  r.size = a.size();
  r.atime_ns = a.atime_ns();
  r.mtime_ns = a.mtime_ns();
  r.ctime_ns = a.ctime_ns();
  r.rdev = a.rdev();
  r.mode = a.mode();
  r.nlink = a.nlink();
  r.uid = a.uid();
  r.gid = a.gid();
  r.block_size = a.block_size();
  r.replication = a.replication();
  return r;
}

fb::Attr Attrs::ToWire() const {
  return fb::Attr(ino, size, atime_ns, mtime_ns, ctime_ns, rdev, mode, nlink, uid, gid,
                  block_size, replication, 0);
}

size_t BatchOpArgs::WireBytes() const {
  return kOpOverheadBytes + name.size() + new_name.size() + target.size() + data.size() +
         4 * cred.groups.size();
}

LeasedDirs::LeasedDirs(Limits limits) : limits_(limits) {}

// ---- leases ----

bool LeasedDirs::Grant(uint64_t dir, const LeaseGrant& g) {
  std::lock_guard lock(mu_);
  if (dirs_.count(dir) != 0) return true;
  if (dirs_.size() >= limits_.max_leases || g.entries.size() > limits_.max_entries)
    return false;
  const Attrs dir_attr = Attrs::From(g.dir_attr);
  RefLocked(dir, &dir_attr);
  Dir& d = dirs_[dir];
  for (const DirEntryInfo& e : g.entries) {
    const Attrs a = Attrs::From(e.attr);
    d.names.emplace(e.name, e.ino);
    RefLocked(e.ino, &a);
  }
  if (g.inode_count != 0) ids_.push_back(IdRange{g.first_inode, g.first_inode + g.inode_count});
  return true;
}

bool LeasedDirs::Holds(uint64_t dir) const {
  std::lock_guard lock(mu_);
  return dirs_.count(dir) != 0;
}

size_t LeasedDirs::LeaseCount() const {
  std::lock_guard lock(mu_);
  return dirs_.size();
}

void LeasedDirs::Drop(uint64_t dir) {
  std::lock_guard lock(mu_);
  DropLocked(dir);
}

void LeasedDirs::DropLocked(uint64_t dir) {
  auto it = dirs_.find(dir);
  if (it == dirs_.end()) return;
  std::vector<uint64_t> children;
  for (const auto& [name, ino] : it->second.names) children.push_back(ino);
  dirs_.erase(it);
  // Inodes created under this lease are no longer ours to answer for.
  for (auto& [ino, node] : nodes_)
    if (node.created && node.lease == dir) node.created = false;
  for (uint64_t c : children) UnrefLocked(c);
  UnrefLocked(dir);
}

std::vector<uint64_t> LeasedDirs::Leased() const {
  std::lock_guard lock(mu_);
  std::vector<uint64_t> out;
  for (const auto& [dir, d] : dirs_) out.push_back(dir);
  std::sort(out.begin(), out.end());
  return out;
}

uint64_t LeasedDirs::InodesLeft() const {
  std::lock_guard lock(mu_);
  uint64_t n = 0;
  for (const IdRange& r : ids_) n += r.end - r.next;
  return n;
}

void LeasedDirs::AddInodes(uint64_t first, uint32_t count) {
  std::lock_guard lock(mu_);
  if (count != 0) ids_.push_back(IdRange{first, first + count});
}

bool LeasedDirs::TakeInodeLocked(uint64_t* ino) {
  while (!ids_.empty() && ids_.front().next == ids_.front().end) ids_.erase(ids_.begin());
  if (ids_.empty()) return false;
  *ino = ids_.front().next++;
  return true;
}

// ---- nodes ----

LeasedDirs::Node* LeasedDirs::NodeLocked(uint64_t ino) {
  auto it = nodes_.find(ino);
  return it == nodes_.end() ? nullptr : &it->second;
}

const LeasedDirs::Node* LeasedDirs::NodeLocked(uint64_t ino) const {
  auto it = nodes_.find(ino);
  return it == nodes_.end() ? nullptr : &it->second;
}

bool LeasedDirs::HeldDirLocked(uint64_t dir, Dir** d, Node** n) {
  auto it = dirs_.find(dir);
  if (it == dirs_.end()) return false;
  *d = &it->second;
  *n = NodeLocked(dir);
  return *n != nullptr;
}

// A node the first time it is named keeps the attributes given; later
// references keep what is held (it may have changed here since).
void LeasedDirs::RefLocked(uint64_t ino, const Attrs* attr) {
  auto [it, fresh] = nodes_.try_emplace(ino);
  if (fresh && attr != nullptr) it->second.attr = *attr;
  ++it->second.refs;
}

void LeasedDirs::UnrefLocked(uint64_t ino) {
  auto it = nodes_.find(ino);
  if (it == nodes_.end()) return;
  if (--it->second.refs == 0) nodes_.erase(it);
}

// ---- answers ----

std::optional<LocalLookup> LeasedDirs::Lookup(uint64_t parent, std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = dirs_.find(parent);
  if (it == dirs_.end()) return std::nullopt;
  auto e = it->second.names.find(name);
  if (e == it->second.names.end()) return LocalLookup{};
  const Node* n = NodeLocked(e->second);
  if (n == nullptr) return std::nullopt;
  return LocalLookup{true, n->attr};
}

std::optional<Attrs> LeasedDirs::GetAttr(uint64_t ino) const {
  std::lock_guard lock(mu_);
  const Node* n = NodeLocked(ino);
  if (n == nullptr || (!n->created && dirs_.count(ino) == 0)) return std::nullopt;
  return n->attr;
}

std::optional<std::vector<DirEntryInfo>> LeasedDirs::List(uint64_t dir) const {
  std::lock_guard lock(mu_);
  auto it = dirs_.find(dir);
  if (it == dirs_.end()) return std::nullopt;
  std::vector<DirEntryInfo> out;
  out.reserve(it->second.names.size());
  for (const auto& [name, ino] : it->second.names) {
    const Node* n = NodeLocked(ino);
    if (n == nullptr) return std::nullopt;
    DirEntryInfo e;
    e.name = name;
    e.ino = ino;
    e.mode = n->attr.mode;
    e.cookie = out.size() + 1;
    e.attr = n->attr.ToWire();
    out.push_back(std::move(e));
  }
  return out;
}

std::optional<std::string> LeasedDirs::InlineData(uint64_t ino) const {
  std::lock_guard lock(mu_);
  const Node* n = NodeLocked(ino);
  if (n == nullptr || !n->created || !S_ISREG(n->attr.mode)) return std::nullopt;
  return n->inline_data;
}

bool LeasedDirs::Created(uint64_t ino) const {
  std::lock_guard lock(mu_);
  const Node* n = NodeLocked(ino);
  return n != nullptr && n->created;
}

bool LeasedDirs::HasPendingChanges(uint64_t ino) const {
  std::lock_guard lock(mu_);
  return pending_.count(ino) != 0;
}

// ---- the batch ----

bool LeasedDirs::RoomLocked(const BatchOpArgs& op, size_t listing_growth,
                            const Dir& d) const {
  return batch_.size() < limits_.max_batch_ops &&
         batch_bytes_ + op.WireBytes() <= limits_.max_batch_bytes &&
         d.names.size() + listing_growth <= limits_.max_entries;
}

void LeasedDirs::AppendLocked(BatchOpArgs op) {
  for (uint64_t ino : {op.parent, op.new_parent, op.ino, op.inode})
    if (ino != 0) ++pending_[ino];
  batch_bytes_ += op.WireBytes();
  batch_.push_back(std::move(op));
}

size_t LeasedDirs::BatchOps() const {
  std::lock_guard lock(mu_);
  return batch_.size();
}

bool LeasedDirs::BatchFull() const {
  std::lock_guard lock(mu_);
  return batch_.size() >= limits_.max_batch_ops ||
         batch_bytes_ + kOpOverheadBytes + 2 * kMaxNameBytes > limits_.max_batch_bytes;
}

std::vector<BatchOpArgs> LeasedDirs::TakeBatch() {
  std::lock_guard lock(mu_);
  std::vector<BatchOpArgs> out;
  out.swap(batch_);
  batch_bytes_ = 0;
  pending_.clear();
  return out;
}

std::vector<LateError> LeasedDirs::Settle(const std::vector<BatchOpArgs>& sent,
                                          const std::vector<StatusCode>& statuses,
                                          std::vector<uint64_t>* dropped) {
  std::lock_guard lock(mu_);
  std::vector<LateError> errors;
  for (size_t i = 0; i < sent.size(); ++i) {
    // A missing result is a refusal: the leader did not say it applied it.
    const StatusCode code = i < statuses.size() ? statuses[i] : StatusCode::Io;
    if (code == StatusCode::Ok) continue;
    const BatchOpArgs& op = sent[i];
    for (uint64_t ino : {op.parent, op.new_parent, op.ino, op.inode}) {
      if (ino == 0) continue;
      LateError e{op.kind, ino, code};
      errors.push_back(e);
      late_.try_emplace(ino, e);
      if (dirs_.count(ino) != 0) {
        DropLocked(ino);
        dropped->push_back(ino);
      }
    }
  }
  return errors;
}

std::optional<LateError> LeasedDirs::TakeLateError(uint64_t ino) {
  std::lock_guard lock(mu_);
  auto it = late_.find(ino);
  if (it == late_.end()) return std::nullopt;
  LateError e = it->second;
  late_.erase(it);
  return e;
}

// ---- local mutations ----

Status LeasedDirs::MayCreateLocked(const Dir& d, const Attrs& parent,
                                   std::string_view name, const Cred& cred) const {
  if (Status s = MayAccess(parent, cred, kExec); !s.ok()) return s;
  if (Status s = CheckNewName(name); !s.ok()) return s;
  if (d.names.find(name) != d.names.end()) return Status(StatusCode::Exists, "entry exists");
  return MayAccess(parent, cred, kWrite | kExec);
}

LocalAnswer LeasedDirs::AddEntryLocked(Dir& d, Node& parent, std::string_view name,
                                       Attrs a, BatchOpArgs op, bool open) {
  const uint64_t dir = parent.attr.ino;
  if (a.is_dir()) {
    ++parent.attr.nlink;
    dirs_.try_emplace(a.ino);  // a directory made here is leased here too
    RefLocked(a.ino, &a);      // the lease's reference
  }
  d.names.emplace(std::string(name), a.ino);
  RefLocked(a.ino, &a);
  Node& n = nodes_[a.ino];
  n.created = true;
  n.lease = dir;
  if (open) {
    ++n.open;
    ++n.refs;
  }
  Touch(parent.attr, a.ctime_ns);
  AppendLocked(std::move(op));
  return LocalAnswer::Done(a);
}

LocalAnswer LeasedDirs::NewEntryLocked(const Cred& cred, uint64_t parent_ino,
                                       std::string_view name, uint32_t mode,
                                       BatchOpArgs op, bool open, int64_t now_ns) {
  Dir* d;
  Node* parent;
  if (!HeldDirLocked(parent_ino, &d, &parent)) return LocalAnswer::NotLocal();
  if (Status s = MayCreateLocked(*d, parent->attr, name, cred); !s.ok())
    return LocalAnswer{true, s, {}};
  if (!RoomLocked(op, 1, *d)) return LocalAnswer::NotLocal();
  uint64_t id;
  if (!TakeInodeLocked(&id)) return LocalAnswer::NotLocal();
  Attrs a = NewInode(id, parent->attr, mode, cred, now_ns);
  op.inode = id;
  op.cred = cred;
  op.parent = parent_ino;
  op.name = std::string(name);
  op.time_ns = now_ns;
  return AddEntryLocked(*d, *parent, name, a, std::move(op), open);
}

LocalAnswer LeasedDirs::Create(const Cred& cred, uint64_t parent, std::string_view name,
                               uint32_t mode, uint32_t umask, uint32_t flags,
                               uint32_t block_size, uint16_t replication, bool open,
                               int64_t now_ns) {
  std::lock_guard lock(mu_);
  Dir* d;
  Node* p;
  if (!HeldDirLocked(parent, &d, &p)) return LocalAnswer::NotLocal();
  uint32_t type = mode & S_IFMT;
  if (type == 0) type = S_IFREG;
  if (type != S_IFREG) return LocalAnswer::NotLocal();
  // An existing name: O_EXCL fails as on ext4 (after the search check);
  // anything else is an open of what is there, done the synchronous way.
  if (auto e = d->names.find(name); e != d->names.end()) {
    if (Status s = MayAccess(p->attr, cred, kExec); !s.ok()) return LocalAnswer{true, s, {}};
    const Node* n = NodeLocked(e->second);
    if (flags & O_EXCL) return LocalAnswer::Refused(StatusCode::Exists, "entry exists");
    if (n != nullptr && n->attr.is_dir())
      return LocalAnswer::Refused(StatusCode::IsDir, "entry is a directory");
    return LocalAnswer::NotLocal();
  }
  BatchOpArgs op;
  op.kind = BatchOpArgs::Kind::Create;
  op.mode = type | (mode & 07777);
  op.umask = umask;
  op.flags = flags;
  op.block_size = block_size;
  op.replication = replication != 0 ? replication : p->attr.replication;
  op.open = open;
  LocalAnswer r = NewEntryLocked(cred, parent, name, type | (mode & 07777 & ~(umask & 0777)),
                                 op, open, now_ns);
  if (r.local && r.status.ok()) {
    Node& n = nodes_[r.attr.ino];
    n.attr.block_size = block_size;
    n.attr.replication = op.replication;
    r.attr = n.attr;
  }
  return r;
}

LocalAnswer LeasedDirs::Mknod(const Cred& cred, uint64_t parent, std::string_view name,
                              uint32_t mode, uint32_t umask, uint64_t rdev, int64_t now_ns) {
  std::lock_guard lock(mu_);
  const uint32_t type = mode & S_IFMT;
  // Devices need the leader's root check and sockets are rare: synchronous.
  if (type != S_IFREG && type != S_IFIFO) return LocalAnswer::NotLocal();
  BatchOpArgs op;
  op.kind = BatchOpArgs::Kind::Mknod;
  op.mode = mode;
  op.umask = umask;
  op.rdev = rdev;
  return NewEntryLocked(cred, parent, name, type | (mode & 07777 & ~(umask & 0777)), op,
                        false, now_ns);
}

LocalAnswer LeasedDirs::Mkdir(const Cred& cred, uint64_t parent, std::string_view name,
                              uint32_t mode, uint32_t umask, int64_t now_ns) {
  std::lock_guard lock(mu_);
  if (dirs_.size() >= limits_.max_leases) return LocalAnswer::NotLocal();
  BatchOpArgs op;
  op.kind = BatchOpArgs::Kind::Mkdir;
  op.mode = mode;
  op.umask = umask;
  // vfs_mkdir keeps only the permission and sticky bits; setgid comes from
  // the parent.
  return NewEntryLocked(cred, parent, name, S_IFDIR | (mode & 01777 & ~(umask & 0777)), op,
                        false, now_ns);
}

LocalAnswer LeasedDirs::Symlink(const Cred& cred, uint64_t parent, std::string_view name,
                                std::string_view target, int64_t now_ns) {
  std::lock_guard lock(mu_);
  Dir* d;
  Node* p;
  if (!HeldDirLocked(parent, &d, &p)) return LocalAnswer::NotLocal();
  if (Status s = MayCreateLocked(*d, p->attr, name, cred); !s.ok())
    return LocalAnswer{true, s, {}};
  if (target.empty()) return LocalAnswer::Refused(StatusCode::NotFound, "empty symlink target");
  if (target.size() > kMaxSymlinkBytes)
    return LocalAnswer::Refused(StatusCode::NameTooLong, "symlink target longer than 4096 bytes");
  BatchOpArgs op;
  op.kind = BatchOpArgs::Kind::Symlink;
  op.target = std::string(target);
  LocalAnswer r = NewEntryLocked(cred, parent, name, S_IFLNK | 0777, op, false, now_ns);
  if (r.local && r.status.ok()) {
    Node& n = nodes_[r.attr.ino];
    n.attr.size = target.size();
    r.attr = n.attr;
  }
  return r;
}

namespace {

// The entry op as it goes on the wire.
BatchOpArgs EntryOp(BatchOpArgs::Kind kind, const Cred& cred, uint64_t parent,
                    std::string_view name, uint64_t ino, int64_t now_ns) {
  BatchOpArgs op;
  op.kind = kind;
  op.cred = cred;
  op.parent = parent;
  op.name = std::string(name);
  op.ino = ino;
  op.time_ns = now_ns;
  return op;
}

}  // namespace

std::optional<LocalAnswer> LeasedDirs::FindVictimLocked(const Cred& cred, uint64_t parent,
                                                        std::string_view name,
                                                        Removal* r) {
  if (!HeldDirLocked(parent, &r->dir, &r->parent)) return LocalAnswer::NotLocal();
  if (Status s = MayAccess(r->parent->attr, cred, kExec); !s.ok())
    return LocalAnswer{true, s, {}};
  if (name.size() > kMaxNameBytes)
    return LocalAnswer::Refused(StatusCode::NameTooLong, "name longer than 255 bytes");
  auto e = r->dir->names.find(name);
  if (e == r->dir->names.end())
    return LocalAnswer::Refused(StatusCode::NotFound, "no such entry");
  r->ino = e->second;
  r->victim = NodeLocked(r->ino);
  if (r->victim == nullptr) return LocalAnswer::NotLocal();
  // Linux may_delete: permission and sticky bit, then the type.
  if (Status s = MayDelete(r->parent->attr, r->victim->attr, cred); !s.ok())
    return LocalAnswer{true, s, {}};
  return std::nullopt;
}

LocalAnswer LeasedDirs::Unlink(const Cred& cred, uint64_t parent, std::string_view name,
                               int64_t now_ns) {
  std::lock_guard lock(mu_);
  Removal r;
  if (auto early = FindVictimLocked(cred, parent, name, &r)) return *early;
  if (r.victim->attr.is_dir()) return LocalAnswer::Refused(StatusCode::IsDir, "is a directory");
  BatchOpArgs op = EntryOp(BatchOpArgs::Kind::Unlink, cred, parent, name, r.ino, now_ns);
  if (!RoomLocked(op, 0, *r.dir)) return LocalAnswer::NotLocal();
  if (r.victim->attr.nlink > 0) --r.victim->attr.nlink;
  r.victim->attr.ctime_ns = now_ns;
  const Attrs after = r.victim->attr;
  r.dir->names.erase(r.dir->names.find(name));
  Touch(r.parent->attr, now_ns);
  UnrefLocked(r.ino);
  AppendLocked(std::move(op));
  return LocalAnswer::Done(after);
}

LocalAnswer LeasedDirs::Rmdir(const Cred& cred, uint64_t parent, std::string_view name,
                              int64_t now_ns) {
  std::lock_guard lock(mu_);
  if (name == ".") return LocalAnswer::Refused(StatusCode::Invalid, "rmdir of '.'");
  if (name == "..") return LocalAnswer::Refused(StatusCode::NotEmpty, "rmdir of '..'");
  Removal r;
  if (auto early = FindVictimLocked(cred, parent, name, &r)) return *early;
  if (!r.victim->attr.is_dir())
    return LocalAnswer::Refused(StatusCode::NotDir, "not a directory");
  auto vd = dirs_.find(r.ino);
  if (vd == dirs_.end()) return LocalAnswer::NotLocal();  // its emptiness is the leader's
  if (!vd->second.names.empty())
    return LocalAnswer::Refused(StatusCode::NotEmpty, "directory not empty");
  BatchOpArgs op = EntryOp(BatchOpArgs::Kind::Rmdir, cred, parent, name, r.ino, now_ns);
  if (!RoomLocked(op, 0, *r.dir)) return LocalAnswer::NotLocal();
  Attrs after = r.victim->attr;
  after.nlink = 0;
  after.ctime_ns = now_ns;
  r.dir->names.erase(r.dir->names.find(name));
  if (r.parent->attr.nlink > 2) --r.parent->attr.nlink;
  Touch(r.parent->attr, now_ns);
  UnrefLocked(r.ino);  // the parent listing's reference
  DropLocked(r.ino);   // and the (empty) lease
  AppendLocked(std::move(op));
  return LocalAnswer::Done(after);
}

LocalAnswer LeasedDirs::Rename(const Cred& cred, uint64_t parent, std::string_view name,
                               uint64_t new_parent, std::string_view new_name,
                               uint32_t flags, int64_t now_ns) {
  std::lock_guard lock(mu_);
  Dir *d, *nd;
  Node *p, *np;
  if (!HeldDirLocked(parent, &d, &p) || !HeldDirLocked(new_parent, &nd, &np))
    return LocalAnswer::NotLocal();
  if ((flags & ~kRenameNoReplace) != 0) return LocalAnswer::NotLocal();  // EXCHANGE, WHITEOUT
  if (Status s = MayAccess(p->attr, cred, kExec); !s.ok()) return LocalAnswer{true, s, {}};
  if (Status s = MayAccess(np->attr, cred, kExec); !s.ok()) return LocalAnswer{true, s, {}};
  // Linux order: the source is looked up (ENOENT) before the target's name.
  if (Status s = CheckNewName(name); !s.ok()) return LocalAnswer{true, s, {}};
  auto src = d->names.find(name);
  if (src == d->names.end()) return LocalAnswer::Refused(StatusCode::NotFound, "no such entry");
  if (Status s = CheckNewName(new_name); !s.ok()) return LocalAnswer{true, s, {}};
  const uint64_t src_ino = src->second;
  Node* moved = NodeLocked(src_ino);
  if (moved == nullptr) return LocalAnswer::NotLocal();
  // A directory moving between directories changes its ".." and may make a
  // loop: the leader knows the ancestry, the mount does not.
  if (moved->attr.is_dir() && parent != new_parent) return LocalAnswer::NotLocal();
  auto dst = nd->names.find(new_name);
  Node* victim = nullptr;
  if (dst != nd->names.end()) {
    if (flags & kRenameNoReplace) return LocalAnswer::Refused(StatusCode::Exists, "entry exists");
    if (dst->second == src_ino) return LocalAnswer::Done(moved->attr);  // same inode: no-op
    victim = NodeLocked(dst->second);
    if (victim == nullptr) return LocalAnswer::NotLocal();
    // A directory replaced from another directory may be an ancestor of the
    // source (Linux: ENOTEMPTY before any other check): ancestry is the
    // leader's.
    if (victim->attr.is_dir() && parent != new_parent) return LocalAnswer::NotLocal();
  }
  if (Status s = MayDelete(p->attr, moved->attr, cred); !s.ok()) return LocalAnswer{true, s, {}};
  if (victim != nullptr) {
    if (Status s = MayDelete(np->attr, victim->attr, cred); !s.ok())
      return LocalAnswer{true, s, {}};
    if (moved->attr.is_dir() && !victim->attr.is_dir())
      return LocalAnswer::Refused(StatusCode::NotDir, "target is not a directory");
    if (!moved->attr.is_dir() && victim->attr.is_dir())
      return LocalAnswer::Refused(StatusCode::IsDir, "target is a directory");
    if (victim->attr.is_dir()) {
      auto vd = dirs_.find(dst->second);
      if (vd == dirs_.end()) return LocalAnswer::NotLocal();
      if (!vd->second.names.empty())
        return LocalAnswer::Refused(StatusCode::NotEmpty, "directory not empty");
    }
  } else if (Status s = MayAccess(np->attr, cred, kWrite | kExec); !s.ok()) {
    return LocalAnswer{true, s, {}};
  }
  BatchOpArgs op = EntryOp(BatchOpArgs::Kind::Rename, cred, parent, name, src_ino, now_ns);
  op.new_parent = new_parent;
  op.new_name = std::string(new_name);
  op.flags = flags;
  if (!RoomLocked(op, victim == nullptr ? 1 : 0, *nd)) return LocalAnswer::NotLocal();

  if (victim != nullptr) {
    const uint64_t victim_ino = dst->second;
    nd->names.erase(dst);
    if (victim->attr.is_dir()) {
      if (np->attr.nlink > 2) --np->attr.nlink;
      UnrefLocked(victim_ino);
      DropLocked(victim_ino);
    } else {
      if (victim->attr.nlink > 0) --victim->attr.nlink;
      victim->attr.ctime_ns = now_ns;
      UnrefLocked(victim_ino);
    }
  }
  d->names.erase(d->names.find(name));
  nd->names.emplace(std::string(new_name), src_ino);
  Node& m = nodes_[src_ino];  // the node outlives the move: one ref less, one more
  m.attr.ctime_ns = now_ns;
  Touch(p->attr, now_ns);
  Touch(np->attr, now_ns);
  AppendLocked(std::move(op));
  return LocalAnswer::Done(m.attr);
}

LocalAnswer LeasedDirs::SetAttr(const Cred& cred, uint64_t ino, const SetAttrArgs& args,
                                int64_t now_ns) {
  using B = fb::SetAttrBits;
  std::lock_guard lock(mu_);
  Node* n = NodeLocked(ino);
  if (n == nullptr || !n->created) return LocalAnswer::NotLocal();
  Attrs a = n->attr;
  const bool root = cred.uid == 0, owner = cred.uid == a.uid;
  const uint32_t v = args.valid;
  if (Has(v, B::Size)) {
    if (!S_ISREG(a.mode)) {
      return a.is_dir() ? LocalAnswer::Refused(StatusCode::IsDir, "is a directory")
                        : LocalAnswer::Refused(StatusCode::Invalid, "not a regular file");
    }
    if (args.size > limits_.inline_max) return LocalAnswer::NotLocal();
    if (args.handle == 0) {
      if (Status s = MayAccess(a, cred, kWrite); !s.ok()) return LocalAnswer{true, s, {}};
    }
  }
  if (Has(v, B::Uid) && args.uid != a.uid && !root)
    return LocalAnswer::Refused(StatusCode::NotPermitted, "only root may change the owner");
  if (Has(v, B::Gid) && args.gid != a.gid && !root && !(owner && InGroup(cred, args.gid)))
    return LocalAnswer::Refused(StatusCode::NotPermitted, "may not change the group");
  if (Has(v, B::Mode) && !root && !owner)
    return LocalAnswer::Refused(StatusCode::NotPermitted, "only the owner may chmod");
  const bool explicit_times = Has(v, B::Atime) || Has(v, B::Mtime);
  const bool now_times = Has(v, B::AtimeNow) || Has(v, B::MtimeNow);
  if (explicit_times && !root && !owner)
    return LocalAnswer::Refused(StatusCode::NotPermitted, "only the owner may set times");
  if (now_times && !explicit_times && !root && !owner) {
    if (Status s = MayAccess(a, cred, kWrite); !s.ok()) return LocalAnswer{true, s, {}};
  }
  BatchOpArgs op;
  op.kind = BatchOpArgs::Kind::SetAttr;
  op.cred = cred;
  op.ino = ino;
  op.setattr = args;
  op.time_ns = now_ns;
  if (batch_.size() >= limits_.max_batch_ops ||
      batch_bytes_ + op.WireBytes() > limits_.max_batch_bytes)
    return LocalAnswer::NotLocal();

  if (Has(v, B::Mode)) {
    a.mode = (a.mode & S_IFMT) | (args.mode & 07777);
    const uint32_t gid = Has(v, B::Gid) ? args.gid : a.gid;
    if (!root && !InGroup(cred, gid)) a.mode &= ~S_ISGID;
  }
  if (Has(v, B::Uid)) a.uid = args.uid;
  if (Has(v, B::Gid)) a.gid = args.gid;
  if (Has(v, B::Size)) {
    n->inline_data.resize(args.size, '\0');
    a.size = args.size;
    a.mtime_ns = now_ns;
    if (!root) a.mode = KillSetIds(a.mode);
  }
  if (Has(v, B::Atime)) a.atime_ns = args.atime_ns;
  if (Has(v, B::AtimeNow)) a.atime_ns = now_ns;
  if (Has(v, B::Mtime)) a.mtime_ns = args.mtime_ns;
  if (Has(v, B::MtimeNow)) a.mtime_ns = now_ns;
  a.ctime_ns = now_ns;
  n->attr = a;
  AppendLocked(std::move(op));
  return LocalAnswer::Done(a);
}

LocalAnswer LeasedDirs::WriteInline(const Cred& cred, uint64_t ino, uint64_t offset,
                                    std::string_view data, int64_t now_ns) {
  std::lock_guard lock(mu_);
  Node* n = NodeLocked(ino);
  if (n == nullptr || !n->created || !S_ISREG(n->attr.mode)) return LocalAnswer::NotLocal();
  const uint64_t end = offset + data.size();
  if (end > limits_.inline_max) return LocalAnswer::NotLocal();  // needs blocks
  std::string after = n->inline_data;
  if (after.size() < end) after.resize(end, '\0');
  after.replace(offset, data.size(), data);
  BatchOpArgs op;
  op.kind = BatchOpArgs::Kind::WriteInline;
  op.cred = cred;
  op.ino = ino;
  op.data = after;
  op.file_size = after.size();
  op.time_ns = now_ns;
  // Consecutive writes of one file travel as one: the last carries it whole.
  const bool merge = !batch_.empty() && batch_.back().kind == BatchOpArgs::Kind::WriteInline &&
                     batch_.back().ino == ino;
  const size_t old_bytes = merge ? batch_.back().WireBytes() : 0;
  if ((!merge && batch_.size() >= limits_.max_batch_ops) ||
      batch_bytes_ - old_bytes + op.WireBytes() > limits_.max_batch_bytes)
    return LocalAnswer::NotLocal();
  n->inline_data = std::move(after);
  n->attr.size = n->inline_data.size();
  if (cred.uid != 0) n->attr.mode = KillSetIds(n->attr.mode);
  n->attr.mtime_ns = n->attr.ctime_ns = now_ns;
  if (merge) {
    batch_bytes_ -= old_bytes;
    batch_.back() = op;
    batch_bytes_ += op.WireBytes();
  } else {
    AppendLocked(std::move(op));
  }
  return LocalAnswer::Done(n->attr);
}

void LeasedDirs::Opened(uint64_t ino) {
  std::lock_guard lock(mu_);
  Node* n = NodeLocked(ino);
  if (n == nullptr) return;
  ++n->open;
  ++n->refs;
}

void LeasedDirs::Closed(uint64_t ino) {
  std::lock_guard lock(mu_);
  Node* n = NodeLocked(ino);
  if (n == nullptr || n->open == 0) return;
  --n->open;
  UnrefLocked(ino);
}

}  // namespace opendfs::client
