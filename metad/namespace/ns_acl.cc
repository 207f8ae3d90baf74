// POSIX ACLs in the namespace: storage, mode sync, inheritance, enforcement.
//
// Happy path (as ext4 mounted with acl): setxattr("system.posix_acl_access")
// by the owner or root stores the ACL and sets the mode's group bits to its
// mask (or to the group entry without one); an ACL the mode can say alone
// (three entries) is not stored, only the mode changes. chmod rewrites the
// stored ACL's owner, mask-or-group and other entries. A new entry of a
// directory with a default ACL gets its access ACL from it (limited by the
// create mode, the umask ignored) and, when a directory, the default ACL
// too; without one the umask applies. Every permission check of the
// namespace reads the access ACL (Permission()).
//
// Failure modes: a bad blob is Invalid (EINVAL); a caller that is neither
// the owner nor root is NotPermitted (EPERM); a default ACL on a
// non-directory is AccessDenied (EACCES, removing one is a no-op); ACLs on
// symlinks are NotSupported (EOPNOTSUPP). A failed call changes nothing.
#include <sys/stat.h>

#include <algorithm>

#include "metad/namespace/namespace.h"
#include "metad/namespace/ns_util.h"
#include "metad/namespace/permission.h"
#include "metad/namespace/posix_acl.h"

namespace opendfs::metad {
namespace {

constexpr std::string_view kAccessName = "system.posix_acl_access";
constexpr std::string_view kDefaultName = "system.posix_acl_default";

auto FindIn(auto& list, std::string_view name) {
  auto it = std::lower_bound(list.begin(), list.end(), name,
                             [](const auto& kv, std::string_view n) { return kv.first < n; });
  return (it != list.end() && it->first == name) ? it : list.end();
}

Status MayChangeAcl(const Inode& inode, const CredView& cred) {
  if (inode.is_symlink()) return Status(StatusCode::NotSupported, "no ACLs on symlinks");
  if (!cred.is_root() && cred.uid != inode.uid)
    return Status(StatusCode::NotPermitted, "only the owner may change an ACL");
  return Status::Ok();
}

}  // namespace

const std::string* Namespace::XattrValue(const Inode& inode, std::string_view name) const {
  if (!(inode.flags & Inode::kHasXattrs)) return nullptr;
  const Xattrs& list = xattrs_.at(inode.id);
  auto it = FindIn(list, name);
  return it == list.end() ? nullptr : &it->second;
}

void Namespace::PutXattr(Inode& inode, std::string_view name, std::string value) {
  Xattrs& list = xattrs_[inode.id];
  inode.flags |= Inode::kHasXattrs;
  auto it = std::lower_bound(list.begin(), list.end(), name,
                             [](const auto& kv, std::string_view n) { return kv.first < n; });
  if (it != list.end() && it->first == name) {
    it->second = std::move(value);
  } else {
    list.emplace(it, std::string(name), std::move(value));
  }
}

bool Namespace::EraseXattr(Inode& inode, std::string_view name) {
  if (!(inode.flags & Inode::kHasXattrs)) return false;
  Xattrs& list = xattrs_.at(inode.id);
  auto it = FindIn(list, name);
  if (it == list.end()) return false;
  list.erase(it);
  if (list.empty()) {
    xattrs_.erase(inode.id);
    inode.flags &= ~Inode::kHasXattrs;
  }
  return true;
}

Status Namespace::Permission(const Inode& inode, const CredView& cred, int mask) const {
  const std::string* bytes = XattrValue(inode, kAccessName);
  if (bytes == nullptr) return CheckAccess(inode, cred, mask);
  // Stored only after validation; a damaged image's bytes count as no ACL.
  Result<acl::Acl> a = acl::Parse(*bytes);
  return CheckAccess(inode, cred, mask, a.ok() ? &*a : nullptr);
}

ApplyResult Namespace::SetAcl(Inode& inode, std::string_view name, std::string_view value,
                              const CredView& cred, int64_t time_ns) {
  NS_TRY(MayChangeAcl(inode, cred));
  if (value.empty()) return RemoveAcl(inode, name, cred, time_ns);  // setxattr(NULL, 0)
  NS_ASSIGN(acl::Acl a, acl::Parse(value));
  if (name == kDefaultName) {
    if (!inode.is_dir())
      return Fail(StatusCode::AccessDenied, "default ACLs only on directories");
    PutXattr(inode, name, acl::Serialize(a));
  } else {
    uint32_t mode = (inode.mode & ~0777u) | acl::ModeBits(a);
    // posix_acl_update_mode: no setgid left to a caller outside the group.
    if (!cred.is_root() && !cred.InGroup(inode.gid)) mode &= ~static_cast<uint32_t>(S_ISGID);
    inode.mode = mode;
    if (acl::IsMinimal(a)) {
      EraseXattr(inode, name);
    } else {
      PutXattr(inode, name, acl::Serialize(a));
    }
  }
  inode.ctime_ns = time_ns;
  ApplyResult result;
  result.attr = MakeAttr(inode);
  return result;
}

ApplyResult Namespace::RemoveAcl(Inode& inode, std::string_view name, const CredView& cred,
                                 int64_t time_ns) {
  NS_TRY(MayChangeAcl(inode, cred));
  // As ext4: removing an ACL that is not there succeeds; the mode stays.
  if (EraseXattr(inode, name)) inode.ctime_ns = time_ns;
  ApplyResult result;
  result.attr = MakeAttr(inode);
  return result;
}

void Namespace::ChmodAcl(Inode& inode) {
  const std::string* bytes = XattrValue(inode, kAccessName);
  if (bytes == nullptr) return;
  Result<acl::Acl> a = acl::Parse(*bytes);
  if (!a.ok()) return;
  PutXattr(inode, kAccessName, acl::Serialize(acl::WithMode(std::move(*a), inode.mode)));
}

uint32_t Namespace::CreateMode(const Inode& parent, uint32_t mode, uint32_t umask,
                               InheritedAcls* acls) const {
  const std::string* dflt = XattrValue(parent, kDefaultName);
  if (dflt == nullptr || S_ISLNK(mode)) return mode & ~(umask & 0777);
  Result<acl::Acl> d = acl::Parse(*dflt);
  if (!d.ok()) return mode & ~(umask & 0777);
  acl::Acl access = acl::Inherit(*d, &mode);
  if (!acl::IsMinimal(access)) acls->access = acl::Serialize(access);
  if (S_ISDIR(mode)) acls->dflt = *dflt;
  return mode;
}

void Namespace::AttachAcls(Inode& child, InheritedAcls acls) {
  if (!acls.access.empty()) PutXattr(child, kAccessName, std::move(acls.access));
  if (!acls.dflt.empty()) PutXattr(child, kDefaultName, std::move(acls.dflt));
}

}  // namespace opendfs::metad
