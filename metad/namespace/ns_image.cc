// fsimage Save / Load (key layout in schema/fsimage.fbs).
//
// Save writes the meta record, the decommissioned blockds, every inode in id
// order, then every directory's entries in (directory id, cookie) order, then
// the write state of the few blocks that have any (ns_block_writes.cc);
// equal namespaces produce equal images byte for byte. Load verifies every value, rebuilds the tables and
// then checks the structure (root present, every entry's child present, link
// counts and parent pointers consistent); any mismatch is Corrupt and no
// namespace is returned.
#include <algorithm>
#include <unordered_map>

#include "fsimage_generated.h"
#include "metad/namespace/namespace.h"
#include "metad/namespace/ns_util.h"
#include "metad/namespace/permission.h"

namespace opendfs::metad {
namespace {

// 2 added the "W" block write entries; images of format 1 still load.
constexpr uint32_t kImageFormat = 2;
constexpr uint32_t kOldestImageFormat = 1;
constexpr char kMetaKey = 'A';
constexpr char kBlockdPrefix = 'D';  // + address: a decommissioned blockd, empty value
constexpr char kInodePrefix = 'I';
constexpr char kEntryPrefix = 'N';
constexpr char kBlockWritePrefix = 'W';  // + block id: ns_block_writes.cc

void PutBE64(std::string& s, uint64_t v) {
  for (int i = 7; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetBE64(std::string_view s) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

std::string_view View(const flatbuffers::FlatBufferBuilder& fbb) {
  return {reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize()};
}

Status Corrupt(std::string what) {
  return Status(StatusCode::Corrupt, "fsimage: " + std::move(what));
}

template <class T>
const T* VerifiedRoot(std::string_view value) {
  flatbuffers::Verifier v(reinterpret_cast<const uint8_t*>(value.data()), value.size());
  if (!v.VerifyBuffer<T>(nullptr)) return nullptr;
  return flatbuffers::GetRoot<T>(value.data());
}

bool ValidType(uint32_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG: case S_IFDIR: case S_IFLNK: case S_IFIFO:
    case S_IFSOCK: case S_IFCHR: case S_IFBLK:
      return true;
    default:
      return false;
  }
}

}  // namespace

Status Namespace::Save(ImageSink& sink) const {
  flatbuffers::FlatBufferBuilder fbb(1024);
  fbb.Finish(fb::CreateImageMeta(fbb, kImageFormat, max_inode_id_, max_block_id_,
                                 inodes_.size()));
  ODFS_RETURN_IF_ERROR(sink.Put(std::string_view(&kMetaKey, 1), View(fbb)));
  for (const std::string& address : decommissioned_)
    ODFS_RETURN_IF_ERROR(sink.Put(std::string(1, kBlockdPrefix) + address, {}));

  std::vector<InodeId> ids;
  ids.reserve(inodes_.size());
  inodes_.ForEach([&](const Inode& i) { ids.push_back(i.id); });
  std::sort(ids.begin(), ids.end());

  std::string key;
  std::vector<fb::ImageBlock> blocks;
  std::vector<flatbuffers::Offset<fb::ImageXattr>> xattrs;
  std::vector<WriteRef> writes;
  for (InodeId id : ids) {
    const Inode& in = *inodes_.Find(id);
    fbb.Clear();
    blocks.clear();
    xattrs.clear();
    for (const BlockInfo& b : in.blocks.span()) {
      blocks.emplace_back(b.id, b.version, b.length);
      if (b.id != 0 && WriteOf(b.id) != nullptr)
        writes.push_back(WriteRef{b.id, id, static_cast<uint32_t>(blocks.size() - 1)});
    }
    if (in.flags & Inode::kHasXattrs) {
      for (const auto& [name, value] : xattrs_.at(id))
        xattrs.push_back(fb::CreateImageXattr(
            fbb, fbb.CreateString(name),
            fbb.CreateVector(reinterpret_cast<const uint8_t*>(value.data()), value.size())));
    }
    auto blocks_off = blocks.empty() ? 0 : fbb.CreateVectorOfStructs(blocks);
    auto xattrs_off = xattrs.empty() ? 0 : fbb.CreateVector(xattrs);
    flatbuffers::Offset<flatbuffers::String> target_off = 0;
    if (in.is_symlink()) target_off = fbb.CreateString(symlinks_.at(id));
    const std::string_view inline_data = InlineData(in);
    auto inline_off = inline_data.empty() ? 0 : fbb.CreateVector(
        reinterpret_cast<const uint8_t*>(inline_data.data()), inline_data.size());
    fb::ImageInodeBuilder b(fbb);
    b.add_id(id);
    b.add_mode(in.mode);
    b.add_uid(in.uid);
    b.add_gid(in.gid);
    b.add_nlink(in.nlink);
    b.add_size(in.size);
    b.add_atime_ns(in.atime_ns);
    b.add_mtime_ns(in.mtime_ns);
    b.add_ctime_ns(in.ctime_ns);
    if (in.is_dev()) {
      auto it = rdevs_.find(id);
      if (it != rdevs_.end()) b.add_rdev(it->second);
    }
    b.add_block_size(in.block_size);
    b.add_replication(in.replication);
    if (!blocks.empty()) b.add_blocks(blocks_off);
    if (in.is_symlink()) b.add_symlink_target(target_off);
    if (!xattrs.empty()) b.add_xattrs(xattrs_off);
    if (!inline_data.empty()) b.add_inline_data(inline_off);
    if (in.is_dir()) {
      const Directory* d = DirOf(id);
      b.add_dir_parent(d->parent());
      b.add_dir_next_cookie(d->next_cookie());
    }
    fbb.Finish(b.Finish());
    key.assign(1, kInodePrefix);
    PutBE64(key, id);
    ODFS_RETURN_IF_ERROR(sink.Put(key, View(fbb)));
  }

  Status status;
  for (InodeId id : ids) {
    const Directory* d = DirOf(id);
    if (d == nullptr) continue;
    d->ForEachAfter(0, [&](const Directory::Entry& e) {
      fbb.Clear();
      fbb.Finish(fb::CreateImageDirEntry(fbb, fbb.CreateString(e.name), e.child));
      key.assign(1, kEntryPrefix);
      PutBE64(key, id);
      PutBE64(key, e.cookie);
      status = sink.Put(key, View(fbb));
      return status.ok();
    });
    ODFS_RETURN_IF_ERROR(status);
  }
  ODFS_RETURN_IF_ERROR(SaveRequests(sink));
  return SaveBlockWrites(std::move(writes), sink);
}

Result<std::unique_ptr<Namespace>> Namespace::Load(ImageSource& source) {
  std::unique_ptr<Namespace> ns(new Namespace(EmptyTag{}));
  bool have_meta = false;
  uint64_t expected_inodes = 0;
  std::string prev_key;
  std::string_view key, value;
  // Link-count check without a per-inode map: inode ids arrive sorted (key
  // order); the children named by entries are sorted at the end and counted
  // against them.
  std::vector<InodeId> ids;
  std::vector<InodeId> children;
  std::unordered_map<InodeId, uint32_t> subdirs;  // directory -> subdirectories

  while (source.Next(&key, &value)) {
    if (!prev_key.empty() && key <= prev_key) return Corrupt("keys out of order");
    prev_key.assign(key);
    if (key.size() == 1 && key[0] == kMetaKey) {
      const auto* m = VerifiedRoot<fb::ImageMeta>(value);
      if (m == nullptr) return Corrupt("bad meta record");
      if (m->format_version() < kOldestImageFormat || m->format_version() > kImageFormat)
        return Corrupt("unknown format version");
      ns->max_inode_id_ = m->max_inode_id();
      ns->max_block_id_ = m->max_block_id();
      expected_inodes = m->inode_count();
      have_meta = true;
    } else if (key.size() == 9 && key[0] == kInodePrefix) {
      if (!have_meta) return Corrupt("inode before meta");
      const auto* r = VerifiedRoot<fb::ImageInode>(value);
      const InodeId id = GetBE64(key.substr(1));
      if (r == nullptr || r->id() != id || id == 0) return Corrupt("bad inode record");
      if (id > ns->max_inode_id_) return Corrupt("inode id above the counter");
      if (!ValidType(r->mode())) return Corrupt("bad inode type");
      Inode* in = ns->inodes_.Insert(id);
      ids.push_back(id);
      in->mode = r->mode();
      in->uid = r->uid();
      in->gid = r->gid();
      in->nlink = r->nlink();
      in->size = r->size();
      in->atime_ns = r->atime_ns();
      in->mtime_ns = r->mtime_ns();
      in->ctime_ns = r->ctime_ns();
      in->block_size = r->block_size();
      in->replication = r->replication();
      if (r->blocks() != nullptr && r->blocks()->size() != 0) {
        if (!in->is_reg() || in->block_size == 0) return Corrupt("blocks on a non-file");
        for (const fb::ImageBlock* b : *r->blocks()) {
          if (b->id() > ns->max_block_id_) return Corrupt("block id above the counter");
          in->blocks.push_back(BlockInfo{b->id(), b->version(), b->length()});
        }
      }
      if (in->is_dir()) {
        if (in->nlink < 2) return Corrupt("directory with nlink < 2");
        if (r->dir_next_cookie() < kFirstCookie) return Corrupt("bad directory cookie");
        Directory d(r->dir_parent());
        d.set_next_cookie(r->dir_next_cookie());
        ns->dirs_.emplace(id, std::move(d));
      }
      if (in->is_symlink()) {
        if (r->symlink_target() == nullptr || r->symlink_target()->size() == 0)
          return Corrupt("symlink without target");
        ns->symlinks_.emplace(id, r->symlink_target()->str());
      }
      if (in->is_dev() && r->rdev() != 0) ns->rdevs_.emplace(id, r->rdev());
      if (r->inline_data() != nullptr && r->inline_data()->size() != 0) {
        // A file moving to blocks may have block 0 allocated (not yet
        // committed) beside its inline data; nothing more.
        if (!in->is_reg() || in->blocks.size() > 1 ||
            r->inline_data()->size() > kMaxInlineBytes || r->inline_data()->size() > in->size)
          return Corrupt("inline data on a non-file, a file with blocks, or too long");
        ns->inline_.emplace(id, std::string(reinterpret_cast<const char*>(r->inline_data()->data()),
                                            r->inline_data()->size()));
        in->flags |= Inode::kHasInline;
      }
      if (r->xattrs() != nullptr && r->xattrs()->size() != 0) {
        Xattrs list;
        for (const fb::ImageXattr* x : *r->xattrs()) {
          if (x->name() == nullptr) return Corrupt("xattr without name");
          std::string name = x->name()->str();
          if (!list.empty() && list.back().first >= name) return Corrupt("xattrs unsorted");
          std::string v;
          if (x->value()) v.assign(reinterpret_cast<const char*>(x->value()->data()), x->value()->size());
          list.emplace_back(std::move(name), std::move(v));
        }
        ns->xattrs_.emplace(id, std::move(list));
        in->flags |= Inode::kHasXattrs;
      }
      if (in->nlink == 0) {
        in->flags |= Inode::kOrphan;
        ns->orphans_.insert(id);
      }
    } else if (key.size() == 17 && key[0] == kEntryPrefix) {
      const InodeId dir_id = GetBE64(key.substr(1));
      const uint64_t cookie = GetBE64(key.substr(9));
      const auto* r = VerifiedRoot<fb::ImageDirEntry>(value);
      if (r == nullptr) return Corrupt("bad entry record");
      Directory* dir = ns->DirOf(dir_id);
      const Inode* child = ns->inodes_.Find(r->child());
      const std::string_view name = Str(r->name());
      if (dir == nullptr || child == nullptr) return Corrupt("entry names a missing inode");
      if (!CheckNewName(name).ok() || dir->Find(name) != nullptr)
        return Corrupt("bad or duplicate entry name");
      if (cookie >= dir->next_cookie() || cookie < kFirstCookie ||
          cookie <= dir->last_cookie())
        return Corrupt("bad entry cookie");
      dir->InsertWithCookie(name, child->id, cookie);
      children.push_back(child->id);
      if (child->is_dir()) {
        if (ns->DirOf(child->id)->parent() != dir_id) return Corrupt("wrong parent");
        ++subdirs[dir_id];
      }
    } else if (key.size() > 1 && key[0] == 'R') {  // ns_requests.cc
      ODFS_RETURN_IF_ERROR(ns->LoadRequests(key, value));
    } else if (key.size() > 1 && key[0] == kBlockWritePrefix) {
      // After every inode (key order): the block it names is known.
      ODFS_RETURN_IF_ERROR(ns->LoadBlockWrite(key, value));
    } else if (key.size() > 1 && key[0] == kBlockdPrefix) {
      if (key.size() - 1 > kMaxBlockdAddressBytes || !value.empty())
        return Corrupt("bad decommissioned blockd record");
      ns->decommissioned_.emplace(key.substr(1));
    } else {
      return Corrupt("unknown key");
    }
  }
  ODFS_RETURN_IF_ERROR(source.status());
  if (!have_meta) return Corrupt("no meta record");
  if (ns->inodes_.size() != expected_inodes) return Corrupt("inode count mismatch");
  const Inode* root = ns->inodes_.Find(kRootInode);
  if (root == nullptr || !root->is_dir() || ns->DirOf(kRootInode)->parent() != kRootInode)
    return Corrupt("no root directory");
  std::sort(children.begin(), children.end());
  auto child_it = children.begin();
  for (InodeId id : ids) {  // both sorted: count each inode's entries
    uint32_t n = 0;
    while (child_it != children.end() && *child_it == id) ++n, ++child_it;
    const Inode& in = *ns->inodes_.Find(id);
    if (in.is_dir()) {
      const uint32_t want_refs = id == kRootInode ? 0 : 1;
      auto sub = subdirs.find(id);
      const uint32_t want_nlink = 2 + (sub == subdirs.end() ? 0 : sub->second);
      if (n != want_refs || in.nlink != want_nlink) return Corrupt("directory link count");
    } else if (in.nlink != n) {
      return Corrupt("file link count");
    }
  }
  // Every directory hangs from the root (no detached cycles).
  size_t reachable = 0;
  std::vector<InodeId> stack{kRootInode};
  while (!stack.empty()) {
    const InodeId d = stack.back();
    stack.pop_back();
    ++reachable;
    ns->DirOf(d)->ForEachAfter(0, [&](const Directory::Entry& e) {
      if (ns->DirOf(e.child) != nullptr) stack.push_back(e.child);
      return true;
    });
  }
  if (reachable != ns->dirs_.size()) return Corrupt("directories detached from the root");
  return ns;
}

}  // namespace opendfs::metad
