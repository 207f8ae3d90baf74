// Fs core and the namespace operations (lookup, forget, attributes, create
// family, rename, links). File I/O is in fs_file.cc, directories in
// fs_dir.cc, statfs/xattr/access/init in fs_misc.cc.
#include "mount/fuse/fs.h"

#include "mount/fuse/readahead.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <vector>

namespace opendfs::mountfs {

namespace {

// Times are kept as int64 ns since the epoch: 1677-09-21 .. 2262-04-11, at
// full precision (ext4 keeps 1901 .. 2446). A time outside is clamped to the
// nearest representable one, as ext4 clamps to its own range.
int64_t ToNs(const timespec& ts) {
  constexpr int64_t kNsPerS = 1000000000;
  constexpr int64_t kMaxS = INT64_MAX / kNsPerS - 1;
  constexpr int64_t kMinS = INT64_MIN / kNsPerS + 1;
  const int64_t s = static_cast<int64_t>(ts.tv_sec);
  if (s > kMaxS) return INT64_MAX;
  if (s < kMinS) return INT64_MIN + kNsPerS;
  return s * kNsPerS + ts.tv_nsec;
}

timespec FromNs(int64_t ns) {
  timespec ts;
  ts.tv_sec = static_cast<time_t>(ns / 1000000000);
  ts.tv_nsec = static_cast<long>(ns % 1000000000);
  if (ts.tv_nsec < 0) {
    ts.tv_nsec += 1000000000;
    ts.tv_sec -= 1;
  }
  return ts;
}

// Codes that are the filesystem's answer rather than a failure worth a log
// line (ENOENT on lookup, EEXIST, EACCES, ...).
bool PlainAnswer(StatusCode c) { return static_cast<int>(c) < 100; }

}  // namespace

Status GoneIsStale(Status s) {
  if (s.code() != StatusCode::NotFound) return s;
  return Status(StatusCode::Stale, s.message());
}

void ToStat(const fb::Attr& a, struct stat* st) {
  *st = {};
  st->st_ino = a.ino();
  st->st_mode = a.mode();
  st->st_nlink = a.nlink();
  st->st_uid = a.uid();
  st->st_gid = a.gid();
  st->st_rdev = a.rdev();
  st->st_size = static_cast<off_t>(a.size());
  st->st_blksize = a.block_size() ? std::min<uint32_t>(a.block_size(), 1u << 20) : 4096;
  st->st_blocks = static_cast<blkcnt_t>((a.size() + 511) / 512);
  st->st_atim = FromNs(a.atime_ns());
  st->st_mtim = FromNs(a.mtime_ns());
  st->st_ctim = FromNs(a.ctime_ns());
}

Fs::Fs(const MountOptions& options, Logger& log) : options_(options), log_(log) {}

Fs::~Fs() = default;

void Fs::Attach(Services services) {
  services_ = std::move(services);
  meta_ = services_.meta.get();
  blocks_ = services_.blocks.get();
  reader_ = std::make_unique<client::FileReader>(*meta_, *blocks_, locations_, log_);
  meta_->SetSessionRenewedHook([this](bool lapsed) {
    ReopenHandles();  // first: an unlink waiting for the new session must find them open
    ReassertLocks(lapsed);
    ReassertBlockWrites(lapsed);
  });
  if (options_.cache_events && session_ != nullptr) {
    FsEventsOptions eo;
    eo.negative_entries = options_.negative_timeout_s > 0;
    events_ = std::make_unique<FsEvents>(eo, *meta_, session_, inodes_, kernel_names_, log_);
    events_->Start();
  }
}

// With cache events on, nothing is cached while they do not flow (before the
// first subscription, after a failed poll until the next leader took this
// mount's subscription): what the kernel caches, the leader must know of.
double Fs::AttrTimeout() const {
  if (!events_) return options_.attr_timeout_s;
  return events_->healthy() ? options_.cache_timeout_max_ms / 1000.0 : 0.0;
}

double Fs::EntryTimeout() const {
  if (!events_) return options_.entry_timeout_s;
  return events_->healthy() ? options_.cache_timeout_max_ms / 1000.0 : 0.0;
}

void Fs::Shutdown() {
  if (meta_ == nullptr) return;
  if (events_) events_->Stop();
  client::Cred root;
  for (auto& w : inodes_.Writers()) {
    Status s = w->Flush(root);
    if (!s.ok()) log_.Error("mount: final flush at unmount failed: {}", s.ToString());
  }
  meta_->StopSession();
  services_.rpc->Stop();
}

client::Cred Fs::CredOf(fuse_req_t req) const {
  const fuse_ctx* ctx = fuse_req_ctx(req);
  client::Cred c;
  c.uid = ctx->uid;
  c.gid = ctx->gid;
  gid_t groups[64];
  int n = fuse_req_getgroups(req, 64, groups);
  if (n > 64) {
    std::vector<gid_t> more(static_cast<size_t>(n));
    n = fuse_req_getgroups(req, n, more.data());
    for (int i = 0; i < n && i < static_cast<int>(more.size()); ++i)
      c.groups.push_back(more[static_cast<size_t>(i)]);
  } else {
    for (int i = 0; i < n; ++i) c.groups.push_back(groups[i]);
  }
  return c;
}

void Fs::ReplyError(fuse_req_t req, const char* op, uint64_t ino, const Status& s) {
  if (!PlainAnswer(s.code())) {
    log_.Error("mount: {} ino={} failed: {}", op, ino, s.ToString());
  }
  fuse_reply_err(req, ToErrno(s));
}

void Fs::FillEntry(const fb::Attr& a, fuse_entry_param* e) const {
  *e = {};
  e->ino = a.ino();
  e->generation = 1;
  ToStat(WithLocalWrites(a), &e->attr);
  e->attr_timeout = AttrTimeout();
  e->entry_timeout = EntryTimeout();
}

void Fs::ReplyEntry(fuse_req_t req, uint64_t parent, const char* name, const fb::Attr& a) {
  fuse_entry_param e;
  FillEntry(a, &e);
  inodes_.Ref(a.ino());
  kernel_names_.Record(parent, name, a.ino());
  // An interrupted request never reached the kernel: undo its count.
  if (fuse_reply_entry(req, &e) != 0) ForgetOne(a.ino(), 1);
}

void Fs::ForgetOne(uint64_t ino, uint64_t n) {
  inodes_.Forget(ino, n);
  if (inodes_.lookups(ino) == 0) kernel_names_.Forgotten(ino);
}

void Fs::DropNamesNear(uint64_t ino) {
  if (session_ == nullptr) return;
  // Safe inside setlk/flock: the locking process holds no directory lock,
  // and the kernel's lookups this may wait for are served by the other
  // worker threads.
  for (const auto& [dir, name] : kernel_names_.NamesNear(ino))
    (void)fuse_lowlevel_notify_inval_entry(session_, dir, name.data(), name.size());
}

fb::Attr Fs::WithLocalWrites(const fb::Attr& a) const {
  auto w = inodes_.Writer(a.ino());
  if (!w || !w->HasDirty()) return a;
  return fb::Attr(a.ino(), std::max<uint64_t>(a.size(), w->size()), a.atime_ns(),
                  std::max<int64_t>(a.mtime_ns(), w->mtime_ns()), a.ctime_ns(), a.rdev(),
                  a.mode(), a.nlink(), a.uid(), a.gid(), a.block_size(), a.replication(),
                  a.pad());
}

void Fs::TuneReadAheadOnce() {
  if (options_.read_ahead_kb == 0) return;
  std::call_once(read_ahead_once_, [this] {
    Status s = SetReadAhead(options_.mountpoint, options_.read_ahead_kb);
    if (s.ok()) {
      log_.Info("mount: read_ahead_kb={}", options_.read_ahead_kb);
    } else {
      log_.Warn("mount: read_ahead_kb={} not set: {}", options_.read_ahead_kb, s.ToString());
    }
  });
}

void Fs::Lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  TuneReadAheadOnce();
  Result<fb::Attr> a = meta_->Lookup(CredOf(req), parent, name);
  if (!a.ok()) {
    if (a.status().code() == StatusCode::NotFound && options_.negative_timeout_s > 0) {
      fuse_entry_param e = {};
      e.entry_timeout = options_.negative_timeout_s;
      kernel_names_.Record(parent, name, 0);
      fuse_reply_entry(req, &e);
      return;
    }
    return ReplyError(req, "lookup", parent, a.status());
  }
  ReplyEntry(req, parent, name, *a);
}

