// POSIX ACLs in the Linux xattr format (system.posix_acl_access /
// system.posix_acl_default): a 4-byte header (version 2, little endian) and
// 8-byte entries {tag u16, perm u16, id u32}. Pure: parsing, serialising,
// validity (one USER_OBJ/GROUP_OBJ/OTHER, MASK required with named entries,
// sorted, no duplicate ids) and the access check of Linux posix_acl_permission.
//
// Used by the namespace (ns_acl.cc) for storage, inheritance and
// enforcement; tests/metad/namespace/posix_acl_test.cc.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libnet/status.h"
#include "metad/namespace/types.h"

namespace opendfs::metad::acl {

inline constexpr uint32_t kVersion = 2;
enum Tag : uint16_t {
  kUserObj = 0x01,
  kUser = 0x02,
  kGroupObj = 0x04,
  kGroup = 0x08,
  kMask = 0x10,
  kOther = 0x20,
};
inline constexpr uint32_t kUndefinedId = 0xffffffffu;
inline constexpr size_t kMaxEntries = 1024;

struct Entry {
  uint16_t tag = 0;
  uint16_t perm = 0;  // rwx = 4|2|1
  uint32_t id = kUndefinedId;
  friend bool operator==(const Entry&, const Entry&) = default;
};
using Acl = std::vector<Entry>;

// Invalid when the bytes are not a valid ACL (bad size, version, tag,
// perm, order, duplicates or missing entries).
Result<Acl> Parse(std::string_view bytes);
std::string Serialize(const Acl& acl);

// access(2) of `mask` (kAccessRead/Write/Exec) by `cred` on an inode owned
// by (uid, gid) with this access ACL: the Linux algorithm (owner entry, then
// named users, then owning/named groups limited by the mask, then other).
// Root is not special here: the caller handles it.
bool Permits(const Acl& acl, uint32_t uid, uint32_t gid, const CredView& cred, int mask);

// The mode's permission bits as an ACL with only the three base entries.
Acl FromMode(uint32_t mode);
// True when the ACL says no more than the mode bits (3 entries only).
bool IsMinimal(const Acl& acl);
// The permission bits the ACL implies (owner, mask-or-group, other), and the
// ACL after a chmod to `mode` (owner, mask-or-group and other entries set).
uint32_t ModeBits(const Acl& acl);
Acl WithMode(Acl acl, uint32_t mode);

// A new inode's access ACL from its parent's default ACL (Linux
// posix_acl_create_masq): each of the owner, mask-or-group and other
// entries is limited by the create mode's bits, and the mode's permission
// bits by those entries (set-id and sticky bits kept). The umask plays no
// part. When the result IsMinimal the mode says it all and no access ACL is
// stored.
Acl Inherit(Acl parent_default, uint32_t* mode);

}  // namespace opendfs::metad::acl
