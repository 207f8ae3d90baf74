// File handles: open/create set up an OpenFile (metad handle + the inode's
// shared FileWriter when writable); read goes through FileReader, write
// through the FileWriter; flush/fsync/release commit; release also returns
// the metad handle. Close-to-open: open drops the inode's cached block
// locations and keeps the kernel page cache only when (mtime, size) are what
// this mount last saw; otherwise it also drops the kernel's cached attributes.
#include <fcntl.h>

#include <cerrno>
#include <vector>

#include "mount/fuse/fs.h"

namespace opendfs::mountfs {

struct Fs::OpenFile {
  uint64_t ino = 0;
  uint64_t key = 0;     // in Fs::open_handles_, which holds metad's handle
  client::Cred cred;    // of the opener: reads and writes use it
  uint64_t block_size = 0;
  bool writable = false;
  // The file had a set-id bit at open and the opener is not root: its first
  // write commits at once, so that metad clears the bits as the write
  // happens (ext4 clears them in write(2), not at close).
  bool kill_setid_pending = false;
  std::shared_ptr<client::FileWriter> writer;
};

namespace {

Fs::OpenFile* Handle(fuse_file_info* fi) {
  return reinterpret_cast<Fs::OpenFile*>(fi->fh);
}

// What a write by a process without CAP_FSETID would clear (Linux
// should_remove_suid); root stands for CAP_FSETID as in metad.
bool WriteKillsSetid(uint32_t mode, const client::Cred& cred) {
  if (cred.uid == 0) return false;
  return (mode & S_ISUID) || (mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP);
}

}  // namespace

uint64_t Fs::WritableHandleOf(const fuse_file_info* fi) const {
  if (fi == nullptr || fi->fh == 0) return 0;
  const OpenFile* of = reinterpret_cast<const OpenFile*>(fi->fh);
  return of->writable ? open_handles_.Handle(of->key) : 0;
}

std::shared_ptr<client::FileWriter> Fs::MakeWriter(uint64_t ino,
                                                   const client::OpenResult& o) {
  client::FileWriterOptions wo;
  wo.inline_max = o.inline_limit();
  uint64_t bs = o.attr.block_size() ? o.attr.block_size() : 64u << 20;
  return std::make_shared<client::FileWriter>(*meta_, *blocks_, &locations_, log_, wo,
                                              ino, bs, o.attr.size());
}

Status Fs::SetUpHandle(uint64_t ino, const client::Cred& cred,
                       const client::OpenResult& o, fuse_file_info* fi,
                       bool created) {
  if ((o.attr.mode() & S_IFMT) != S_IFREG) {
    return Status(StatusCode::Invalid, "open of a non-regular file");
  }
  locations_.Invalidate(ino);
  auto of = std::make_unique<OpenFile>();
  of->ino = ino;
  of->key = open_handles_.Add(ino, static_cast<uint32_t>(fi->flags), o.handle);
  of->cred = cred;
  of->block_size = o.attr.block_size();
  of->writable = (fi->flags & O_ACCMODE) != O_RDONLY;
  of->kill_setid_pending = of->writable && WriteKillsSetid(o.attr.mode(), cred);
  bool had_writer = inodes_.Writer(ino) != nullptr;
  of->writer = inodes_.Open(ino, of->writable, [&] { return MakeWriter(ino, o); });
  bool same = inodes_.SameContent(ino, o.attr.mtime_ns(), o.attr.size());
  // Our own uncommitted writes are in the page cache: keep it then too.
  fi->keep_cache = !created && (same || had_writer);
  if (!fi->keep_cache && !created && session_ != nullptr) {
    // Close-to-open: the kernel may still hold the old size (another mount
    // grew or cut the file); drop its cached attributes so that the next
    // stat, or a read past the old end, asks again. Attributes only (offset
    // -1): takes no inode lock, safe inside open.
    (void)fuse_lowlevel_notify_inval_inode(session_, ino, -1, 0);
  }
  fi->fh = reinterpret_cast<uint64_t>(of.release());
  return Status::Ok();
}

void Fs::ReopenHandles() {
  // Root: the descriptors are open already; a permission changed since must
  // not take them away (as on a local disk).
  client::Cred root;
  size_t kept = 0;
  std::vector<client::OpenHandles::Entry> all = open_handles_.Snapshot();
  for (const client::OpenHandles::Entry& e : all) {
    Result<client::OpenResult> o = meta_->Open(root, e.ino, e.flags);
    if (!o.ok()) {
      log_.Error("mount: ino={} not re-opened under the new session: {}", e.ino,
                 o.status().ToString());
      continue;
    }
    if (open_handles_.Replace(e.key, o->handle)) {
      ++kept;
    } else {  // closed meanwhile
      (void)meta_->Release(root, e.ino, o->handle);
    }
  }
  if (!all.empty())
    log_.Info("mount: re-opened {} of {} open files under the new session", kept, all.size());
}

void Fs::ReassertBlockWrites(bool lapsed) {
  // From the writers' published views: never their mutex, which a writer
  // holds across the very RPC that may be renewing the session here.
  client::Cred root;
  size_t kept = 0, all = 0;
  for (const auto& w : inodes_.Writers()) {
    for (const client::FileWriter::View::OpenWrite& o : w->view().open_writes) {
      ++all;
      if (lapsed) continue;  // the lease ran out: the leader may have settled it
      Status s = meta_->ReassertBlockWrite(root, w->ino(), o.index, o.version);
      if (s.ok()) {
        ++kept;
        continue;
      }
      // Its commit will fail (EIO at fsync/close), as before re-assertion.
      log_.Error("mount: write of ino={} block index={} id={} v{} not re-asserted: {}", w->ino(),
                 o.index, o.block_id, o.version, s.ToString());
    }
  }
  if (all != 0)
    log_.Info("mount: re-asserted {} of {} open block writes with the new session", kept, all);
}

void Fs::Open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  TuneReadAheadOnce();
  client::Cred cred = CredOf(req);
  Result<client::OpenResult> o = meta_->Open(cred, ino, static_cast<uint32_t>(fi->flags));
  if (!o.ok()) return ReplyError(req, "open", ino, GoneIsStale(o.status()));
  Status s = SetUpHandle(ino, cred, *o, fi, false);
  if (!s.ok()) {
    if (fi->fh != 0) {
      OpenFile* of = Handle(fi);
      inodes_.Close(ino, of->writable);
      open_handles_.Remove(of->key);
      delete of;
      fi->fh = 0;
    }
    (void)meta_->Release(cred, ino, o->handle);
    return ReplyError(req, "open", ino, s);
  }
  if (fuse_reply_open(req, fi) != 0) {
    // Interrupted: the kernel will never release this handle.
    OpenFile* of = Handle(fi);
    inodes_.Close(ino, of->writable);
    (void)meta_->Release(cred, ino, open_handles_.Handle(of->key));
    open_handles_.Remove(of->key);
    delete of;
  }
}

