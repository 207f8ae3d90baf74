// Permission checks: the owner/group/other selection of POSIX.1 §4.4 (file
// access permissions), POSIX ACLs (Linux acl_permission_check) and Linux's
// root override (generic_permission).
#include "metad/namespace/permission.h"

#include <algorithm>

namespace opendfs::metad {

bool CredView::InGroup(uint32_t g) const {
  return gid == g || std::find(groups.begin(), groups.end(), g) != groups.end();
}

Status CheckAccess(const Inode& inode, const CredView& cred, int mask,
                   const acl::Acl* access_acl) {
  mask &= 7;
  if (cred.is_root()) {
    if ((mask & kAccessExec) && !inode.is_dir() && (inode.mode & 0111) == 0)
      return Status(StatusCode::AccessDenied, "no exec bit set, even for root");
    return Status::Ok();
  }
  uint32_t bits;
  if (cred.uid == inode.uid) {
    bits = (inode.mode >> 6) & 7;
  } else if (access_acl != nullptr && (inode.mode & S_IRWXG) != 0) {
    if (acl::Permits(*access_acl, inode.uid, inode.gid, cred, mask)) return Status::Ok();
    return Status(StatusCode::AccessDenied, "permission denied by the ACL");
  } else if (cred.InGroup(inode.gid)) {
    bits = (inode.mode >> 3) & 7;
  } else {
    bits = inode.mode & 7;
  }
  if ((bits & static_cast<uint32_t>(mask)) != static_cast<uint32_t>(mask))
    return Status(StatusCode::AccessDenied, "permission denied");
  return Status::Ok();
}

Status CheckNewName(std::string_view name) {
  if (name.size() > kMaxNameBytes)
    return Status(StatusCode::NameTooLong, "name longer than 255 bytes");
  if (name.empty() || name == "." || name == "..")
    return Status(StatusCode::Invalid, "name must not be empty, '.' or '..'");
  if (name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos)
    return Status(StatusCode::Invalid, "name contains '/' or NUL");
  return Status::Ok();
}

bool CredFromRecord(const fb::EditCred* rec, CredView* out) {
  if (rec == nullptr) return false;
  std::span<const uint32_t> groups;
  if (rec->groups() != nullptr)
    groups = std::span<const uint32_t>(rec->groups()->data(), rec->groups()->size());
  *out = CredView(rec->uid(), rec->gid(), groups);
  return true;
}

}  // namespace opendfs::metad