void Fs::Forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  ForgetOne(ino, nlookup);
  fuse_reply_none(req);
}

void Fs::ForgetMulti(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  for (size_t i = 0; i < count; ++i) ForgetOne(forgets[i].ino, forgets[i].nlookup);
  fuse_reply_none(req);
}

void Fs::GetAttr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  TuneReadAheadOnce();
  Result<fb::Attr> a = meta_->GetAttr(CredOf(req), ino);
  if (!a.ok()) return ReplyError(req, "getattr", ino, GoneIsStale(a.status()));
  struct stat st;
  ToStat(WithLocalWrites(*a), &st);
  fuse_reply_attr(req, &st, AttrTimeout());
}

void Fs::SetAttr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set,
                 fuse_file_info* fi) {
  using B = fb::SetAttrBits;
  client::Cred cred = CredOf(req);
  if ((to_set & FUSE_SET_ATTR_MODE) && cred.uid != 0) {
    // The kernel's own set-id clearing before a write or truncate by a
    // non-owner (this libfuse gets no FUSE_CAP_HANDLE_KILLPRIV): metad
    // clears the bits itself with the write's commit or the truncate
    // (kill_setid), so drop the chmod, which metad would refuse to a
    // non-owner; a chmod alone is answered with the cleared mode.
    Result<fb::Attr> cur = meta_->GetAttr(cred, ino);
    if (cur.ok() && cur->uid() != cred.uid) {
      uint32_t want = cur->mode() & ~static_cast<uint32_t>(S_ISUID);
      if (want & S_IXGRP) want &= ~static_cast<uint32_t>(S_ISGID);
      if (want != cur->mode() && (attr->st_mode & 07777) == (want & 07777)) {
        to_set &= ~FUSE_SET_ATTR_MODE;
        if ((to_set & ~FUSE_SET_ATTR_CTIME) == 0) {
          fb::Attr a(cur->ino(), cur->size(), cur->atime_ns(), cur->mtime_ns(), cur->ctime_ns(),
                     cur->rdev(), want, cur->nlink(), cur->uid(), cur->gid(), cur->block_size(),
                     cur->replication(), cur->pad());
          struct stat st;
          ToStat(WithLocalWrites(a), &st);
          fuse_reply_attr(req, &st, AttrTimeout());
          return;
        }
      }
    }
  }
  // Commit pending writes first: a truncate must cut them, and times set
  // with futimens before close must not be overwritten by a later commit.
  auto w = inodes_.Writer(ino);
  const int kExplicitTimes = FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME;
  const int times = to_set & ~FUSE_SET_ATTR_CTIME;
  if (w && times != 0 && (times & ~kExplicitTimes) == 0) {
    // tar, cp -a: a small file's staged data and its times in one commit.
    client::ExplicitTimes t;
    if (times & FUSE_SET_ATTR_ATIME) t.atime_ns = ToNs(attr->st_atim);
    if (times & FUSE_SET_ATTR_MTIME) t.mtime_ns = ToNs(attr->st_mtim);
    Result<bool> folded = w->FlushSettingTimes(cred, t);
    if (!folded.ok()) return ReplyError(req, "setattr(flush)", ino, folded.status());
    if (std::optional<fb::Attr> a = w->committed_attr(); *folded && a) {
      inodes_.RecordContent(ino, a->mtime_ns(), a->size());
      struct stat st;
      ToStat(*a, &st);
      fuse_reply_attr(req, &st, AttrTimeout());
      return;
    }
  }
  if (w && w->HasDirty()) {
    Status s = w->Flush(cred);
    if (!s.ok()) return ReplyError(req, "setattr(flush)", ino, s);
  }
  client::SetAttrArgs args;
  auto set = [&](int fuse_bit, B bit) {
    if (to_set & fuse_bit) args.valid |= static_cast<uint32_t>(bit);
  };
  set(FUSE_SET_ATTR_MODE, B::Mode);
  set(FUSE_SET_ATTR_UID, B::Uid);
  set(FUSE_SET_ATTR_GID, B::Gid);
  set(FUSE_SET_ATTR_SIZE, B::Size);
  set(FUSE_SET_ATTR_ATIME, B::Atime);
  set(FUSE_SET_ATTR_MTIME, B::Mtime);
  set(FUSE_SET_ATTR_ATIME_NOW, B::AtimeNow);
  set(FUSE_SET_ATTR_MTIME_NOW, B::MtimeNow);
  set(FUSE_SET_ATTR_CTIME, B::Ctime);
  args.mode = attr->st_mode;
  args.uid = attr->st_uid;
  args.gid = attr->st_gid;
  args.size = static_cast<uint64_t>(attr->st_size);
  args.atime_ns = ToNs(attr->st_atim);
  args.mtime_ns = ToNs(attr->st_mtim);
  if (to_set & FUSE_SET_ATTR_SIZE) args.handle = WritableHandleOf(fi);
  Result<fb::Attr> a = meta_->SetAttr(cred, ino, args);
  if (!a.ok()) return ReplyError(req, "setattr", ino, GoneIsStale(a.status()));
  if (to_set & FUSE_SET_ATTR_SIZE) {
    locations_.Invalidate(ino);
    if (w) w->SetSize(a->size());
  }
  inodes_.RecordContent(ino, a->mtime_ns(), a->size());
  struct stat st;
  ToStat(*a, &st);
  fuse_reply_attr(req, &st, AttrTimeout());
}

