// Fs: the state of one opendfs-mount and the body of every FUSE operation.
//
// Happy path: main() builds an Fs, hands it to fuse_session_new as userdata,
// mounts, daemonizes, then Attach()es the network clients and runs the
// multi-threaded loop; every handler in fuse_ops.cc fetches the Fs with
// fuse_req_userdata() (never a global) and calls the method of the same
// name, which talks to metad / blockds and replies.
//
// Lock order (outer first; no lock is held while calling metad or blockds
// except a FileWriter's own mutex, which serialises one inode's writes, and a
// DirHandle's; no lock at all is held while replying, since a reply lets the
// kernel send release/releasedir, which frees the handle):
//   1. FileWriter::mu_        (per inode, held across block RPCs)
//   2. DirHandle::mu          (per open directory)
//   3. InodeTable::mu_, LocationCache::mu_  (leaf locks, short)
//
// Failure modes: every failed call replies with ToErrno(status) (libnet);
// failures that are not plain filesystem answers (transport, EIO, internal)
// are logged with the operation and inode.
#pragma once

#include <fuse_lowlevel.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "libnet/client.h"
#include "libnet/log.h"
#include "mount/client/block_client.h"
#include "mount/client/file_reader.h"
#include "mount/client/held_locks.h"
#include "mount/client/open_handles.h"
#include "mount/client/reassert_gate.h"
#include "mount/client/location_cache.h"
#include "mount/client/meta_client.h"
#include "mount/fuse/fs_events.h"
#include "mount/fuse/inode_table.h"
#include "mount/fuse/kernel_names.h"
#include "mount/fuse/mount_options.h"

namespace opendfs::mountfs {

class FuseMetrics;  // fuse_metrics.h

// The network side, created after daemonizing (threads do not survive fork).
struct Services {
  std::unique_ptr<Client> rpc;
  std::unique_ptr<client::MetaClient> meta;
  std::unique_ptr<client::BlockClient> blocks;
};

class Fs {
 public:
  Fs(const MountOptions& options, Logger& log);
  ~Fs();

  void Attach(Services services);
  // The session notifications go to (cached attributes made stale).
  void SetSession(fuse_session* se) { session_ = se; }
  // Where the handlers count their calls (fuse_ops.cc); null = nowhere.
  void SetMetrics(FuseMetrics* m) { metrics_ = m; }
  FuseMetrics* metrics() const { return metrics_; }
  // For metrics: the block location cache and the metad client (null
  // before Attach).
  const client::LocationCache& locations() const { return locations_; }
  const client::MetaClient* meta() const { return meta_; }
  // Flushes writers still open (unmount with open files) and stops the
  // session; called once the loop ended.
  void Shutdown();

