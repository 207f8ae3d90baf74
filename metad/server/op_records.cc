// The editlog record (and the cache events) of each client mutation, built
// from its request: shared by the synchronous handlers (client_handlers.cc,
// block_handlers.cc) and FlushBatch (lease_handlers.cc), which turns a mount's
// buffered ops into the same records with the op's own inode id and time.
// Bad input (a block size off the 64 KiB grid, an inline write past
// inline_max) is a Status, never a crash.
#include <fcntl.h>
#include <sys/stat.h>

#include "metad/namespace/records.h"
#include "metad/server/meta_server.h"
#include "metad/server/wire.h"

namespace opendfs::metad {

bool WriterKillsSetid(const fb::Caller* caller) { return caller != nullptr && caller->uid() != 0; }

std::vector<CacheEvent> MetaServer::Added(uint64_t parent, const flatbuffers::String* name) {
  return {CacheEvent::Entry(parent, std::string(Str(name)), false), CacheEvent::Inode(parent)};
}

std::vector<CacheEvent> MetaServer::Removed(uint64_t parent, const flatbuffers::String* name) {
  return {CacheEvent::Entry(parent, std::string(Str(name)), true), CacheEvent::Inode(parent)};
}

bool MetaServer::NameIsOpen(uint64_t parent, const flatbuffers::String* name) const {
  std::shared_lock l(ns_mu_);
  Result<Attr> victim = ns_->Lookup(parent, Str(name), Cred::Root());
  return victim.ok() && sessions_.IsOpen(victim->ino);
}

Result<records::CreateArgs> MetaServer::CreateArgsOf(const fb::CreateRequest& r) const {
  records::CreateArgs a;
  a.parent = r.parent();
  a.name = Str(r.name());
  a.mode = S_IFREG | (r.mode() & 07777);
  a.umask = r.umask() & 0777;
  a.exclusive = (r.flags() & O_EXCL) != 0;
  uint64_t bs = r.block_size() ? r.block_size() : settings_.default_blk_sz;
  if (bs % (64 << 10) != 0 || bs > (1ull << 31))
    return Status(StatusCode::Invalid,
                  fmt::format("block size {} is not a multiple of 64 KiB up to 2 GiB", bs));
  a.block_size = static_cast<uint32_t>(bs);
  if (r.replication() > 16)
    return Status(StatusCode::Invalid, fmt::format("replication {} not in 1..16", r.replication()));
  a.replication = NewFileGoal(a.parent, r.replication());
  return a;
}

records::CreateArgs MetaServer::MknodArgsOf(const fb::MknodRequest& r) const {
  records::CreateArgs a;
  a.parent = r.parent();
  a.name = Str(r.name());
  uint32_t type = r.mode() & S_IFMT;
  a.mode = (type ? type : S_IFREG) | (r.mode() & 07777);
  a.umask = r.umask() & 0777;
  a.rdev = r.rdev();
  a.exclusive = true;
  a.block_size = static_cast<uint32_t>(settings_.default_blk_sz);
  a.replication = NewFileGoal(a.parent, 0);
  return a;
}

records::SetAttrArgs MetaServer::SetAttrArgsOf(const fb::SetAttrRequest& r, int64_t now_ns) const {
  using B = fb::SetAttrBits;
  using F = fb::SetAttrField;
  uint32_t v = r.valid();
  auto has = [v](B b) { return (v & static_cast<uint32_t>(b)) != 0; };
  records::SetAttrArgs a;
  a.inode = r.ino();
  uint32_t f = 0;
  if (has(B::Mode)) { f |= static_cast<uint32_t>(F::Mode); a.mode = r.mode() & 07777; }
  if (has(B::Uid)) { f |= static_cast<uint32_t>(F::Uid); a.uid = r.uid(); }
  if (has(B::Gid)) { f |= static_cast<uint32_t>(F::Gid); a.gid = r.gid(); }
  if (has(B::Size)) {
    f |= static_cast<uint32_t>(F::Size);
    a.size = r.size();
    // ftruncate through a descriptor opened for writing (mode may be 0).
    if (r.handle() != 0 && sessions_.IsWritableHandle(r.handle(), r.ino()))
      f |= static_cast<uint32_t>(F::OpenForWrite);
  }
  if (has(B::AtimeNow)) {
    f |= static_cast<uint32_t>(F::Atime) | static_cast<uint32_t>(F::AtimeNow);
    a.atime_ns = now_ns;
  } else if (has(B::Atime)) {
    f |= static_cast<uint32_t>(F::Atime);
    a.atime_ns = r.atime_ns();
  }
  if (has(B::MtimeNow)) {
    f |= static_cast<uint32_t>(F::Mtime) | static_cast<uint32_t>(F::MtimeNow);
    a.mtime_ns = now_ns;
  } else if (has(B::Mtime)) {
    f |= static_cast<uint32_t>(F::Mtime);
    a.mtime_ns = r.mtime_ns();
  }
  a.fields = static_cast<F>(f);
  return a;
}

Result<MetaServer::OpRecord> MetaServer::RecordOf(const fb::MkdirRequest& r, InodeId ino,
                                                  int64_t time_ns) const {
  // The umask is applied by the apply step, unless the parent has a
  // default ACL (ns_acl.cc).
  return OpRecord{records::Mkdir(r.parent(), Str(r.name()), ino, r.mode() & 07777,
                                 CredFrom(r.caller()), time_ns, r.umask() & 0777),
                  Added(r.parent(), r.name())};
}

Result<MetaServer::OpRecord> MetaServer::RecordOf(const fb::MknodRequest& r, InodeId ino,
                                                  int64_t time_ns) const {
  records::CreateArgs a = MknodArgsOf(r);
  a.inode = ino;
  return OpRecord{records::Create(a, CredFrom(r.caller()), time_ns), Added(r.parent(), r.name())};
}

Result<MetaServer::OpRecord> MetaServer::RecordOf(const fb::CreateRequest& r, InodeId ino,
                                                  int64_t time_ns) const {
  ODFS_ASSIGN_OR_RETURN(records::CreateArgs a, CreateArgsOf(r));
  a.inode = ino;
  return OpRecord{records::Create(a, CredFrom(r.caller()), time_ns), Added(r.parent(), r.name())};
}

Result<MetaServer::OpRecord> MetaServer::RecordOf(const fb::SymlinkRequest& r, InodeId ino,
                                                  int64_t time_ns) const {
  return OpRecord{records::Symlink(r.parent(), Str(r.name()), ino, Str(r.target()),
                                   CredFrom(r.caller()), time_ns),
                  Added(r.parent(), r.name())};
}

Result<MetaServer::OpRecord> MetaServer::RecordOf(const fb::LinkRequest& r, int64_t time_ns) const {
  return OpRecord{records::Link(r.ino(), r.new_parent(), Str(r.new_name()), CredFrom(r.caller()),
                                time_ns),
                  Added(r.new_parent(), r.new_name())};
}

Result<MetaServer::OpRecord> MetaServer::RecordOf(const fb::UnlinkRequest& r, int64_t time_ns,
                                                  bool keep_orphan) const {
  return OpRecord{records::Unlink(r.parent(), Str(r.name()), keep_orphan, CredFrom(r.caller()),
                                  time_ns),
                  Removed(r.parent(), r.name())};
}

Result<MetaServer::OpRecord> MetaServer::RecordOf(const fb::RmdirRequest& r, int64_t time_ns) const {
  return OpRecord{records::Rmdir(r.parent(), Str(r.name()), CredFrom(r.caller()), time_ns),
                  Removed(r.parent(), r.name())};
}

Result<MetaServer::OpRecord> MetaServer::RecordOf(const fb::RenameRequest& r, int64_t time_ns,
                                                  std::optional<bool> keep_orphan) const {
  std::vector<CacheEvent> events = Removed(r.parent(), r.name());
  bool keep = false;
  {
    std::shared_lock l(ns_mu_);
    Result<Attr> target = ns_->Lookup(r.new_parent(), Str(r.new_name()), Cred::Root());
    keep = keep_orphan.value_or(target.ok() && sessions_.IsOpen(target->ino));
    // The name moved to now leads elsewhere when it existed (replaced,
    // exchanged), else it is new; a replaced inode lost a link.
    std::vector<CacheEvent> to = target.ok() ? Removed(r.new_parent(), r.new_name())
                                             : Added(r.new_parent(), r.new_name());
    events.insert(events.end(), to.begin(), to.end());
    if (target.ok()) events.push_back(CacheEvent::Inode(target->ino));
  }
  return OpRecord{records::Rename(r.parent(), Str(r.name()), r.new_parent(), Str(r.new_name()),
                                  r.flags(), keep, CredFrom(r.caller()), time_ns),
                  std::move(events)};
}

Result<MetaServer::OpRecord> MetaServer::RecordOf(const fb::SetAttrRequest& r,
                                                  int64_t time_ns) const {
  return OpRecord{records::SetAttr(SetAttrArgsOf(r, time_ns), CredFrom(r.caller()), time_ns), {}};
}

Result<MetaServer::OpRecord> MetaServer::RecordOf(const fb::WriteInlineRequest& r,
                                                  int64_t time_ns) const {
  std::vector<records::InlineExtentView> extents;
  if (r.writes()) {
    for (const fb::InlineWrite* w : *r.writes()) {
      std::string_view data;
      if (w->data()) data = {reinterpret_cast<const char*>(w->data()->data()), w->data()->size()};
      if (uint64_t{w->offset()} + data.size() > settings_.inline_max)
        return Status(StatusCode::FileTooBig,
                      fmt::format("inline write of inode {} ends past inline_max {}", r.ino(),
                                  settings_.inline_max));
      extents.push_back({w->offset(), data});
    }
  }
  int64_t mtime = r.mtime_ns() ? r.mtime_ns() : time_ns;
  const bool kill_setid = WriterKillsSetid(r.caller());
  // Other mounts that cached the file drop its attributes (size, times,
  // set-id bits); its data stays close-to-open.
  return OpRecord{
      r.explicit_times()
          ? records::WriteInlineWithTimes(
                r.ino(), extents, r.file_size(),
                r.omit_atime() ? std::nullopt : std::optional<int64_t>(r.atime_ns()),
                r.omit_mtime() ? std::nullopt : std::optional<int64_t>(r.mtime_ns()),
                CredFrom(r.caller()), time_ns, kill_setid)
          : records::WriteInline(r.ino(), extents, r.file_size(), mtime, kill_setid),
      {}};
}

}  // namespace opendfs::metad
