// Directory listing. FUSE offsets are metad's readdir cookies: metad's
// cookies start at 3, so "." is offset 1 and ".." offset 2, and a listing
// resumed at any offset continues exactly after that entry, whatever was
// added or removed meanwhile. A DirHandle keeps the rest of the last page
// that did not fit in the kernel's buffer, to avoid asking again.
#include <sys/stat.h>

#include <cerrno>
#include <memory>
#include <mutex>
#include <vector>

#include "mount/fuse/fs.h"

namespace opendfs::mountfs {

namespace {

constexpr uint64_t kDotOffset = 1;
constexpr uint64_t kDotDotOffset = 2;
constexpr uint32_t kPageEntries = 512;

}  // namespace

struct Fs::DirHandle {
  std::mutex mu;
  uint64_t dotdot_ino = 0;
  // Entries fetched but not yet handed to the kernel, valid when the next
  // call resumes at `resume_cookie` in the same mode.
  std::vector<client::DirEntryInfo> pending;
  size_t pos = 0;
  uint64_t resume_cookie = UINT64_MAX;
  bool pending_plus = false;
  bool eof = false;
};

void Fs::OpenDir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  // Permission to list is checked by metad on ReadDir; here only existence.
  Result<fb::Attr> a = meta_->GetAttr(CredOf(req), ino);
  if (!a.ok()) return ReplyError(req, "opendir", ino, GoneIsStale(a.status()));
  if ((a->mode() & S_IFMT) != S_IFDIR) {
    fuse_reply_err(req, ENOTDIR);
    return;
  }
  auto* dh = new DirHandle();
  fi->fh = reinterpret_cast<uint64_t>(dh);
  if (fuse_reply_open(req, fi) != 0) delete dh;
}

void Fs::ReleaseDir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  delete reinterpret_cast<DirHandle*>(fi->fh);
  fuse_reply_err(req, 0);
}

void Fs::ReadDir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                 fuse_file_info* fi, bool plus) {
  auto* dh = reinterpret_cast<DirHandle*>(fi->fh);
  std::vector<char> buf(size);
  size_t used = 0;
  Status s;
  {
    std::lock_guard<std::mutex> lock(dh->mu);
    s = FillDir(req, ino, *dh, static_cast<uint64_t>(off), plus, buf, &used);
  }
  // Reply only after unlocking: once the kernel has the reply it may send
  // releasedir, which deletes dh (and its mutex) on another thread.
  if (!s.ok()) return ReplyError(req, "readdir", ino, s);
  fuse_reply_buf(req, buf.data(), used);
}

Status Fs::FillDir(fuse_req_t req, uint64_t ino, DirHandle& dh_ref, uint64_t off,
                   bool plus, std::vector<char>& buf, size_t* used_out) {
  DirHandle* dh = &dh_ref;
  client::Cred cred = CredOf(req);
  const size_t size = buf.size();
  size_t& used = *used_out;
  // Adds one entry; false when it does not fit.
  auto add = [&](const char* name, const struct stat& st, const fb::Attr* attr,
                 uint64_t next_off) {
    size_t n;
    if (plus) {
      fuse_entry_param e = {};
      e.attr = st;
      if (attr != nullptr && attr->ino() != 0) FillEntry(*attr, &e);
      n = fuse_add_direntry_plus(req, buf.data() + used, size - used, name, &e,
                                 static_cast<off_t>(next_off));
      if (n > size - used) return false;
      if (e.ino != 0) {
        inodes_.Ref(e.ino);
        kernel_names_.Record(ino, name, e.ino);
      }
    } else {
      n = fuse_add_direntry(req, buf.data() + used, size - used, name, &st,
                            static_cast<off_t>(next_off));
      if (n > size - used) return false;
    }
    used += n;
    return true;
  };

  uint64_t cookie = off;
  struct stat st = {};
  st.st_mode = S_IFDIR;
  if (cookie < kDotOffset) {
    st.st_ino = ino;
    if (!add(".", st, nullptr, kDotOffset)) return Status::Ok();
    cookie = kDotOffset;
  }
  if (cookie < kDotDotOffset) {
    if (dh->dotdot_ino == 0) {
      Result<fb::Attr> p = meta_->Lookup(cred, ino, "..");
      dh->dotdot_ino = p.ok() ? p->ino() : ino;
    }
    st.st_ino = dh->dotdot_ino;
    if (!add("..", st, nullptr, kDotDotOffset)) return Status::Ok();
    cookie = kDotDotOffset;
  }
  if (cookie == kDotDotOffset) cookie = 0;  // metad: from the start

  bool reuse = off != 0 && dh->resume_cookie == cookie && dh->pending_plus == plus;
  if (!reuse) {
    dh->pending.clear();
    dh->pos = 0;
    dh->eof = false;
  }
  for (;;) {
    if (dh->pos >= dh->pending.size()) {
      if (dh->eof && reuse) break;
      Result<client::DirPage> page = meta_->ReadDir(cred, ino, cookie, kPageEntries, plus);
      if (!page.ok()) {
        dh->resume_cookie = UINT64_MAX;
        if (used > 0) return Status::Ok();  // what we have; the error comes next call
        return page.status();
      }
      dh->pending = std::move(page->entries);
      dh->pos = 0;
      dh->eof = page->eof;
      dh->pending_plus = plus;
      reuse = true;
      if (dh->pending.empty()) break;
    }
    const client::DirEntryInfo& e = dh->pending[dh->pos];
    struct stat est = {};
    est.st_ino = e.ino;
    est.st_mode = e.mode;
    if (!add(e.name.c_str(), est, plus ? &e.attr : nullptr, e.cookie)) break;
    cookie = e.cookie;
    ++dh->pos;
  }
  dh->resume_cookie = cookie;
  return Status::Ok();
}

}  // namespace opendfs::mountfs
