// batch_wire.h: each op's body is built exactly as MetaClient's synchronous
// wrapper builds its request, so that the leader can hand it to the same
// checks.
#include "mount/client/batch_wire.h"

namespace opendfs::client {

namespace fbs = flatbuffers;
using Kind = BatchOpArgs::Kind;

fbs::Offset<fb::Caller> BuildOpCaller(fbs::FlatBufferBuilder& b, const Cred& cred) {
  auto groups = b.CreateVector(cred.groups);
  return fb::CreateCaller(b, cred.uid, cred.gid, groups);
}

namespace {

// The body of one op and its union tag.
std::pair<fb::BatchOpBody, fbs::Offset<void>> BuildBody(fbs::FlatBufferBuilder& b,
                                                       const BatchOpArgs& op) {
  using T = fb::BatchOpBody;
  auto caller = BuildOpCaller(b, op.cred);
  switch (op.kind) {
    case Kind::Mknod:
      return {T::MknodRequest,
              fb::CreateMknodRequest(b, caller, op.parent, b.CreateString(op.name), op.mode,
                                     op.rdev, op.umask).Union()};
    case Kind::Mkdir:
      return {T::MkdirRequest, fb::CreateMkdirRequest(b, caller, op.parent,
                                                      b.CreateString(op.name), op.mode,
                                                      op.umask).Union()};
    case Kind::Create:
      return {T::CreateRequest,
              fb::CreateCreateRequest(b, caller, op.parent, b.CreateString(op.name), op.mode,
                                      op.umask, op.flags, op.block_size, op.replication)
                  .Union()};
    case Kind::Symlink: {
      auto n = b.CreateString(op.name);
      auto t = b.CreateString(op.target);
      return {T::SymlinkRequest, fb::CreateSymlinkRequest(b, caller, op.parent, n, t).Union()};
    }
    case Kind::Link:
      return {T::LinkRequest, fb::CreateLinkRequest(b, caller, op.ino, op.new_parent,
                                                    b.CreateString(op.new_name)).Union()};
    case Kind::Unlink:
      return {T::UnlinkRequest,
              fb::CreateUnlinkRequest(b, caller, op.parent, b.CreateString(op.name)).Union()};
    case Kind::Rmdir:
      return {T::RmdirRequest,
              fb::CreateRmdirRequest(b, caller, op.parent, b.CreateString(op.name)).Union()};
    case Kind::Rename: {
      auto n = b.CreateString(op.name);
      auto nn = b.CreateString(op.new_name);
      return {T::RenameRequest, fb::CreateRenameRequest(b, caller, op.parent, n, op.new_parent,
                                                        nn, op.flags).Union()};
    }
    case Kind::SetAttr: {
      const SetAttrArgs& a = op.setattr;
      return {T::SetAttrRequest,
              fb::CreateSetAttrRequest(b, caller, op.ino, a.valid, a.mode, a.uid, a.gid, a.size,
                                       a.atime_ns, a.mtime_ns, a.handle).Union()};
    }
    case Kind::WriteInline: {
      // The file's whole inline data, written at 0 (LeasedDirs merges writes).
      auto d = b.CreateVector(reinterpret_cast<const uint8_t*>(op.data.data()), op.data.size());
      std::vector<fbs::Offset<fb::InlineWrite>> ws{fb::CreateInlineWrite(b, 0, d)};
      return {T::WriteInlineRequest,
              fb::CreateWriteInlineRequest(b, caller, op.ino, /*handle=*/0, b.CreateVector(ws),
                                           op.file_size, op.time_ns).Union()};
    }
  }
  return {T::NONE, 0};
}

}  // namespace

fbs::Offset<fb::BatchOp> BuildBatchOp(fbs::FlatBufferBuilder& b, const BatchOpArgs& op) {
  auto [type, body] = BuildBody(b, op);
  return fb::CreateBatchOp(b, type, body, op.inode, op.time_ns, op.open);
}

fbs::Offset<fbs::Vector<fbs::Offset<fb::BatchOp>>> BuildBatchOps(
    fbs::FlatBufferBuilder& b, const std::vector<BatchOpArgs>& ops) {
  std::vector<fbs::Offset<fb::BatchOp>> offs;
  offs.reserve(ops.size());
  for (const BatchOpArgs& op : ops) offs.push_back(BuildBatchOp(b, op));
  return b.CreateVector(offs);
}

DirEntryInfo ReadDirEntry(const fb::DirEntry& e) {
  DirEntryInfo d;
  if (e.name()) d.name = e.name()->str();
  d.ino = e.ino();
  d.mode = e.mode();
  d.cookie = e.cookie();
  if (e.attr()) d.attr = *e.attr();
  return d;
}

FlushResult ReadFlushReply(const fb::FlushBatchReply& r) {
  FlushResult out;
  if (r.results() != nullptr) {
    for (const fb::BatchOpResult* x : *r.results()) {
      BatchOpResultInfo i;
      i.status = static_cast<StatusCode>(x->status());
      i.handle = x->handle();
      if (x->attr() != nullptr) i.attr = *x->attr();
      out.results.push_back(i);
    }
  }
  if (r.lost() != nullptr) out.lost.assign(r.lost()->begin(), r.lost()->end());
  return out;
}

LeaseGrant ReadLeaseReply(const fb::AcquireDirLeaseReply& r) {
  LeaseGrant g;
  g.granted = r.granted();
  g.retry_ms = r.retry_ms();
  if (r.dir_attr() != nullptr) g.dir_attr = *r.dir_attr();
  if (r.entries() != nullptr) {
    for (const fb::DirEntry* e : *r.entries()) g.entries.push_back(ReadDirEntry(*e));
  }
  g.first_inode = r.first_inode();
  g.inode_count = r.inode_count();
  return g;
}

}  // namespace opendfs::client
