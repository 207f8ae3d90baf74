// Extended attributes: set / remove (logged) and get / list (reads).
// Namespaces as on Linux (xattr_permission): "user." needs read/write
// permission and exists only on regular files and directories; "trusted." is
// root's (others: NotPermitted to write, NoData to read, hidden from lists);
// "security." follows the file's permissions; "system.posix_acl_access" and
// "system.posix_acl_default" are POSIX ACLs (ns_acl.cc: anyone may read
// them, the owner or root change them); other "system." names and unknown
// prefixes are NotSupported. Names 1..255 bytes (Range), values up to
// 64 KiB (TooBig), all of one inode's names and values up to 1 MiB
// (NoSpace). Missing attribute: NoData.
#include <algorithm>

#include "metad/namespace/namespace.h"
#include "metad/namespace/ns_util.h"
#include "metad/namespace/permission.h"

namespace opendfs::metad {
namespace {

enum class XattrNs { kUser, kTrusted, kSecurity, kAcl, kUnsupported };

XattrNs NsOf(std::string_view name) {
  if (name.starts_with("user.")) return XattrNs::kUser;
  if (name.starts_with("trusted.")) return XattrNs::kTrusted;
  if (name.starts_with("security.")) return XattrNs::kSecurity;
  if (name == "system.posix_acl_access" || name == "system.posix_acl_default")
    return XattrNs::kAcl;
  return XattrNs::kUnsupported;
}

Status CheckXattrName(std::string_view name) {
  if (name.empty() || name.size() > kMaxXattrNameBytes)
    return Status(StatusCode::Range, "xattr name must be 1..255 bytes");
  if (name.find('\0') != std::string_view::npos)
    return Status(StatusCode::Invalid, "xattr name contains NUL");
  if (NsOf(name) == XattrNs::kUnsupported)
    return Status(StatusCode::NotSupported, "unsupported xattr namespace");
  return Status::Ok();
}

// May the caller write (write == true) or read the attribute `name`?
// `access` is the caller's permission check with the inode's ACL.
Status XattrPermission(const Inode& inode, std::string_view name,
                       const CredView& cred, bool write, const auto& access) {
  switch (NsOf(name)) {
    case XattrNs::kAcl:
      if (inode.is_symlink()) return Status(StatusCode::NotSupported, "no ACLs on symlinks");
      return Status::Ok();  // reads are free; changes: ns_acl.cc
    case XattrNs::kTrusted:
      if (cred.is_root()) return Status::Ok();
      return write ? Status(StatusCode::NotPermitted, "trusted xattrs are root's")
                   : Status(StatusCode::NoData, "no such xattr");
    case XattrNs::kUser:
      if (!inode.is_reg() && !inode.is_dir())
        return write ? Status(StatusCode::NotPermitted,
                              "user xattrs only on files and directories")
                     : Status(StatusCode::NoData, "no such xattr");
      if (write && inode.is_dir() && (inode.mode & S_ISVTX) && !cred.is_root() &&
          cred.uid != inode.uid)
        return Status(StatusCode::NotPermitted,
                      "user xattrs of a sticky directory are its owner's");
      break;
    case XattrNs::kSecurity:
      break;
    case XattrNs::kUnsupported:
      return Status(StatusCode::NotSupported, "unsupported xattr namespace");
  }
  return access(write ? kAccessWrite : kAccessRead);
}

auto FindXattr(auto& list, std::string_view name) {
  return std::lower_bound(list.begin(), list.end(), name,
                          [](const auto& kv, std::string_view n) { return kv.first < n; });
}

}  // namespace

ApplyResult Namespace::ApplySetXattr(const fb::EditSetXattr& r) {
  NS_CRED(cred, r);
  Inode* inode = inodes_.Find(r.inode());
  if (inode == nullptr) return Fail(StatusCode::NotFound, "no such inode");
  const std::string_view name = Str(r.name());
  NS_TRY(CheckXattrName(name));
  const uint32_t flags = r.flags();
  if (flags & ~(kXattrCreate | kXattrReplace))
    return Fail(StatusCode::Invalid, "unsupported setxattr flags");
  const size_t value_size = r.value() ? r.value()->size() : 0;
  if (value_size > kMaxXattrValueBytes)
    return Fail(StatusCode::TooBig, "xattr value larger than 64 KiB");
  NS_TRY(XattrPermission(*inode, name, cred, /*write=*/true,
                         [&](int m) { return Permission(*inode, cred, m); }));
  if (NsOf(name) == XattrNs::kAcl) {
    // Flags do not apply (Linux set_posix_acl ignores them).
    const std::string_view value =
        value_size ? std::string_view(reinterpret_cast<const char*>(r.value()->data()), value_size)
                   : std::string_view();
    return SetAcl(*inode, name, value, cred, r.time_ns());
  }

  Xattrs* list = nullptr;
  if (inode->flags & Inode::kHasXattrs) list = &xattrs_.at(inode->id);
  const bool exists = list != nullptr && FindXattr(*list, name) != list->end() &&
                      FindXattr(*list, name)->first == name;
  if ((flags & kXattrCreate) && exists) return Fail(StatusCode::Exists, "xattr exists");
  if ((flags & kXattrReplace) && !exists) return Fail(StatusCode::NoData, "no such xattr");

  size_t total = name.size() + value_size;
  if (list != nullptr)
    for (const auto& [n, v] : *list)
      if (n != name) total += n.size() + v.size();
  if (total > kMaxXattrBytesPerInode)
    return Fail(StatusCode::NoSpace, "xattrs of this inode exceed 1 MiB");

  if (list == nullptr) {
    list = &xattrs_[inode->id];
    inode->flags |= Inode::kHasXattrs;
  }
  std::string value;
  if (value_size) value.assign(reinterpret_cast<const char*>(r.value()->data()), value_size);
  auto it = FindXattr(*list, name);
  if (exists) {
    it->second = std::move(value);
  } else {
    list->emplace(it, std::string(name), std::move(value));
  }
  inode->ctime_ns = r.time_ns();
  ApplyResult result;
  result.attr = MakeAttr(*inode);
  return result;
}

ApplyResult Namespace::ApplyRemoveXattr(const fb::EditRemoveXattr& r) {
  NS_CRED(cred, r);
  Inode* inode = inodes_.Find(r.inode());
  if (inode == nullptr) return Fail(StatusCode::NotFound, "no such inode");
  const std::string_view name = Str(r.name());
  NS_TRY(CheckXattrName(name));
  NS_TRY(XattrPermission(*inode, name, cred, /*write=*/true,
                         [&](int m) { return Permission(*inode, cred, m); }));
  if (NsOf(name) == XattrNs::kAcl) return RemoveAcl(*inode, name, cred, r.time_ns());
  if (!(inode->flags & Inode::kHasXattrs)) return Fail(StatusCode::NoData, "no such xattr");
  Xattrs& list = xattrs_.at(inode->id);
  auto it = FindXattr(list, name);
  if (it == list.end() || it->first != name) return Fail(StatusCode::NoData, "no such xattr");
  list.erase(it);
  if (list.empty()) {
    xattrs_.erase(inode->id);
    inode->flags &= ~Inode::kHasXattrs;
  }
  inode->ctime_ns = r.time_ns();
  ApplyResult result;
  result.attr = MakeAttr(*inode);
  return result;
}

Result<std::string> Namespace::GetXattr(InodeId ino, std::string_view name,
                                        const Cred& cred) const {
  const Inode* inode = inodes_.Find(ino);
  if (inode == nullptr) return Status(StatusCode::NotFound, "no such inode");
  ODFS_RETURN_IF_ERROR(CheckXattrName(name));
  ODFS_RETURN_IF_ERROR(XattrPermission(*inode, name, CredView(cred), /*write=*/false,
                                       [&](int m) { return Permission(*inode, cred, m); }));
  if (inode->flags & Inode::kHasXattrs) {
    const Xattrs& list = xattrs_.at(ino);
    auto it = FindXattr(list, name);
    if (it != list.end() && it->first == name) return it->second;
  }
  return Status(StatusCode::NoData, "no such xattr");
}

Result<std::vector<std::string>> Namespace::ListXattr(InodeId ino,
                                                      const Cred& cred) const {
  const Inode* inode = inodes_.Find(ino);
  if (inode == nullptr) return Status(StatusCode::NotFound, "no such inode");
  std::vector<std::string> names;
  if (inode->flags & Inode::kHasXattrs) {
    for (const auto& [name, value] : xattrs_.at(ino))
      if (NsOf(name) != XattrNs::kTrusted || cred.uid == 0) names.push_back(name);
  }
  return names;
}

}  // namespace opendfs::metad