void Fs::Create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
                fuse_file_info* fi) {
  client::Cred cred = CredOf(req);
  Result<client::OpenResult> o =
      meta_->Create(cred, parent, name, mode, UmaskOf(req), static_cast<uint32_t>(fi->flags),
                    static_cast<uint32_t>(options_.client.blk_sz),
                    options_.client.blk_rep);
  if (!o.ok()) return ReplyError(req, "create", parent, o.status());
  uint64_t ino = o->attr.ino();
  Status s = SetUpHandle(ino, cred, *o, fi, true);
  if (!s.ok()) {
    (void)meta_->Release(cred, ino, o->handle);
    return ReplyError(req, "create", parent, s);
  }
  fuse_entry_param e;
  FillEntry(o->attr, &e);
  inodes_.Ref(ino);
  kernel_names_.Record(parent, name, ino);
  if (fuse_reply_create(req, &e, fi) != 0) {
    OpenFile* of = Handle(fi);
    ForgetOne(ino, 1);
    inodes_.Close(ino, of->writable);
    (void)meta_->Release(cred, ino, open_handles_.Handle(of->key));
    open_handles_.Remove(of->key);
    delete of;
  }
}

void Fs::Read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
              fuse_file_info* fi) {
  OpenFile* of = Handle(fi);
  uint64_t offset = static_cast<uint64_t>(off);
  // Uncommitted writes of this inode are not readable from blockds yet.
  // The size they reach is: a read of a hole below it (a block not
  // written, or not committed yet) gets zeros, not the end of the file,
  // which the kernel would believe and cut the file's size to.
  uint64_t known_size = 0;
  if (auto w = inodes_.Writer(ino)) {
    if (w->DirtyIn(offset, size)) {
      Status s = w->Flush(of->cred);
      if (!s.ok()) return ReplyError(req, "read(flush)", ino, s);
    }
    client::FileWriter::View v = w->view();
    if (v.dirty()) known_size = v.size;
  }
  thread_local std::vector<uint8_t> buf;
  if (buf.size() < size) buf.resize(size);
  Result<size_t> n = reader_->Read(of->cred, ino, of->block_size, offset, size,
                                   buf.data(), known_size);
  if (!n.ok()) return ReplyError(req, "read", ino, n.status());
  fuse_reply_buf(req, reinterpret_cast<const char*>(buf.data()), *n);
}

