// Test fixture: a Namespace plus the steps a service performs for each
// operation (fresh ids from the counters, a clock, the caller), so tests read
// as POSIX calls. Every applied record is kept in log() for replay tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "metad/namespace/namespace.h"
#include "metad/namespace/records.h"

namespace opendfs::metad {

using F = fb::SetAttrField;  // flatbuffers defines | and & for bit_flags

inline constexpr uint32_t kBlockSize = 1 << 20;

class NsTest : public ::testing::Test {
 protected:
  Namespace ns;
  std::vector<std::string> log;
  int64_t now_ns = 1'000'000'000;
  const Cred root = Cred::Root();
  const Cred alice{1000, 1000, {}};
  const Cred bob{1001, 1001, {}};
  const Cred carol{1002, 1002, {1000}};  // member of alice's group

  InodeId next_inode() const { return ns.max_inode_id() + 1; }

  ApplyResult Apply(const std::string& rec) {
    log.push_back(rec);
    return ns.ApplyBytes(rec);
  }
  int64_t Tick() { return ++now_ns; }

  ApplyResult Mkdir(InodeId p, std::string_view name, uint32_t mode = 0755,
                    const Cred& c = Cred::Root()) {
    return Apply(records::Mkdir(p, name, next_inode(), mode, c, Tick()));
  }
  ApplyResult Create(InodeId p, std::string_view name, uint32_t mode = 0644,
                     const Cred& c = Cred::Root(), bool exclusive = true) {
    records::CreateArgs a{p, name, next_inode(), S_IFREG | mode, 0, exclusive,
                          kBlockSize, 3};
    return Apply(records::Create(a, c, Tick()));
  }
  ApplyResult Mknod(InodeId p, std::string_view name, uint32_t mode,
                    uint64_t rdev = 0, const Cred& c = Cred::Root()) {
    records::CreateArgs a{p, name, next_inode(), mode, rdev, true, 0, 0};
    return Apply(records::Create(a, c, Tick()));
  }
  ApplyResult Symlink(InodeId p, std::string_view name, std::string_view target,
                      const Cred& c = Cred::Root()) {
    return Apply(records::Symlink(p, name, next_inode(), target, c, Tick()));
  }
  ApplyResult Link(InodeId ino, InodeId p, std::string_view name,
                   const Cred& c = Cred::Root()) {
    return Apply(records::Link(ino, p, name, c, Tick()));
  }
  ApplyResult Unlink(InodeId p, std::string_view name, const Cred& c = Cred::Root(),
                     bool keep_orphan = false) {
    return Apply(records::Unlink(p, name, keep_orphan, c, Tick()));
  }
  ApplyResult Rmdir(InodeId p, std::string_view name, const Cred& c = Cred::Root()) {
    return Apply(records::Rmdir(p, name, c, Tick()));
  }
  ApplyResult Rename(InodeId p, std::string_view name, InodeId np,
                     std::string_view nn, uint32_t flags = 0,
                     const Cred& c = Cred::Root(), bool keep_orphan = false) {
    return Apply(records::Rename(p, name, np, nn, flags, keep_orphan, c, Tick()));
  }
  ApplyResult SetAttr(const records::SetAttrArgs& a, const Cred& c = Cred::Root()) {
    return Apply(records::SetAttr(a, c, Tick()));
  }
  ApplyResult Chmod(InodeId ino, uint32_t mode, const Cred& c = Cred::Root()) {
    records::SetAttrArgs a;
    a.inode = ino;
    a.fields = F::Mode;
    a.mode = mode;
    return SetAttr(a, c);
  }
  ApplyResult Chown(InodeId ino, uint32_t uid, uint32_t gid, const Cred& c = Cred::Root()) {
    records::SetAttrArgs a;
    a.inode = ino;
    a.fields = F::Uid | F::Gid;
    a.uid = uid;
    a.gid = gid;
    return SetAttr(a, c);
  }
  ApplyResult Truncate(InodeId ino, uint64_t size, const Cred& c = Cred::Root()) {
    records::SetAttrArgs a;
    a.inode = ino;
    a.fields = F::Size;
    a.size = size;
    return SetAttr(a, c);
  }
  ApplyResult SetXattr(InodeId ino, std::string_view name, std::string_view value,
                       uint32_t flags = 0, const Cred& c = Cred::Root()) {
    return Apply(records::SetXattr(ino, name, value, flags, c, Tick()));
  }
  ApplyResult RemoveXattr(InodeId ino, std::string_view name,
                          const Cred& c = Cred::Root()) {
    return Apply(records::RemoveXattr(ino, name, c, Tick()));
  }
  ApplyResult AddBlock(InodeId ino, uint32_t index) {
    return Apply(records::AddBlock(ino, index, ns.max_block_id() + 1, Tick()));
  }
  ApplyResult CommitBlock(InodeId ino, uint32_t index, BlockId id, uint32_t version,
                          uint32_t length, uint64_t file_size = 0) {
    return Apply(records::CommitBlock(ino, index, id, version, length, file_size, Tick()));
  }
  // A file of `size` bytes written block by block.
  InodeId MakeFile(InodeId p, std::string_view name, uint64_t size,
                   const Cred& c = Cred::Root()) {
    InodeId ino = MustOk(Create(p, name, 0644, c));
    for (uint32_t i = 0; uint64_t{i} * kBlockSize < size; ++i) {
      ApplyResult b = AddBlock(ino, i);
      EXPECT_TRUE(b.status.ok()) << b.status.ToString();
      uint64_t len = std::min<uint64_t>(kBlockSize, size - uint64_t{i} * kBlockSize);
      ApplyResult cm = CommitBlock(ino, i, b.block.id, 1, static_cast<uint32_t>(len));
      EXPECT_TRUE(cm.status.ok()) << cm.status.ToString();
    }
    return ino;
  }

  static InodeId MustOk(const ApplyResult& r) {
    EXPECT_TRUE(r.status.ok()) << r.status.ToString();
    return r.attr.ino;
  }
  InodeId Id(InodeId parent, std::string_view name) {
    Result<Attr> a = ns.Lookup(parent, name, root);
    EXPECT_TRUE(a.ok()) << name << ": " << a.status().ToString();
    return a.ok() ? a->ino : 0;
  }
  Attr AttrOf(InodeId ino) {
    Result<Attr> a = ns.GetAttr(ino);
    EXPECT_TRUE(a.ok()) << ino;
    return a.ok() ? *a : Attr{};
  }
  std::vector<std::string> Names(InodeId dir) {
    std::vector<std::string> out;
    Result<DirPage> page = ns.ReadDir(dir, 0, 1 << 30);
    EXPECT_TRUE(page.ok());
    if (page.ok())
      for (auto& e : page->entries) out.push_back(e.name);
    return out;
  }
};

// The code of an ApplyResult or Result<T>, for EXPECT_EQ against StatusCode.
inline StatusCode Code(const ApplyResult& r) { return r.status.code(); }
template <class T>
StatusCode Code(const Result<T>& r) { return r.status().code(); }
inline StatusCode Code(const Status& s) { return s.code(); }

}  // namespace opendfs::metad
