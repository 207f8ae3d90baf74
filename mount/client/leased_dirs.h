// LeasedDirs: what a mount holds under its write-back directory leases
// (docs/write-back.md) — per leased directory its complete listing and its
// attributes; the inodes this mount created under a lease (attributes, inline
// data, local open count); the inode ids the leader delegated; and the
// pending batch of mutations, in the order they will go on the wire.
//
// Why: with a lease the mount answers lookups, listings and the mutations the
// doc lists by itself and returns at once; the leader re-checks every op when
// the batch is flushed. So each local op here does the checks ext4 would do,
// in the same order, on the attributes held (search + write on the parent,
// the sticky bit, EEXIST/ENOENT/ENOTEMPTY/ENOTDIR/EISDIR/ENAMETOOLONG, setgid
// directories, the umask), then updates the listing, the link counts and the
// parents' mtime/ctime exactly as ext4 does, then appends the op.
//
// Happy path: Grant() a lease (AcquireDirLease's reply); Create()/Mkdir()/
// ... answer `local` with the status ext4 would give; TakeBatch() when a
// flush is due; Settle() with the flush's results (late errors are kept per
// inode until TakeLateError()); Drop() a lease when it is given back or lost.
//
// Failure modes: an op on something not held (directory not leased, victim
// directory whose emptiness is unknown, inode not created here, a rename of a
// directory between two directories, a full batch, inline data past the
// limit) answers local = false and changes nothing: the caller flushes and
// goes the synchronous way.
//
// Pure: no FUSE, no RPC, no clock (times are passed in), no threads; one
// internal mutex so the FUSE threads may share it. Never calls out.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "libnet/status.h"
#include "mount/client/types.h"

namespace opendfs::client {

// POSIX attributes as LeasedDirs changes them (fb::Attr is immutable).
struct Attrs {
  uint64_t ino = 0;
  uint64_t size = 0;
  int64_t atime_ns = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  uint64_t rdev = 0;
  uint32_t mode = 0;
  uint32_t nlink = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t block_size = 0;
  uint16_t replication = 0;

  static Attrs From(const fb::Attr& a);
  fb::Attr ToWire() const;
  bool is_dir() const { return (mode & 0170000) == 0040000; }
  friend bool operator==(const Attrs&, const Attrs&) = default;
};

// AcquireDirLease's answer (schema/meta.fbs AcquireDirLeaseReply).
struct LeaseGrant {
  bool granted = false;
  uint32_t retry_ms = 0;
  fb::Attr dir_attr;
  std::vector<DirEntryInfo> entries;  // attr filled
  uint64_t first_inode = 0;           // delegated first_inode .. + inode_count - 1
  uint32_t inode_count = 0;
};

// One buffered mutation as it goes on the wire (schema/meta.fbs BatchOp):
// the synchronous request's fields, plus the inode id a create gives and the
// time the mount applied it.
struct BatchOpArgs {
  enum class Kind : uint8_t {
    Mknod, Mkdir, Create, Symlink, Link, Unlink, Rmdir, Rename, SetAttr, WriteInline
  };
  Kind kind = Kind::Create;
  Cred cred;
  uint64_t parent = 0;      // the directory of the entry (rename: the source's)
  std::string name;
  uint64_t new_parent = 0;  // rename, link
  std::string new_name;
  uint32_t mode = 0;        // create/mknod/mkdir: as asked, before the umask
  uint32_t umask = 0;
  uint64_t rdev = 0;
  uint32_t flags = 0;       // create: open flags; rename: RENAME_* flags
  uint32_t block_size = 0;  // create
  uint16_t replication = 0;
  std::string target;       // symlink
  uint64_t ino = 0;         // link, setattr, write-inline: the inode
  SetAttrArgs setattr;      // setattr
  // write-inline: the file's whole inline data after the op (a write of the
  // whole of it at offset 0 on the wire), its size and mtime.
  std::string data;
  uint64_t file_size = 0;
  uint64_t inode = 0;       // the new inode's id (delegated), for creates
  int64_t time_ns = 0;      // when the mount applied it
  bool open = false;        // create: the file is open here (wants a handle)

  // The bytes this op adds to a batch (for the 1 MiB bound).
  size_t WireBytes() const;
};

// How a local operation went. local = false: not answerable here (nothing
// changed; flush, then go synchronous). Else `status` is what ext4 would have
// answered and, when ok, `attr` the attributes of the inode concerned.
struct LocalAnswer {
  bool local = false;
  Status status;
  Attrs attr;

