// POSIX permission and name rules shared by every namespace operation.
#pragma once

#include <string_view>

#include "editlog_generated.h"
#include "libnet/status.h"
#include "metad/namespace/inode.h"
#include "metad/namespace/types.h"

namespace opendfs::metad {

// AccessDenied unless the caller has every bit of `mask` (kAccessRead/Write/
// Exec) on `inode`. The owner class applies to the owner, else the group class
// to members of the inode's group, else the other class. Root passes, except
// exec on a non-directory without any x bit.
Status CheckAccess(const Inode& inode, const CredView& cred, int mask);

// A name to create or remove: 1..255 bytes, no '/' or NUL, not "." or "..".
// Invalid or NameTooLong.
Status CheckNewName(std::string_view name);

// The caller named in a record; false when the record has none.
bool CredFromRecord(const fb::EditCred* rec, CredView* out);

}  // namespace opendfs::metad
