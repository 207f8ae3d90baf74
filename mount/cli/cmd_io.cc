// put and get: copy a file in or out through the client library's write and
// read paths, with a progress meter on a terminal.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <future>
#include <memory>

#include "mount/cli/commands.h"
#include "mount/cli/format.h"
#include "mount/client/file_writer.h"
#include "mount/client/path.h"

namespace opendfs::cli {

namespace {

constexpr size_t kChunkBytes = 8u << 20;
constexpr uint64_t kProgressMinBytes = 16u << 20;

bool ShowProgress(uint64_t total) { return isatty(2) && total >= kProgressMinBytes; }

Status ReadFull(int fd, uint8_t* buf, size_t n, size_t* got) {
  *got = 0;
  while (*got < n) {
    ssize_t r = ::read(fd, buf + *got, n - *got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return ErrnoStatus(errno, "read");
    if (r == 0) break;
    *got += static_cast<size_t>(r);
  }
  return Status::Ok();
}

Status WriteFull(int fd, const uint8_t* buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t w = ::write(fd, buf + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return ErrnoStatus(errno, "write");
    done += static_cast<size_t>(w);
  }
  return Status::Ok();
}

// Where put writes: an existing directory takes the local file's name.
Result<client::OpenResult> OpenTarget(Ctx& c, const std::string& local,
                                      const std::string& remote, bool force,
                                      uint32_t mode, std::string* shown) {
  std::string path = client::JoinPath(client::SplitPath(remote));
  Result<fb::Attr> existing = client::Resolve(c.meta, c.cred, path);
  if (existing.ok() && (existing->mode() & S_IFMT) == S_IFDIR) {
    if (local == "-") return Status(StatusCode::IsDir, "is a directory");
    path = path == "/" ? "/" + client::BaseName(local) : path + "/" + client::BaseName(local);
    existing = client::Resolve(c.meta, c.cred, path);
  }
  *shown = path;
  if (existing.ok()) {
    if (!force) return Status(StatusCode::Exists, "exists (use put -f to overwrite)");
    if ((existing->mode() & S_IFMT) != S_IFREG)
      return Status(StatusCode::Invalid, "not a regular file");
    client::SetAttrArgs t;
    t.valid = static_cast<uint32_t>(fb::SetAttrBits::Size);
    ODFS_RETURN_IF_ERROR(c.meta.SetAttr(c.cred, existing->ino(), t).status());
    return c.meta.Open(c.cred, existing->ino(), O_WRONLY);
  }
  if (existing.status().code() != StatusCode::NotFound) return existing.status();
  ODFS_ASSIGN_OR_RETURN(client::ParentAndName pn, client::ResolveParent(c.meta, c.cred, path));
  return c.meta.Create(c.cred, pn.parent.ino(), pn.name, mode, c.umask,
                       O_WRONLY | O_CREAT | O_EXCL, static_cast<uint32_t>(c.config.blk_sz),
                       c.config.blk_rep);
}

}  // namespace

int CmdPut(const CliArgs& a, Ctx& c) {
  const std::string& local = a.operands[0];
  const std::string& remote = a.operands[1];
  int fd = local == "-" ? 0 : ::open(local.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return c.Fail("put", local, ErrnoStatus(errno, "open"));
  std::unique_ptr<int, void (*)(int*)> closer(&fd, [](int* f) {
    if (*f > 0) ::close(*f);
  });
  struct stat st = {};
  if (fstat(fd, &st) != 0) return c.Fail("put", local, ErrnoStatus(errno, "stat"));
  if (S_ISDIR(st.st_mode)) return c.Fail("put", local, Status(StatusCode::IsDir, "is a directory"));
  uint32_t mode = S_ISREG(st.st_mode) ? (st.st_mode & 0777) : 0644;
  if (Status s = c.EnsureSession(); !s.ok()) return c.Fail("put", remote, s);
  std::string shown;
  Result<client::OpenResult> o = OpenTarget(c, local, remote, a.force, mode, &shown);
  if (!o.ok()) return c.Fail("put", shown.empty() ? remote : shown, o.status());
  const uint64_t ino = o->attr.ino();
  client::FileWriterOptions wo;
  wo.inline_max = o->inline_limit();
  client::FileWriter writer(c.meta, c.blocks, &c.cache, c.log, wo, ino,
                            o->attr.block_size(), 0);
  uint64_t total = S_ISREG(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0;
  Progress progress(stderr, ShowProgress(total), "put " + shown, total);
  std::unique_ptr<uint8_t[]> buf(new uint8_t[kChunkBytes]);
  uint64_t off = 0;
  Status s;
  for (;;) {
    size_t n = 0;
    s = ReadFull(fd, buf.get(), kChunkBytes, &n);
    if (!s.ok()) {
      s = s.Annotate(local);
      break;
    }
    if (n == 0) break;
    s = writer.Write(c.cred, o->handle, off, buf.get(), n);
    if (!s.ok()) break;
    off += n;
    progress.Update(off);
  }
  Status f = writer.Flush(c.cred);
  if (s.ok()) s = f;
  progress.Finish();
  (void)c.meta.Release(c.cred, ino, o->handle);
  return s.ok() ? 0 : c.Fail("put", shown, s);
}

int CmdGet(const CliArgs& a, Ctx& c) {
  const std::string& remote = a.operands[0];
  std::string local = a.operands[1];
  Result<fb::Attr> r = client::Resolve(c.meta, c.cred, remote);
  if (!r.ok()) return c.Fail("get", remote, r.status());
  if ((r->mode() & S_IFMT) != S_IFREG)
    return c.Fail("get", remote, Status(StatusCode::Invalid, "not a regular file"));
  struct stat lst;
  if (local != "-" && ::stat(local.c_str(), &lst) == 0 && S_ISDIR(lst.st_mode))
    local += "/" + client::BaseName(remote);
  if (Status s = c.EnsureSession(); !s.ok()) return c.Fail("get", remote, s);
  Result<client::OpenResult> o = c.meta.Open(c.cred, r->ino(), O_RDONLY);
  if (!o.ok()) return c.Fail("get", remote, o.status());
  int fd = local == "-" ? 1
                        : ::open(local.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                                 r->mode() & 0777);
  if (fd < 0) {
    Status e = ErrnoStatus(errno, "open");
    (void)c.meta.Release(c.cred, r->ino(), o->handle);
    return c.Fail("get", local, e);
  }
  const uint64_t ino = r->ino();
  const uint64_t bs = o->attr.block_size();
  Progress progress(stderr, ShowProgress(o->attr.size()), "get " + remote, o->attr.size());
  // Two buffers: the next chunk is read from blockds while this one is
  // written locally.
  std::unique_ptr<uint8_t[]> bufs[2] = {std::unique_ptr<uint8_t[]>(new uint8_t[kChunkBytes]),
                                        std::unique_ptr<uint8_t[]>(new uint8_t[kChunkBytes])};
  auto read_at = [&](uint64_t off, uint8_t* buf) {
    return c.reader.Read(c.cred, ino, bs, off, kChunkBytes, buf);
  };
  uint64_t off = 0;
  int cur = 0;
  auto next = std::async(std::launch::async, read_at, off, bufs[cur].get());
  Status s;
  for (;;) {
    Result<size_t> n = next.get();
    if (!n.ok()) {
      s = n.status();
      break;
    }
    if (*n == 0) break;
    uint8_t* data = bufs[cur].get();
    off += *n;
    cur ^= 1;
    next = std::async(std::launch::async, read_at, off, bufs[cur].get());
    s = WriteFull(fd, data, *n);
    if (!s.ok()) {
      s = s.Annotate(local);
      (void)next.get();
      break;
    }
    progress.Update(off);
  }
  progress.Finish();
  if (fd != 1 && ::close(fd) != 0 && s.ok()) s = ErrnoStatus(errno, "close " + local);
  (void)c.meta.Release(c.cred, ino, o->handle);
  return s.ok() ? 0 : c.Fail("get", remote, s);
}

}  // namespace opendfs::cli