  static LocalAnswer NotLocal() { return LocalAnswer{}; }
  static LocalAnswer Done(const Attrs& a) { return LocalAnswer{true, Status::Ok(), a}; }
  static LocalAnswer Refused(StatusCode code, std::string why) {
    return LocalAnswer{true, Status(code, std::move(why)), Attrs{}};
  }
};

// A lookup answered from a leased listing: found = false is a negative entry
// (ENOENT, which the kernel may cache).
struct LocalLookup {
  bool found = false;
  Attrs attr;
};

// A late error: a flushed op the leader refused.
struct LateError {
  BatchOpArgs::Kind kind;
  uint64_t ino = 0;      // the inode concerned
  StatusCode code = StatusCode::Ok;
};

class LeasedDirs {
 public:
  struct Limits {
    size_t max_entries = 10000;        // per listing (lease_max_entries)
    size_t max_leases = 1024;          // per mount
    size_t max_batch_ops = 1024;
    size_t max_batch_bytes = 1 << 20;
    uint32_t inline_max = 0;           // largest inline file handled locally
  };
  explicit LeasedDirs(Limits limits);

  // ---- leases ----
  // Records a granted lease (listing, directory attributes, delegated ids).
  // False when past the mount's bounds (the caller gives it back).
  bool Grant(uint64_t dir, const LeaseGrant& g);
  bool Holds(uint64_t dir) const;
  size_t LeaseCount() const;
  // Forgets the lease on `dir` and the inodes created under it. The batch is
  // untouched: drop only after a flush (or when the leader says it is lost).
  void Drop(uint64_t dir);
  // Every leased directory (a new event epoch drops them all).
  std::vector<uint64_t> Leased() const;
  // Delegated inode ids not used yet (ask for more below 64).
  uint64_t InodesLeft() const;
  void AddInodes(uint64_t first, uint32_t count);

  // ---- answers from what is held ----
  // nullopt: `parent` is not leased.
  std::optional<LocalLookup> Lookup(uint64_t parent, std::string_view name) const;
  // Attributes of a leased directory or of an inode created under a lease.
  std::optional<Attrs> GetAttr(uint64_t ino) const;
  // The complete listing of a leased directory, in name order.
  std::optional<std::vector<DirEntryInfo>> List(uint64_t dir) const;
  // A small file created here: its inline data (nullopt: not one of ours).
  std::optional<std::string> InlineData(uint64_t ino) const;
  // True for an inode created here under a lease still held.
  bool Created(uint64_t ino) const;
  // An inode with changes in the pending batch (reading it from metad needs a
  // flush first).
  bool HasPendingChanges(uint64_t ino) const;

  // ---- local mutations (ext4's checks and effects) ----
  // create (open=true: the file stays open here) and mknod of regular files
  // and FIFOs.
  LocalAnswer Create(const Cred& cred, uint64_t parent, std::string_view name,
                     uint32_t mode, uint32_t umask, uint32_t flags, uint32_t block_size,
                     uint16_t replication, bool open, int64_t now_ns);
  LocalAnswer Mknod(const Cred& cred, uint64_t parent, std::string_view name,
                    uint32_t mode, uint32_t umask, uint64_t rdev, int64_t now_ns);
  // The new directory is leased to this mount as well (empty listing).
  LocalAnswer Mkdir(const Cred& cred, uint64_t parent, std::string_view name,
                    uint32_t mode, uint32_t umask, int64_t now_ns);
  LocalAnswer Symlink(const Cred& cred, uint64_t parent, std::string_view name,
                      std::string_view target, int64_t now_ns);
  LocalAnswer Unlink(const Cred& cred, uint64_t parent, std::string_view name,
                     int64_t now_ns);
  LocalAnswer Rmdir(const Cred& cred, uint64_t parent, std::string_view name,
                    int64_t now_ns);
  LocalAnswer Rename(const Cred& cred, uint64_t parent, std::string_view name,
                     uint64_t new_parent, std::string_view new_name, uint32_t flags,
                     int64_t now_ns);
  // Of an inode created here: mode, uid, gid, times, and the size of an
  // inline file.
  LocalAnswer SetAttr(const Cred& cred, uint64_t ino, const SetAttrArgs& args,
                      int64_t now_ns);
  // A write into a small file created here (stays inline: end <= inline_max).
  LocalAnswer WriteInline(const Cred& cred, uint64_t ino, uint64_t offset,
                          std::string_view data, int64_t now_ns);
  // The local open count of a created file (close of an open create).
  void Opened(uint64_t ino);
  void Closed(uint64_t ino);

