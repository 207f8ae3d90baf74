// ls, mkdir, rm, rmr, mv, stat, du, setrep.
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <cstdio>
#include <functional>

#include <fmt/format.h>

#include "mount/cli/commands.h"
#include "mount/cli/format.h"
#include "mount/client/path.h"

namespace opendfs::cli {

namespace {

using client::DirEntryInfo;

bool IsDir(uint32_t mode) { return (mode & S_IFMT) == S_IFDIR; }

std::string UserName(uint32_t uid) {
  struct passwd* p = getpwuid(uid);
  return p ? p->pw_name : std::to_string(uid);
}

std::string GroupName(uint32_t gid) {
  struct group* g = getgrgid(gid);
  return g ? g->gr_name : std::to_string(gid);
}

void PrintLsLine(Ctx& c, const fb::Attr& a, const std::string& path) {
  bool file = (a.mode() & S_IFMT) == S_IFREG;
  std::string rep = file ? std::to_string(a.replication()) : "-";
  std::string name = path;
  if ((a.mode() & S_IFMT) == S_IFLNK) {
    auto t = c.meta.ReadLink(c.cred, a.ino());
    if (t.ok()) name += " -> " + *t;
  }
  std::printf("%s %3s %-8s %-8s %12llu %s %s\n", ModeString(a.mode()).c_str(), rep.c_str(),
              UserName(a.uid()).c_str(), GroupName(a.gid()).c_str(),
              static_cast<unsigned long long>(a.size()), TimeString(a.mtime_ns()).c_str(),
              name.c_str());
}

std::string Child(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

}  // namespace

int CmdLs(const CliArgs& a, Ctx& c) {
  std::vector<std::string> paths = a.operands;
  if (paths.empty()) paths.push_back("/");
  int rc = 0;
  for (const std::string& raw : paths) {
    std::string p = client::JoinPath(client::SplitPath(raw));
    Result<fb::Attr> attr = client::Resolve(c.meta, c.cred, p);
    if (!attr.ok()) {
      rc = c.Fail("ls", raw, attr.status());
      continue;
    }
    if (!IsDir(attr->mode())) {
      PrintLsLine(c, *attr, p);
      continue;
    }
    Status s = ForEachEntry(c, attr->ino(), true, [&](const DirEntryInfo& e) {
      PrintLsLine(c, e.attr, Child(p, e.name));
      return Status::Ok();
    });
    if (!s.ok()) rc = c.Fail("ls", raw, s);
  }
  std::fflush(stdout);
  return rc;
}

int CmdMkdir(const CliArgs& a, Ctx& c) {
  int rc = 0;
  for (const std::string& raw : a.operands) {
    auto parts = client::SplitPath(raw);
    if (parts.empty()) {
      if (!a.parents) rc = c.Fail("mkdir", raw, Status(StatusCode::Exists, "the root"));
      continue;
    }
    Status st;
    if (!a.parents) {
      auto pn = client::ResolveParent(c.meta, c.cred, raw);
      st = pn.ok() ? c.meta.Mkdir(c.cred, pn->parent.ino(), pn->name, 0777, c.umask).status()
                   : pn.status();
    } else {
      uint64_t ino = client::kRootIno;
      std::vector<std::string> walked;
      for (const std::string& comp : parts) {
        walked.push_back(comp);
        Result<fb::Attr> next = c.meta.Lookup(c.cred, ino, comp);
        if (!next.ok() && next.status().code() == StatusCode::NotFound) {
          next = c.meta.Mkdir(c.cred, ino, comp, 0777, c.umask);
          if (!next.ok() && next.status().code() == StatusCode::Exists)
            next = c.meta.Lookup(c.cred, ino, comp);  // made meanwhile
        }
        if (!next.ok()) {
          st = next.status().Annotate(client::JoinPath(walked));
          break;
        }
        if (!IsDir(next->mode())) {
          st = Status(StatusCode::NotDir, client::JoinPath(walked) + " is not a directory");
          break;
        }
        ino = next->ino();
      }
    }
    if (!st.ok()) rc = c.Fail("mkdir", raw, st);
  }
  return rc;
}

namespace {

// Removes `name` in `parent` (whose mode is `mode`), a whole tree when
// recursive.
Status RemoveEntry(Ctx& c, uint64_t parent, const std::string& name, uint64_t ino,
                   uint32_t mode, bool recursive) {
  if (!IsDir(mode)) return c.meta.Unlink(c.cred, parent, name);
  if (!recursive) {
    return Status(StatusCode::IsDir, "is a directory (use rmr)");
  }
  std::vector<DirEntryInfo> children;
  ODFS_RETURN_IF_ERROR(ForEachEntry(c, ino, false, [&](const DirEntryInfo& e) {
    children.push_back(e);
    return Status::Ok();
  }));
  for (const DirEntryInfo& e : children) {
    Status s = RemoveEntry(c, ino, e.name, e.ino, e.mode, true);
    if (!s.ok() && s.code() != StatusCode::NotFound) return s.Annotate(e.name);
  }
  return c.meta.Rmdir(c.cred, parent, name);
}

}  // namespace

int CmdRm(const CliArgs& a, Ctx& c, bool recursive) {
  const char* cmd = recursive ? "rmr" : "rm";
  int rc = 0;
  for (const std::string& raw : a.operands) {
    auto pn = client::ResolveParent(c.meta, c.cred, raw);
    if (!pn.ok()) {
      rc = c.Fail(cmd, raw, pn.status().code() == StatusCode::Invalid
                                ? Status(StatusCode::NotPermitted, "refusing to remove /")
                                : pn.status());
      continue;
    }
    Result<fb::Attr> victim = c.meta.Lookup(c.cred, pn->parent.ino(), pn->name);
    Status s = victim.ok() ? RemoveEntry(c, pn->parent.ino(), pn->name, victim->ino(),
                                         victim->mode(), recursive)
                           : victim.status();
    if (!s.ok()) rc = c.Fail(cmd, raw, s);
  }
  return rc;
}

int CmdMv(const CliArgs& a, Ctx& c) {
  const std::string& src = a.operands[0];
  const std::string& dst = a.operands[1];
  auto from = client::ResolveParent(c.meta, c.cred, src);
  if (!from.ok()) return c.Fail("mv", src, from.status());
  uint64_t to_parent;
  std::string to_name;
  Result<fb::Attr> d = client::Resolve(c.meta, c.cred, dst);
  if (d.ok() && IsDir(d->mode())) {
    to_parent = d->ino();
    to_name = from->name;
  } else {
    auto to = client::ResolveParent(c.meta, c.cred, dst);
    if (!to.ok()) return c.Fail("mv", dst, to.status());
    to_parent = to->parent.ino();
    to_name = to->name;
  }
  Status s = c.meta.Rename(c.cred, from->parent.ino(), from->name, to_parent, to_name, 0);
  return s.ok() ? 0 : c.Fail("mv", src + " " + dst, s);
}

int CmdStat(const CliArgs& a, Ctx& c) {
  int rc = 0;
  for (const std::string& raw : a.operands) {
    Result<fb::Attr> r = client::Resolve(c.meta, c.cred, raw);
    if (!r.ok()) {
      rc = c.Fail("stat", raw, r.status());
      continue;
    }
    const fb::Attr& x = *r;
    std::printf("  path: %s\n  inode: %llu\n  mode: %s (%04o)\n  links: %u\n"
                "  owner: %s (%u) / %s (%u)\n  size: %llu\n",
                client::JoinPath(client::SplitPath(raw)).c_str(),
                static_cast<unsigned long long>(x.ino()), ModeString(x.mode()).c_str(),
                x.mode() & 07777, x.nlink(), UserName(x.uid()).c_str(), x.uid(),
                GroupName(x.gid()).c_str(), x.gid(), static_cast<unsigned long long>(x.size()));
    std::printf("  atime: %s\n  mtime: %s\n  ctime: %s\n", TimeString(x.atime_ns()).c_str(),
                TimeString(x.mtime_ns()).c_str(), TimeString(x.ctime_ns()).c_str());
    if ((x.mode() & S_IFMT) != S_IFREG) continue;
    std::printf("  block size: %u\n  replication: %u\n", x.block_size(), x.replication());
    uint64_t count = x.block_size() ? (x.size() + x.block_size() - 1) / x.block_size() : 0;
    for (uint64_t first = 0; first < count; first += client::kBlocksPerFetch) {
      auto page = c.meta.GetBlocks(c.cred, x.ino(), first, client::kBlocksPerFetch);
      if (!page.ok()) {
        rc = c.Fail("stat", raw, page.status());
        break;
      }
      for (const auto& b : page->blocks) {
        if (b.block_id == 0) {
          std::printf("  block %llu: hole\n", static_cast<unsigned long long>(b.index));
          continue;
        }
        std::printf("  block %llu: id=%llu version=%llu length=%llu replicas=%s\n",
                    static_cast<unsigned long long>(b.index),
                    static_cast<unsigned long long>(b.block_id),
                    static_cast<unsigned long long>(b.version),
                    static_cast<unsigned long long>(b.length),
                    fmt::format("{}", fmt::join(b.replicas, ",")).c_str());
      }
      if (page->blocks.size() < client::kBlocksPerFetch) break;
    }
  }
  return rc;
}

namespace {

// Bytes under one entry, counting every entry seen into the meter.
class TreeSize {
 public:
  TreeSize(Ctx& c, const std::string& root)
      : c_(c), meter_(stderr, isatty(STDERR_FILENO) != 0, "du " + root) {}
  ~TreeSize() { meter_.Clear(); }

