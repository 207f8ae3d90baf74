// POSIX ACL format and evaluation (Linux fs/posix_acl.c: posix_acl_valid,
// posix_acl_permission, posix_acl_equiv_mode, posix_acl_chmod).
#include "metad/namespace/posix_acl.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>

namespace opendfs::metad::acl {
namespace {

uint32_t Le32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;  // little-endian hosts only (x86-64, arm64)
}
uint16_t Le16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

Status Bad(const char* why) { return Status(StatusCode::Invalid, std::string("ACL: ") + why); }

Status Validate(const Acl& acl) {
  int user_obj = 0, group_obj = 0, other = 0, mask = 0, named = 0;
  uint16_t last_tag = 0;
  uint32_t last_id = 0;
  for (const Entry& e : acl) {
    if (e.perm & ~7u) return Bad("permission bits beyond rwx");
    if (e.tag < last_tag) return Bad("entries out of order");
    const bool has_id = e.tag == kUser || e.tag == kGroup;
    if (has_id) {
      if (e.id == kUndefinedId) return Bad("named entry without an id");
      if (e.tag == last_tag && e.id <= last_id) return Bad("duplicate or unsorted id");
      ++named;
      last_id = e.id;
    }
    switch (e.tag) {
      case kUserObj: ++user_obj; break;
      case kGroupObj: ++group_obj; break;
      case kOther: ++other; break;
      case kMask: ++mask; break;
      case kUser: case kGroup: break;
      default: return Bad("unknown tag");
    }
    last_tag = e.tag;
  }
  if (user_obj != 1 || group_obj != 1 || other != 1 || mask > 1)
    return Bad("needs exactly one owner, group and other entry, at most one mask");
  if (named > 0 && mask == 0) return Bad("named entries need a mask");
  return Status::Ok();
}

}  // namespace

Result<Acl> Parse(std::string_view bytes) {
  if (bytes.size() < 4 || (bytes.size() - 4) % 8 != 0) return Bad("size is not 4 + 8n bytes");
  if (Le32(bytes.data()) != kVersion) return Bad("version is not 2");
  const size_t n = (bytes.size() - 4) / 8;
  if (n > kMaxEntries) return Bad("too many entries");
  Acl acl(n);
  for (size_t i = 0; i < n; ++i) {
    const char* p = bytes.data() + 4 + 8 * i;
    acl[i].tag = Le16(p);
    acl[i].perm = Le16(p + 2);
    acl[i].id = (acl[i].tag == kUser || acl[i].tag == kGroup) ? Le32(p + 4) : kUndefinedId;
  }
  ODFS_RETURN_IF_ERROR(Validate(acl));
  return acl;
}

std::string Serialize(const Acl& acl) {
  std::string out(4 + 8 * acl.size(), '\0');
  const uint32_t v = kVersion;
  std::memcpy(out.data(), &v, 4);
  for (size_t i = 0; i < acl.size(); ++i) {
    char* p = out.data() + 4 + 8 * i;
    std::memcpy(p, &acl[i].tag, 2);
    std::memcpy(p + 2, &acl[i].perm, 2);
    std::memcpy(p + 4, &acl[i].id, 4);
  }
  return out;
}

bool Permits(const Acl& acl, uint32_t uid, uint32_t gid, const CredView& cred, int mask) {
  const uint16_t want = static_cast<uint16_t>(mask & 7);
  uint16_t mask_perm = 7;
  for (const Entry& e : acl)
    if (e.tag == kMask) mask_perm = e.perm;
  bool group_found = false;
  for (const Entry& e : acl) {
    switch (e.tag) {
      case kUserObj:
        if (cred.uid == uid) return (e.perm & want) == want;
        break;
      case kUser:
        if (cred.uid == e.id) return (e.perm & mask_perm & want) == want;
        break;
      case kGroupObj:
        if (cred.InGroup(gid)) {
          group_found = true;
          if ((e.perm & mask_perm & want) == want) return true;
        }
        break;
      case kGroup:
        if (cred.InGroup(e.id)) {
          group_found = true;
          if ((e.perm & mask_perm & want) == want) return true;
        }
        break;
      case kOther:
        if (group_found) return false;
        return (e.perm & want) == want;
      default:
        break;
    }
  }
  return false;
}

Acl FromMode(uint32_t mode) {
  return {{kUserObj, static_cast<uint16_t>((mode >> 6) & 7), kUndefinedId},
          {kGroupObj, static_cast<uint16_t>((mode >> 3) & 7), kUndefinedId},
          {kOther, static_cast<uint16_t>(mode & 7), kUndefinedId}};
}

bool IsMinimal(const Acl& acl) { return acl.size() == 3; }

uint32_t ModeBits(const Acl& acl) {
  uint32_t owner = 0, group = 0, other = 0, mask = 0;
  bool has_mask = false;
  for (const Entry& e : acl) {
    if (e.tag == kUserObj) owner = e.perm;
    if (e.tag == kGroupObj) group = e.perm;
    if (e.tag == kOther) other = e.perm;
    if (e.tag == kMask) { mask = e.perm; has_mask = true; }
  }
  return (owner << 6) | ((has_mask ? mask : group) << 3) | other;
}

Acl WithMode(Acl acl, uint32_t mode) {
  const bool has_mask = std::any_of(acl.begin(), acl.end(), [](const Entry& e) { return e.tag == kMask; });
  for (Entry& e : acl) {
    if (e.tag == kUserObj) e.perm = static_cast<uint16_t>((mode >> 6) & 7);
    if (e.tag == kOther) e.perm = static_cast<uint16_t>(mode & 7);
    if (e.tag == (has_mask ? kMask : kGroupObj)) e.perm = static_cast<uint16_t>((mode >> 3) & 7);
  }
  return acl;
}

Acl Inherit(Acl acl, uint32_t* mode) {
  uint32_t m = *mode;
  Entry* group_obj = nullptr;
  Entry* mask_obj = nullptr;
  for (Entry& e : acl) {
    switch (e.tag) {
      case kUserObj:
        e.perm &= static_cast<uint16_t>((m >> 6) & 7);
        m &= (static_cast<uint32_t>(e.perm) << 6) | ~static_cast<uint32_t>(S_IRWXU);
        break;
      case kGroupObj: group_obj = &e; break;
      case kMask: mask_obj = &e; break;
      case kOther:
        e.perm &= static_cast<uint16_t>(m & 7);
        m &= static_cast<uint32_t>(e.perm) | ~static_cast<uint32_t>(S_IRWXO);
        break;
      default: break;
    }
  }
  Entry* group_class = mask_obj != nullptr ? mask_obj : group_obj;
  if (group_class != nullptr) {
    group_class->perm &= static_cast<uint16_t>((m >> 3) & 7);
    m &= (static_cast<uint32_t>(group_class->perm) << 3) | ~static_cast<uint32_t>(S_IRWXG);
  }
  *mode = m;
  return acl;
}

}  // namespace opendfs::metad::acl