  // ---- the batch ----
  size_t BatchOps() const;
  bool BatchFull() const;
  // The pending ops, in order; the batch is empty afterwards.
  std::vector<BatchOpArgs> TakeBatch();
  // After a flush of `sent`: statuses[i] is op i's (0 = applied). Each
  // refusal is kept as a late error on the inodes it concerned (for an entry
  // op: the directory and the inode named) and returned. The leases of
  // directories a refused op touched are dropped (what is held there is no
  // longer what the leader has); their ids are added to `dropped`.
  std::vector<LateError> Settle(const std::vector<BatchOpArgs>& sent,
                                const std::vector<StatusCode>& statuses,
                                std::vector<uint64_t>* dropped);
  // The first late error kept on `ino`, cleared (fsync/close report it once).
  std::optional<LateError> TakeLateError(uint64_t ino);

 private:
  struct Dir {
    Attrs attr;
    std::map<std::string, uint64_t, std::less<>> names;  // name -> inode
  };
  // An inode whose attributes are held: a leased directory, an entry of a
  // leased listing, or an inode created here. refs counts the listings that
  // name it, plus one while it is itself leased, plus its local opens; at 0
  // it is forgotten.
  struct Node {
    Attrs attr;
    bool created = false;       // created here under a lease still held
    uint64_t lease = 0;         // the leased directory it was created in
    std::string inline_data;
    uint32_t open = 0;
    uint32_t refs = 0;
  };
  struct IdRange {
    uint64_t next = 0;
    uint64_t end = 0;           // one past the last
  };

  // Each `*Locked` helper requires mu_.
  Node* NodeLocked(uint64_t ino);
  const Node* NodeLocked(uint64_t ino) const;
  // A leased directory's listing and its node; nullopt-like null when not held.
  bool HeldDirLocked(uint64_t dir, Dir** d, Node** n);
  void RefLocked(uint64_t ino, const Attrs* attr);
  void UnrefLocked(uint64_t ino);
  void DropLocked(uint64_t dir);
  // Search permission on a held leased directory and a valid new name.
  Status MayCreateLocked(const Dir& d, const Attrs& parent, std::string_view name,
                         const Cred& cred) const;
  bool TakeInodeLocked(uint64_t* ino);
  // unlink/rmdir: the held parent and the entry to remove, after the checks
  // both share (search, name, existence, may_delete); an answer when they
  // already decide.
  struct Removal {
    Dir* dir = nullptr;
    Node* parent = nullptr;
    uint64_t ino = 0;
    Node* victim = nullptr;
  };
  std::optional<LocalAnswer> FindVictimLocked(const Cred& cred, uint64_t parent,
                                              std::string_view name, Removal* r);
  bool RoomLocked(const BatchOpArgs& op, size_t listing_growth, const Dir& d) const;
  void AppendLocked(BatchOpArgs op);
  // The common part of create/mknod/mkdir/symlink once `a` is built.
  LocalAnswer AddEntryLocked(Dir& d, Node& parent, std::string_view name, Attrs a,
                             BatchOpArgs op, bool open);
  LocalAnswer NewEntryLocked(const Cred& cred, uint64_t parent, std::string_view name,
                             uint32_t mode, BatchOpArgs op, bool open, int64_t now_ns);

  const Limits limits_;
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, Dir> dirs_;        // GUARDED_BY(mu_): leased dirs
  std::unordered_map<uint64_t, Node> nodes_;      // GUARDED_BY(mu_): children held
  std::vector<IdRange> ids_;                      // GUARDED_BY(mu_): delegated, unused
  std::vector<BatchOpArgs> batch_;                // GUARDED_BY(mu_)
  size_t batch_bytes_ = 0;                        // GUARDED_BY(mu_)
  std::unordered_map<uint64_t, uint32_t> pending_;  // GUARDED_BY(mu_): ino -> ops
  std::unordered_map<uint64_t, LateError> late_;  // GUARDED_BY(mu_)
};

}  // namespace opendfs::client
