// Small files kept inline (DESIGN §5): a regular file with no blocks may keep
// its data in the namespace, replicated by the editlog like the rest of its
// metadata, so writing it costs one commit and no block traffic. The data is
// a prefix of the file: bytes past it, up to the size, read as zeros.
//
// Moving to blocks: a file with inline data may only gain block 0 (the
// writer copies the inline data there first); the commit of block 0 drops
// the inline data (ns_blocks.cc). Truncate cuts it (ns_setattr.cc).
#include <algorithm>
#include <cstring>

#include "metad/namespace/namespace.h"
#include "metad/namespace/ns_util.h"
#include "metad/namespace/permission.h"

namespace opendfs::metad {

ApplyResult Namespace::ApplyWriteInline(const fb::EditWriteInline& r) {
  Inode* inode = inodes_.Find(r.inode());
  if (inode == nullptr) return Fail(StatusCode::NotFound, "no such inode");
  if (inode->is_dir()) return Fail(StatusCode::IsDir, "inline data of a directory");
  if (!inode->is_reg()) return Fail(StatusCode::Invalid, "inline data of a special file");
  // (A hole left by a settled-back write does not count.)
  for (const BlockInfo& b : inode->blocks.span())
    if (b.id != 0)
      return Fail(StatusCode::Stale, "the file has blocks: its data is no longer inline");
  uint64_t end = 0;
  if (r.extents() != nullptr) {
    for (const fb::InlineExtent* e : *r.extents()) {
      const uint64_t len = e->data() ? e->data()->size() : 0;
      end = std::max<uint64_t>(end, uint64_t{e->offset()} + len);
    }
  }
  if (end > kMaxInlineBytes)
    return Fail(StatusCode::FileTooBig, "inline data beyond kMaxInlineBytes");
  if (r.file_size() > kMaxFileSize) return Fail(StatusCode::FileTooBig, "size too large");
  if (r.explicit_times()) {
    NS_CRED(cred, r);
    if (!cred.is_root() && cred.uid != inode->uid)
      return Fail(StatusCode::NotPermitted, "only the owner may set explicit times");
  }

  // Every check passed.
  if (end > 0) {
    std::string& data = inline_[inode->id];
    if (data.size() < end) data.resize(end, '\0');
    for (const fb::InlineExtent* e : *r.extents()) {
      if (e->data() == nullptr || e->data()->size() == 0) continue;
      std::memcpy(data.data() + e->offset(), e->data()->data(), e->data()->size());
    }
    inode->flags |= Inode::kHasInline;
  }
  inode->size = std::max({inode->size, end, r.file_size()});
  inode->mtime_ns = inode->ctime_ns = r.time_ns();
  if (r.kill_setid()) inode->mode = KillSetidBits(inode->mode);
  if (r.explicit_times()) {
    if (!r.omit_atime()) inode->atime_ns = r.atime_ns();
    if (!r.omit_mtime()) inode->mtime_ns = r.mtime_ns();
  }
  ApplyResult result;
  result.attr = MakeAttr(*inode);
  return result;
}

void Namespace::TruncateInline(Inode& inode, uint64_t size) {
  if (!(inode.flags & Inode::kHasInline)) return;
  auto it = inline_.find(inode.id);
  if (size == 0 || it == inline_.end()) {
    DropInline(inode);
  } else if (it->second.size() > size) {
    it->second.resize(size);
    it->second.shrink_to_fit();
  }
}

void Namespace::DropInline(Inode& inode) {
  if (!(inode.flags & Inode::kHasInline)) return;
  inline_.erase(inode.id);
  inode.flags &= ~Inode::kHasInline;
}

std::string_view Namespace::InlineData(const Inode& inode) const {
  if (!(inode.flags & Inode::kHasInline)) return {};
  auto it = inline_.find(inode.id);
  return it == inline_.end() ? std::string_view() : std::string_view(it->second);
}

}  // namespace opendfs::metad