  Result<uint64_t> Bytes(uint64_t ino, uint32_t mode, uint64_t size) {
    ++entries_;
    if (!IsDir(mode)) {
      bytes_ += size;
      meter_.Update(entries_, bytes_);
      return size;
    }
    uint64_t total = 0;
    ODFS_RETURN_IF_ERROR(ForEachEntry(c_, ino, true, [&](const DirEntryInfo& e) {
      ODFS_ASSIGN_OR_RETURN(uint64_t n, Bytes(e.ino, e.attr.mode(), e.attr.size()));
      total += n;
      return Status::Ok();
    }));
    return total;
  }

  // Before printing a result line.
  void Clear() { meter_.Clear(); }

 private:
  Ctx& c_;
  ScanProgress meter_;
  uint64_t entries_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace

int CmdDu(const CliArgs& a, Ctx& c) {
  int rc = 0;
  for (const std::string& raw : a.operands) {
    std::string p = client::JoinPath(client::SplitPath(raw));
    Result<fb::Attr> r = client::Resolve(c.meta, c.cred, p);
    if (!r.ok()) {
      rc = c.Fail("du", raw, r.status());
      continue;
    }
    TreeSize tree(c, p);
    if (a.summary || !IsDir(r->mode())) {
      auto n = tree.Bytes(r->ino(), r->mode(), r->size());
      tree.Clear();
      if (!n.ok()) rc = c.Fail("du", raw, n.status());
      else std::printf("%-12llu %s\n", static_cast<unsigned long long>(*n), p.c_str());
      continue;
    }
    Status s = ForEachEntry(c, r->ino(), true, [&](const DirEntryInfo& e) {
      ODFS_ASSIGN_OR_RETURN(uint64_t n, tree.Bytes(e.ino, e.attr.mode(), e.attr.size()));
      tree.Clear();
      std::printf("%-12llu %s\n", static_cast<unsigned long long>(n), Child(p, e.name).c_str());
      std::fflush(stdout);
      return Status::Ok();
    });
    tree.Clear();
    if (!s.ok()) rc = c.Fail("du", raw, s);
  }
  return rc;
}

int CmdSetrep(const CliArgs& a, Ctx& c) {
  // setrep PATH N (the seed order); HDFS's setrep N PATH is accepted too.
  std::string path = a.operands[0], count = a.operands[1];
  auto numeric = [](const std::string& s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (numeric(path) && !numeric(count)) std::swap(path, count);
  if (!numeric(count) || count.size() > 3 || std::stoi(count) < 1) {
    std::fprintf(stderr, "opendfs: setrep: replication '%s' is not a number >= 1\n",
                 count.c_str());
    return 2;
  }
  auto rep = static_cast<uint16_t>(std::stoi(count));
  Result<fb::Attr> r = client::Resolve(c.meta, c.cred, path);
  if (!r.ok()) return c.Fail("setrep", path, r.status());
  uint64_t changed = 0;
  // -R walks the tree here, setting each inode, so it works whatever metad
  // supports for recursive goals.
  // Files carry the goal; with -R directories are walked (a directory
  // itself is sent to metad only without -R, which then says what it thinks).
  std::function<Status(uint64_t, uint32_t)> apply = [&](uint64_t ino, uint32_t mode) -> Status {
    if (!a.recursive || !IsDir(mode)) {
      ODFS_ASSIGN_OR_RETURN(uint64_t n, c.meta.SetGoal(c.cred, ino, rep, false));
      changed += n;
    }
    if (!a.recursive || !IsDir(mode)) return Status::Ok();
    return ForEachEntry(c, ino, false, [&](const DirEntryInfo& e) {
      if ((e.mode & S_IFMT) != S_IFREG && !IsDir(e.mode)) return Status::Ok();
      return apply(e.ino, e.mode);
    });
  };
  Status s = apply(r->ino(), r->mode());
  if (!s.ok()) return c.Fail("setrep", path, s);
  std::printf("replication %u set on %s (%llu inode%s)\n", rep, path.c_str(),
              static_cast<unsigned long long>(changed), changed == 1 ? "" : "s");
  return 0;
}

}  // namespace opendfs::cli