void Fs::ReadLink(fuse_req_t req, fuse_ino_t ino) {
  Result<std::string> t = meta_->ReadLink(CredOf(req), ino);
  if (!t.ok()) return ReplyError(req, "readlink", ino, GoneIsStale(t.status()));
  fuse_reply_readlink(req, t->c_str());
}

void Fs::Mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
               dev_t rdev) {
  Result<fb::Attr> a = meta_->Mknod(CredOf(req), parent, name, mode, rdev, UmaskOf(req));
  if (!a.ok()) return ReplyError(req, "mknod", parent, a.status());
  ReplyEntry(req, parent, name, *a);
}

void Fs::Mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  Result<fb::Attr> a = meta_->Mkdir(CredOf(req), parent, name, mode & 07777, UmaskOf(req));
  if (!a.ok()) return ReplyError(req, "mkdir", parent, a.status());
  ReplyEntry(req, parent, name, *a);
}

void Fs::Unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Status s = meta_->Unlink(CredOf(req), parent, name);
  if (!s.ok()) return ReplyError(req, "unlink", parent, s);
  fuse_reply_err(req, 0);
}

void Fs::Rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Status s = meta_->Rmdir(CredOf(req), parent, name);
  if (!s.ok()) return ReplyError(req, "rmdir", parent, s);
  fuse_reply_err(req, 0);
}

void Fs::Symlink(fuse_req_t req, const char* target, fuse_ino_t parent,
                 const char* name) {
  Result<fb::Attr> a = meta_->Symlink(CredOf(req), parent, name, target);
  if (!a.ok()) return ReplyError(req, "symlink", parent, a.status());
  ReplyEntry(req, parent, name, *a);
}

void Fs::Rename(fuse_req_t req, fuse_ino_t parent, const char* name,
                fuse_ino_t newparent, const char* newname, unsigned flags) {
  if (flags & ~static_cast<unsigned>(RENAME_NOREPLACE | RENAME_EXCHANGE)) {
    fuse_reply_err(req, EINVAL);  // RENAME_WHITEOUT: overlayfs only
    return;
  }
  Status s = meta_->Rename(CredOf(req), parent, name, newparent, newname, flags);
  if (!s.ok()) return ReplyError(req, "rename", parent, s);
  fuse_reply_err(req, 0);
}

void Fs::Link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
              const char* newname) {
  Result<fb::Attr> a = meta_->Link(CredOf(req), ino, newparent, newname);
  if (!a.ok()) return ReplyError(req, "link", ino, a.status());
  ReplyEntry(req, newparent, newname, *a);
}

}  // namespace opendfs::mountfs