  // FUSE operations (see fuse_lowlevel_ops); each replies exactly once.
  void Init(fuse_conn_info* conn);
  void Lookup(fuse_req_t req, fuse_ino_t parent, const char* name);
  void Forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
  void ForgetMulti(fuse_req_t req, size_t count, fuse_forget_data* forgets);
  void GetAttr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
  void SetAttr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set,
               fuse_file_info* fi);
  void ReadLink(fuse_req_t req, fuse_ino_t ino);
  void Mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
             dev_t rdev);
  void Mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode);
  void Unlink(fuse_req_t req, fuse_ino_t parent, const char* name);
  void Rmdir(fuse_req_t req, fuse_ino_t parent, const char* name);
  void Symlink(fuse_req_t req, const char* target, fuse_ino_t parent,
               const char* name);
  void Rename(fuse_req_t req, fuse_ino_t parent, const char* name,
              fuse_ino_t newparent, const char* newname, unsigned flags);
  void Link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
            const char* newname);
  void Open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
  void Create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
              fuse_file_info* fi);
  void Read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
            fuse_file_info* fi);
  void Write(fuse_req_t req, fuse_ino_t ino, const char* buf, size_t size,
             off_t off, fuse_file_info* fi);
  void Flush(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
  void Release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
  void Fsync(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi);
  void Fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
                 off_t length, fuse_file_info* fi);
  void OpenDir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
  void ReadDir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
               fuse_file_info* fi, bool plus);
  void ReleaseDir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
  void StatFs(fuse_req_t req, fuse_ino_t ino);
  void SetXattr(fuse_req_t req, fuse_ino_t ino, const char* name,
                const char* value, size_t size, int flags);
  void GetXattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size);
  void ListXattr(fuse_req_t req, fuse_ino_t ino, size_t size);
  void RemoveXattr(fuse_req_t req, fuse_ino_t ino, const char* name);
  void Access(fuse_req_t req, fuse_ino_t ino, int mask);
  // Cluster-wide locks (fs_locks.cc).
  void GetLk(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi, struct flock* lock);
  void SetLk(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi, struct flock* lock,
             int sleep);
  void Flock(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi, int op);
  // After a new metad session: re-assert every held lock (leader change).
  void ReassertLocks(bool lapsed);
  // After a new metad session: open every open file again under it, so that
  // the new leader keeps a file unlinked while open here (fs_file.cc).
  void ReopenHandles();
  // After a new metad session: take back the block write locks of writes
  // still open here (a leader change), so that the new leader does not
  // settle them under a writer that is alive (fs_file.cc).
  void ReassertBlockWrites(bool lapsed);

  InodeTable& inodes() { return inodes_; }

  struct OpenFile;   // fs_file.cc: one open file handle (fi->fh)
  struct DirHandle;  // fs_dir.cc: one open directory (fi->fh)

 private:
  client::Cred CredOf(fuse_req_t req) const;
  // The caller's umask for create/mkdir/mknod. With FUSE_CAP_DONT_MASK the
  // kernel leaves it to us: metad applies it unless the parent directory
  // has a default ACL (which replaces it, as on ext4). 0 when the kernel
  // masked the mode itself.
  uint32_t UmaskOf(fuse_req_t req) const;
  // After a change of an inode's ACL or mode through this mount: the
  // kernel drops its cached attributes and ACLs of it.
  void InvalidateAttrs(uint64_t ino);
  // Replies with the errno of `s`, logging it when it is not a plain
  // filesystem answer.
  void ReplyError(fuse_req_t req, const char* op, uint64_t ino, const Status& s);
  // Replies an entry `name` of `parent` (and counts the lookup, and records
  // the name in kernel_names_).
  void ReplyEntry(fuse_req_t req, uint64_t parent, const char* name, const fb::Attr& a);
  // The kernel forgot `n` lookups of `ino`.
  void ForgetOne(uint64_t ino, uint64_t n);
  // After a lock on `ino` is granted: the kernel forgets the names this
  // mount gave it in the directories of `ino` (kernel_names.h).
  void DropNamesNear(uint64_t ino);
  // Kernel cache timeouts (s): with cache_events, cache_timeout_max_ms
  // while the leader's invalidations flow (fs_events.h) and 0 while they do
  // not; without, attr_timeout / entry_timeout.
  double AttrTimeout() const;
  double EntryTimeout() const;
  void FillEntry(const fb::Attr& a, fuse_entry_param* e) const;
  // The attributes the kernel should see: metad's, with the size and mtime
  // of uncommitted writes of this mount.
  fb::Attr WithLocalWrites(const fb::Attr& a) const;
  std::shared_ptr<client::FileWriter> MakeWriter(uint64_t ino, const client::OpenResult& o);
  // Sets the mount's read-ahead once, at the first request after FUSE init
  // (the init reply would lower it again).
  void TuneReadAheadOnce();
  // The body of readdir(plus), under the DirHandle's lock.
  Status FillDir(fuse_req_t req, uint64_t ino, DirHandle& dh, uint64_t off, bool plus,
                 std::vector<char>& buf, size_t* used);
  // The metad handle of `fi` when it was opened for writing, else 0
  // (ftruncate is authorised by the descriptor, not the current mode).
  uint64_t WritableHandleOf(const fuse_file_info* fi) const;
  // Common part of open and create.
  Status SetUpHandle(uint64_t ino, const client::Cred& cred,
                     const client::OpenResult& o, fuse_file_info* fi,
                     bool created);

  // SetLock, retried while `wait` and held (F_SETLKW); records the grant.
  // Answers setlk / flock: refusals (held, deadlock) and interruptions are
  // answers, not failures, and get no log line.
  void ReplyLock(fuse_req_t req, const char* op, uint64_t ino, const Status& s);
  Status SetLockWaiting(fuse_req_t req, uint64_t ino, uint64_t owner,
                        const client::LockArgs& lock, bool wait);
  // SetLockWaiting with the data rules of fs_locks.cc: an unlock commits
  // this mount's writes of the file first; a grant revalidates the cache.
  Status LockAndRevalidate(fuse_req_t req, uint64_t ino, uint64_t owner,
                           const client::LockArgs& lock, bool wait);
  Status FlushBeforeUnlock(const client::Cred& cred, uint64_t ino);
  // Drops the kernel's cached pages and attributes of `ino` when another
  // mount changed it since this mount cached it.
  void RevalidateAfterLock(const client::Cred& cred, uint64_t ino);
  // release: drops the POSIX (OFD) locks of owners that used handle `fh`.
  void ReleaseHandleLocks(const client::Cred& cred, uint64_t ino, uint64_t fh);
  // flush/fsync: commits this handle's writes and replies.
  void FlushData(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
  // close(2): drops `owner`'s locks of that kind on `ino`, if it holds any.
  void ReleaseOwnerLocks(const client::Cred& cred, uint64_t ino, uint64_t owner, bool flock);

  const MountOptions& options_;
  Logger& log_;
  Services services_;
  client::MetaClient* meta_ = nullptr;
  client::BlockClient* blocks_ = nullptr;
  client::LocationCache locations_;
  std::unique_ptr<client::FileReader> reader_;
  InodeTable inodes_;
  KernelNames kernel_names_;  // names replied to the kernel, per directory
  std::once_flag read_ahead_once_;
  fuse_session* session_ = nullptr;
  FuseMetrics* metrics_ = nullptr;
  bool dont_mask_ = false;  // FUSE_CAP_DONT_MASK granted (set in Init)
  // The invalidation thread (cache_events).
  std::unique_ptr<FsEvents> events_;
  client::HeldLocks held_locks_;
  client::OpenHandles open_handles_;  // metad handles of open files
  // Unlocks vs re-assertion after a leader change (reassert_gate.h).
  client::ReassertGate reassert_gate_{std::chrono::milliseconds(5000)};
};

// Attr -> struct stat as the kernel wants it.
void ToStat(const fb::Attr& a, struct stat* st);

// For operations by inode (getattr, open, opendir, setattr, readlink):
// NotFound means the inode is gone — another mount unlinked it while this
// kernel still has a dentry for it. Answered ESTALE (as NFS does), so that
// the kernel looks the path up again (LOOKUP_REVAL) instead of failing
// open(O_CREAT) or stat with ENOENT on a stale name.
Status GoneIsStale(Status s);

}  // namespace opendfs::mountfs
