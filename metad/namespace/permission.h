// POSIX permission and name rules shared by every namespace operation.
#pragma once

#include <string_view>

#include "editlog_generated.h"
#include "libnet/status.h"
#include "metad/namespace/inode.h"
#include "metad/namespace/posix_acl.h"
#include "metad/namespace/types.h"

namespace opendfs::metad {

// AccessDenied unless the caller has every bit of `mask` (kAccessRead/Write/
// Exec) on `inode`. The owner class applies to the owner, else the group class
// to members of the inode's group, else the other class. Root passes, except
// exec on a non-directory without any x bit.
// With `access_acl` (the inode's system.posix_acl_access), a caller who is
// not the owner is judged by the ACL (named users, groups, mask) whenever
// the mode's group bits are not all clear — Linux acl_permission_check,
// quirk included: with a mask of --- it falls back to the mode bits.
Status CheckAccess(const Inode& inode, const CredView& cred, int mask,
                   const acl::Acl* access_acl = nullptr);

// A name to create or remove: 1..255 bytes, no '/' or NUL, not "." or "..".
// Invalid or NameTooLong.
Status CheckNewName(std::string_view name);

// The caller named in a record; false when the record has none.
bool CredFromRecord(const fb::EditCred* rec, CredView* out);

}  // namespace opendfs::metad
