// Small helpers shared by the ns_*.cc files (private to metad/namespace).
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <string_view>

#include "flatbuffers/flatbuffers.h"
#include "libnet/status.h"
#include "metad/namespace/types.h"

namespace opendfs::metad {

// Largest file size accepted (truncate, block commits): 2^60 bytes.
inline constexpr uint64_t kMaxFileSize = uint64_t{1} << 60;

// What a write or truncate by a caller without CAP_FSETID, or a chown,
// leaves of `mode` (Linux should_remove_suid): S_ISUID goes, S_ISGID goes
// when group-exec is set (without it, S_ISGID marks mandatory locking).
inline uint32_t KillSetidBits(uint32_t mode) {
  mode &= ~static_cast<uint32_t>(S_ISUID);
  if (mode & S_IXGRP) mode &= ~static_cast<uint32_t>(S_ISGID);
  return mode;
}

inline std::string_view Str(const flatbuffers::String* s) {
  return s ? std::string_view(s->data(), s->size()) : std::string_view();
}

inline ApplyResult Fail(StatusCode code, std::string message) {
  return ApplyResult::Failed(Status(code, std::move(message)));
}

}  // namespace opendfs::metad

// Return the failed Status of `expr` as an ApplyResult.
#define NS_TRY(expr)                                     \
  do {                                                   \
    ::opendfs::Status _ns_st = (expr);                   \
    if (!_ns_st.ok()) return ::opendfs::metad::ApplyResult::Failed(_ns_st); \
  } while (0)

// NS_ASSIGN(Inode* p, SearchableDir(...)); returns an ApplyResult on error.
#define NS_ASSIGN(lhs, expr) \
  NS_ASSIGN_IMPL(ODFS_CONCAT(_ns_res_, __LINE__), lhs, expr)
#define NS_ASSIGN_IMPL(res, lhs, expr)                                   \
  auto res = (expr);                                                     \
  if (!res.ok()) return ::opendfs::metad::ApplyResult::Failed(res.status());     \
  lhs = std::move(res).value()

// The caller of a record, or an Invalid ApplyResult when it has none.
#define NS_CRED(var, rec)                                                \
  ::opendfs::metad::CredView var;                                        \
  if (!::opendfs::metad::CredFromRecord((rec).cred(), &var))             \
  return ::opendfs::metad::Fail(::opendfs::StatusCode::Invalid,          \
                                "record without caller")