void Fs::Write(fuse_req_t req, fuse_ino_t ino, const char* data, size_t size,
               off_t off, fuse_file_info* fi) {
  OpenFile* of = Handle(fi);
  if (!of->writer) {
    fuse_reply_err(req, EBADF);
    return;
  }
  Status s = of->writer->Write(of->cred, open_handles_.Handle(of->key), static_cast<uint64_t>(off), data, size);
  if (!s.ok()) return ReplyError(req, "write", ino, s);
  if (of->kill_setid_pending) {
    of->kill_setid_pending = false;
    s = of->writer->Flush(of->cred);  // the commit clears the set-id bits
    if (!s.ok()) return ReplyError(req, "write(flush)", ino, s);
    if (session_ != nullptr) (void)fuse_lowlevel_notify_inval_inode(session_, ino, -1, 0);
  }
  fuse_reply_write(req, size);
}

void Fs::Flush(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  // close(2) drops the closing process's POSIX locks on the file.
  ReleaseOwnerLocks(Handle(fi)->cred, ino, fi->lock_owner, false);
  FlushData(req, ino, fi);
}

void Fs::FlushData(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  OpenFile* of = Handle(fi);
  if (of->writer) {
    Status s = of->writer->Flush(of->cred);
    if (!s.ok()) return ReplyError(req, "flush", ino, s);
    if (auto a = of->writer->committed_attr())
      inodes_.RecordContent(ino, a->mtime_ns(), a->size());
  }
  fuse_reply_err(req, 0);
}

void Fs::Fsync(fuse_req_t req, fuse_ino_t ino, int, fuse_file_info* fi) {
  // Every commit is synced on all live replicas, so fsync = flush (of data:
  // fsync keeps the process's locks, close drops them).
  FlushData(req, ino, fi);
}

void Fs::Release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  std::unique_ptr<OpenFile> of(Handle(fi));
  if (fi->flock_release) ReleaseOwnerLocks(of->cred, ino, fi->lock_owner, true);
  ReleaseHandleLocks(of->cred, ino, fi->fh);
  if (of->writer) {
    Status s = of->writer->Flush(of->cred);
    if (!s.ok()) {
      log_.Error("mount: release ino={} lost unflushed data: {}", ino, s.ToString());
    } else if (auto a = of->writer->committed_attr()) {
      inodes_.RecordContent(ino, a->mtime_ns(), a->size());
    }
    of->writer.reset();
  }
  inodes_.Close(ino, of->writable);
  const uint64_t handle = open_handles_.Handle(of->key);
  open_handles_.Remove(of->key);
  Status s = meta_->Release(of->cred, ino, handle);
  if (!s.ok()) {
    log_.Warn("mount: release ino={} handle={} failed: {}", ino, handle, s.ToString());
  }
  fuse_reply_err(req, 0);
}

void Fs::Fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
                   off_t length, fuse_file_info* fi) {
  // Blockds allocate a block's space as it is written, so no mode can
  // reserve space ahead (a later write may still get ENOSPC, as on a
  // thin-provisioned disk). Mode 0 does what a user sees on ext4: the file
  // grows to offset + length (the new range reads as zeros);
  // FALLOC_FL_KEEP_SIZE changes nothing visible. Punching holes and zeroing
  // ranges are refused: glibc's posix_fallocate never asks for them.
  if (mode & ~FALLOC_FL_KEEP_SIZE) return (void)fuse_reply_err(req, EOPNOTSUPP);
  if (offset < 0 || length <= 0) return (void)fuse_reply_err(req, EINVAL);
  OpenFile* of = Handle(fi);
  if (!of->writer) return (void)fuse_reply_err(req, EBADF);
  const uint64_t end = static_cast<uint64_t>(offset) + static_cast<uint64_t>(length);
  if ((mode & FALLOC_FL_KEEP_SIZE) || end <= of->writer->size())
    return (void)fuse_reply_err(req, 0);
  Status s = of->writer->Flush(of->cred);
  if (!s.ok()) return ReplyError(req, "fallocate(flush)", ino, s);
  client::SetAttrArgs args;
  args.valid = static_cast<uint32_t>(fb::SetAttrBits::Size);
  args.size = end;
  Result<fb::Attr> a = meta_->SetAttr(of->cred, ino, args);
  if (!a.ok()) return ReplyError(req, "fallocate", ino, a.status());
  locations_.Invalidate(ino);
  of->writer->SetSize(a->size());
  inodes_.RecordContent(ino, a->mtime_ns(), a->size());
  fuse_reply_err(req, 0);
}

}  // namespace opendfs::mountfs
