// RandomOps: a seeded generator of editlog records against a live namespace,
// covering every record type with random callers, so that many records fail
// (permissions, missing entries...) as well as succeed. Used by the
// determinism and image tests.
#pragma once

#include <sys/stat.h>

#include <random>
#include <string>
#include <vector>

#include "metad/namespace/namespace.h"
#include "metad/namespace/records.h"

namespace opendfs::metad {

class RandomOps {
 public:
  explicit RandomOps(uint32_t seed) : rng_(seed) {}

  // The next record, built from the current state of `ns` (not applied).
  std::string Next(const Namespace& ns) {
    const int64_t t = ++now_ns_;
    const Cred& c = creds_[Pick(creds_.size())];
    const InodeId dir = RandomDir(ns);
    const std::string name = RandomName();
    Entry e = RandomEntry(ns, dir);
    const InodeId fresh = ns.max_inode_id() + 1;
    switch (Pick(19)) {
      case 0:
      case 1:
        return records::Mkdir(dir, name, fresh, Mode(), c, t);
      case 2:
      case 3:
      case 4: {
        records::CreateArgs a{dir, name, fresh, S_IFREG | Mode(), 0, Pick(2) == 0,
                              uint32_t{1} << (12 + Pick(4)), static_cast<uint8_t>(1 + Pick(3))};
        if (Pick(8) == 0) a.mode = S_IFIFO | Mode();
        return records::Create(a, c, t);
      }
      case 5:
        return records::Symlink(dir, name, fresh, "target/" + name, c, t);
      case 6:
        return records::Link(e.ino, RandomDir(ns), name, c, t);
      case 7:
        return records::Unlink(dir, e.name, Pick(2) == 0, c, t);
      case 8:
        return records::Rmdir(dir, e.name, c, t);
      case 9: {
        const uint32_t flags[] = {0, 0, 0, kRenameNoReplace, kRenameExchange};
        Entry to = RandomEntry(ns, RandomDir(ns));
        InodeId to_dir = to.ino ? to.parent : RandomDir(ns);
        std::string to_name = Pick(2) ? to.name : name;
        return records::Rename(dir, e.name, to_dir, to_name, flags[Pick(5)], Pick(2) == 0, c, t);
      }
      case 10: {
        records::SetAttrArgs a;
        a.inode = e.ino ? e.ino : dir;
        a.fields = static_cast<fb::SetAttrField>(rng_() & 0x3ff);
        a.mode = rng_() & 07777;
        a.uid = creds_[Pick(creds_.size())].uid;
        a.gid = creds_[Pick(creds_.size())].gid;
        a.size = rng_() % (3 * 65536);
        a.atime_ns = rng_();
        a.mtime_ns = rng_();
        a.replication = static_cast<uint8_t>(Pick(4));
        return records::SetAttr(a, c, t);
      }
      case 11: {
        const char* names[] = {"user.a", "user.b", "trusted.t", "security.s"};
        return records::SetXattr(e.ino ? e.ino : dir, names[Pick(4)], name,
                                 static_cast<uint32_t>(Pick(3)), c, t);
      }
      case 12: {
        const char* names[] = {"user.a", "user.b", "trusted.t"};
        return records::RemoveXattr(e.ino ? e.ino : dir, names[Pick(3)], c, t);
      }
      case 13:
      case 14:
        return records::AddBlock(e.ino, static_cast<uint32_t>(Pick(4)),
                                 ns.max_block_id() + 1, t);
      case 15:
      case 16: {
        Result<FileBlocks> fb = ns.GetBlocks(e.ino, 0, 10);
        if (!fb.ok() || fb->blocks.empty()) return records::Noop();
        uint32_t i = static_cast<uint32_t>(Pick(fb->blocks.size()));
        const BlockInfo& b = fb->blocks[i];
        if (Pick(4) == 0) return records::BumpBlockVersion(e.ino, i, b.id, b.version + 1, t);
        return records::CommitBlock(e.ino, i, b.id, b.version,
                                    static_cast<uint32_t>(rng_() % (fb->block_size + 1)), 0, t);
      }
      case 17: {
        std::string data(Pick(3000), static_cast<char>('a' + Pick(26)));
        std::vector<records::InlineExtentView> ex{{static_cast<uint32_t>(Pick(5000)), data}};
        return records::WriteInline(e.ino, ex, rng_() % 9000, t);
      }
      default: {
        std::vector<InodeId> orphans = ns.Orphans();
        if (orphans.empty()) return records::Noop();
        return records::Purge(orphans[Pick(orphans.size())]);
      }
    }
  }

 private:
  struct Entry {
    InodeId parent = 0;
    InodeId ino = 0;
    std::string name = "missing";
  };

  size_t Pick(size_t n) { return rng_() % n; }
  uint32_t Mode() {
    const uint32_t modes[] = {0755, 0700, 0777, 01777, 02775, 0644, 0600, 0};
    return modes[Pick(8)];
  }
  std::string RandomName() { return "n" + std::to_string(Pick(40)); }

  // A directory: walks down from the root a random number of steps.
  InodeId RandomDir(const Namespace& ns) {
    InodeId cur = kRootInode;
    for (int depth = static_cast<int>(Pick(4)); depth > 0; --depth) {
      Result<DirPage> page = ns.ReadDir(cur, 0, 64);
      if (!page.ok()) break;
      std::vector<InodeId> subdirs;
      for (auto& e : page->entries)
        if (S_ISDIR(e.attr.mode)) subdirs.push_back(e.attr.ino);
      if (subdirs.empty()) break;
      cur = subdirs[Pick(subdirs.size())];
    }
    return cur;
  }

  Entry RandomEntry(const Namespace& ns, InodeId dir) {
    Entry out;
    out.parent = dir;
    Result<DirPage> page = ns.ReadDir(dir, 0, 64);
    if (!page.ok() || page->entries.empty() || Pick(10) == 0) return out;
    const DirListEntry& e = page->entries[Pick(page->entries.size())];
    out.ino = e.attr.ino;
    out.name = e.name;
    return out;
  }

  std::mt19937 rng_;
  int64_t now_ns_ = 1'000'000;
  std::vector<Cred> creds_{Cred::Root(), Cred{1000, 1000, {}}, Cred{1001, 1001, {1000}},
                           Cred{1002, 1002, {}}};
};

}  // namespace opendfs::metad
