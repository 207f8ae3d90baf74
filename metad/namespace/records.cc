// Editlog record builders: one FlatBufferBuilder per record, finished as an
// EditRecord and copied out as bytes.
#include "metad/namespace/records.h"

namespace opendfs::metad::records {
namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

Offset<fb::EditCred> CredOf(FlatBufferBuilder& fbb, const Cred& c) {
  return fb::CreateEditCred(fbb, c.uid, c.gid, fbb.CreateVector(c.groups));
}

Offset<flatbuffers::String> S(FlatBufferBuilder& fbb, std::string_view s) {
  return fbb.CreateString(s.data(), s.size());
}

template <class T>
std::string Finish(FlatBufferBuilder& fbb, fb::EditOp type, Offset<T> op) {
  // client_id and request_id are written even when 0 so that
  // TagClientRequest can set them in place (a field left out of a
  // flatbuffer cannot be mutated later).
  fbb.ForceDefaults(true);
  fbb.Finish(fb::CreateEditRecord(fbb, type, op.Union(), 0, 0));
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

}  // namespace

std::string Mkdir(InodeId parent, std::string_view name, InodeId inode,
                  uint32_t mode, const Cred& cred, int64_t time_ns,
                  uint32_t umask) {
  FlatBufferBuilder fbb(128);
  auto n = S(fbb, name);
  auto c = CredOf(fbb, cred);
  return Finish(fbb, fb::EditOp::EditMkdir,
                fb::CreateEditMkdir(fbb, parent, n, inode, mode, c, time_ns, umask));
}

std::string Create(const CreateArgs& a, const Cred& cred, int64_t time_ns) {
  FlatBufferBuilder fbb(128);
  auto n = S(fbb, a.name);
  auto c = CredOf(fbb, cred);
  return Finish(fbb, fb::EditOp::EditCreate,
                fb::CreateEditCreate(fbb, a.parent, n, a.inode, a.mode, a.rdev,
                                     a.exclusive, a.block_size, a.replication, c,
                                     time_ns, 0, a.umask));
}

std::string Symlink(InodeId parent, std::string_view name, InodeId inode,
                    std::string_view target, const Cred& cred, int64_t time_ns) {
  FlatBufferBuilder fbb(128);
  auto n = S(fbb, name);
  auto t = S(fbb, target);
  auto c = CredOf(fbb, cred);
  return Finish(fbb, fb::EditOp::EditSymlink,
                fb::CreateEditSymlink(fbb, parent, n, inode, t, c, time_ns));
}

std::string Link(InodeId inode, InodeId new_parent, std::string_view new_name,
                 const Cred& cred, int64_t time_ns) {
  FlatBufferBuilder fbb(128);
  auto n = S(fbb, new_name);
  auto c = CredOf(fbb, cred);
  return Finish(fbb, fb::EditOp::EditLink,
                fb::CreateEditLink(fbb, inode, new_parent, n, c, time_ns));
}

std::string Unlink(InodeId parent, std::string_view name, bool keep_orphan,
                   const Cred& cred, int64_t time_ns) {
  FlatBufferBuilder fbb(128);
  auto n = S(fbb, name);
  auto c = CredOf(fbb, cred);
  return Finish(fbb, fb::EditOp::EditUnlink,
                fb::CreateEditUnlink(fbb, parent, n, keep_orphan, c, time_ns));
}

std::string Rmdir(InodeId parent, std::string_view name, const Cred& cred,
                  int64_t time_ns) {
  FlatBufferBuilder fbb(128);
  auto n = S(fbb, name);
  auto c = CredOf(fbb, cred);
  return Finish(fbb, fb::EditOp::EditRmdir,
                fb::CreateEditRmdir(fbb, parent, n, c, time_ns));
}

std::string Rename(InodeId parent, std::string_view name, InodeId new_parent,
                   std::string_view new_name, uint32_t flags, bool keep_orphan,
                   const Cred& cred, int64_t time_ns) {
  FlatBufferBuilder fbb(128);
  auto n = S(fbb, name);
  auto nn = S(fbb, new_name);
  auto c = CredOf(fbb, cred);
  return Finish(fbb, fb::EditOp::EditRename,
                fb::CreateEditRename(fbb, parent, n, new_parent, nn, flags,
                                     keep_orphan, c, time_ns));
}

std::string SetAttr(const SetAttrArgs& a, const Cred& cred, int64_t time_ns) {
  FlatBufferBuilder fbb(128);
  auto c = CredOf(fbb, cred);
  return Finish(fbb, fb::EditOp::EditSetAttr,
                fb::CreateEditSetAttr(fbb, a.inode, a.fields, a.mode, a.uid, a.gid,
                                      a.size, a.atime_ns, a.mtime_ns,
                                      a.replication, c, time_ns));
}

std::string SetXattr(InodeId inode, std::string_view name, std::string_view value,
                     uint32_t flags, const Cred& cred, int64_t time_ns) {
  FlatBufferBuilder fbb(128 + value.size());
  auto n = S(fbb, name);
  auto v = fbb.CreateVector(reinterpret_cast<const uint8_t*>(value.data()), value.size());
  auto c = CredOf(fbb, cred);
  return Finish(fbb, fb::EditOp::EditSetXattr,
                fb::CreateEditSetXattr(fbb, inode, n, v, flags, c, time_ns));
}

std::string RemoveXattr(InodeId inode, std::string_view name, const Cred& cred,
                        int64_t time_ns) {
  FlatBufferBuilder fbb(128);
  auto n = S(fbb, name);
  auto c = CredOf(fbb, cred);
  return Finish(fbb, fb::EditOp::EditRemoveXattr,
                fb::CreateEditRemoveXattr(fbb, inode, n, c, time_ns));
}

std::string AddBlock(InodeId inode, uint32_t index, BlockId block_id,
                     int64_t time_ns, const std::vector<std::string>& replicas) {
  FlatBufferBuilder fbb(128);
  auto r = fbb.CreateVectorOfStrings(replicas);
  return Finish(fbb, fb::EditOp::EditAddBlock,
                fb::CreateEditAddBlock(fbb, inode, index, block_id, time_ns, r));
}

std::string CommitBlock(InodeId inode, uint32_t index, BlockId block_id,
                        uint32_t version, uint32_t length, uint64_t file_size,
                        int64_t time_ns, const std::vector<std::string>& replicas,
                        bool kill_setid) {
  FlatBufferBuilder fbb(128);
  auto r = fbb.CreateVectorOfStrings(replicas);
  return Finish(fbb, fb::EditOp::EditCommitBlock,
                fb::CreateEditCommitBlock(fbb, inode, index, block_id, version,
                                          length, file_size, time_ns, r, kill_setid));
}

std::string BumpBlockVersion(InodeId inode, uint32_t index, BlockId block_id,
                             uint32_t new_version, int64_t time_ns,
                             const std::vector<std::string>& replicas) {
  FlatBufferBuilder fbb(128);
  auto r = fbb.CreateVectorOfStrings(replicas);
  return Finish(fbb, fb::EditOp::EditBumpBlockVersion,
                fb::CreateEditBumpBlockVersion(fbb, inode, index, block_id,
                                               new_version, time_ns, r));
}

std::string SettleBlock(const SettleArgs& a, int64_t time_ns) {
  FlatBufferBuilder fbb(128);
  auto authority = S(fbb, a.authority);
  return Finish(fbb, fb::EditOp::EditSettleBlock,
                fb::CreateEditSettleBlock(fbb, a.inode, a.index, a.block_id, a.version,
                                          authority, a.length, a.file_size, time_ns));
}

std::string ForgetStaleReplica(BlockId block_id, std::string_view address) {
  FlatBufferBuilder fbb(64);
  auto a = S(fbb, address);
  return Finish(fbb, fb::EditOp::EditForgetStaleReplica,
                fb::CreateEditForgetStaleReplica(fbb, block_id, a));
}

namespace {

std::string WriteInlineRecord(InodeId inode, const std::vector<InlineExtentView>& extents,
                              uint64_t file_size, int64_t time_ns, bool explicit_times,
                              std::optional<int64_t> atime_ns, std::optional<int64_t> mtime_ns,
                              const Cred* cred, bool kill_setid) {
  FlatBufferBuilder fbb(256);
  std::vector<flatbuffers::Offset<fb::InlineExtent>> offs;
  offs.reserve(extents.size());
  for (const InlineExtentView& e : extents) {
    auto data = fbb.CreateVector(reinterpret_cast<const uint8_t*>(e.data.data()), e.data.size());
    offs.push_back(fb::CreateInlineExtent(fbb, e.offset, data));
  }
  auto ex = fbb.CreateVector(offs);
  auto c = cred ? CredOf(fbb, *cred) : 0;
  return Finish(fbb, fb::EditOp::EditWriteInline,
                fb::CreateEditWriteInline(fbb, inode, ex, file_size, time_ns, explicit_times,
                                          atime_ns.value_or(0), mtime_ns.value_or(0), c,
                                          explicit_times && !atime_ns,
                                          explicit_times && !mtime_ns, kill_setid));
}

}  // namespace

std::string WriteInline(InodeId inode, const std::vector<InlineExtentView>& extents,
                        uint64_t file_size, int64_t time_ns, bool kill_setid) {
  return WriteInlineRecord(inode, extents, file_size, time_ns, false, std::nullopt,
                           std::nullopt, nullptr, kill_setid);
}

std::string WriteInlineWithTimes(InodeId inode, const std::vector<InlineExtentView>& extents,
                                 uint64_t file_size, std::optional<int64_t> atime_ns,
                                 std::optional<int64_t> mtime_ns, const Cred& cred,
                                 int64_t time_ns, bool kill_setid) {
  return WriteInlineRecord(inode, extents, file_size, time_ns, true, atime_ns, mtime_ns, &cred,
                           kill_setid);
}

std::string Purge(InodeId inode) {
  FlatBufferBuilder fbb(64);
  return Finish(fbb, fb::EditOp::EditPurge, fb::CreateEditPurge(fbb, inode));
}

std::string Noop() {
  FlatBufferBuilder fbb(32);
  return Finish(fbb, fb::EditOp::EditNoop, fb::CreateEditNoop(fbb));
}

std::string SetBlockdState(std::string_view address, bool decommissioned) {
  FlatBufferBuilder fbb(64);
  auto a = fbb.CreateString(address);
  return Finish(fbb, fb::EditOp::EditSetBlockdState,
                fb::CreateEditSetBlockdState(fbb, a, decommissioned));
}

const fb::EditRecord* VerifyRecord(std::string_view bytes) {
  flatbuffers::Verifier v(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (!fb::VerifyEditRecordBuffer(v)) return nullptr;
  return fb::GetEditRecord(bytes.data());
}

bool TagClientRequest(std::string& record, uint64_t client_id, uint64_t request_id) {
  if (client_id == 0 || request_id == 0) return false;
  auto* table = flatbuffers::GetMutableRoot<flatbuffers::Table>(record.data());
  return table->SetField<uint64_t>(fb::EditRecord::VT_CLIENT_ID, client_id, 0) &&
         table->SetField<uint64_t>(fb::EditRecord::VT_REQUEST_ID, request_id, 0);
}

std::string Batch(const std::vector<std::string>& records) {
  size_t bytes = 64;
  for (const std::string& r : records) bytes += r.size() + 16;
  FlatBufferBuilder fbb(bytes);
  std::vector<Offset<fb::EditSubRecord>> subs;
  subs.reserve(records.size());
  for (const std::string& r : records) {
    // Aligned like a buffer of its own, so reading the nested record never
    // makes a misaligned access.
    fbb.ForceVectorAlignment(r.size(), sizeof(uint8_t), 8);
    auto v = fbb.CreateVector(reinterpret_cast<const uint8_t*>(r.data()), r.size());
    subs.push_back(fb::CreateEditSubRecord(fbb, v));
  }
  return Finish(fbb, fb::EditOp::EditBatch, fb::CreateEditBatch(fbb, fbb.CreateVector(subs)));
}

std::string ReserveInodes(uint32_t count, uint64_t session) {
  FlatBufferBuilder fbb(64);
  return Finish(fbb, fb::EditOp::EditReserveInodes, fb::CreateEditReserveInodes(fbb, count, session));
}

}  // namespace opendfs::metad::records
