// Status and Result<T>: how every fallible call in OpenDFS reports failure.
//
// A Status is a code from schema/status.fbs plus a human message ("what and
// why"). Result<T> holds either a value or a non-OK Status. No exceptions cross
// module boundaries; broken invariants use ODFS_CHECK (check.h), not Status.
#pragma once

#include <cerrno>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "libnet/check.h"
#include "status_generated.h"

namespace opendfs {

using StatusCode = fb::StatusCode;

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::Ok; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "NotFound: /a/b: no such entry"
  std::string ToString() const;

  // Prefix the message with more context: "open /x: " + old message.
  Status Annotate(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::Ok;
  std::string message_;
};

// Short constructors, named after the code.
inline Status MakeStatus(StatusCode code, std::string message) {
  return Status(code, std::move(message));
}

// Name of a code as in the schema ("NotFound").
std::string_view CodeName(StatusCode code);

// The errno the mount returns for a code (ENOENT for NotFound, ...).
int ToErrno(StatusCode code);
inline int ToErrno(const Status& s) { return ToErrno(s.code()); }

// The code for an errno from a system call (ENOSPC -> NoSpace, ...).
StatusCode FromErrno(int err);
// Status for a failed system call: "<what>: <strerror(err)>".
Status ErrnoStatus(int err, std::string_view what);

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    ODFS_CHECK(!std::get<Status>(v_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & {
    ODFS_CHECK(ok());
    return std::get<T>(v_);
  }
  const T& value() const& {
    ODFS_CHECK(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    ODFS_CHECK(ok());
    return std::get<T>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace opendfs

// Return early from a function returning Status or Result<T>.
#define ODFS_RETURN_IF_ERROR(expr)              \
  do {                                          \
    ::opendfs::Status _odfs_st = (expr);        \
    if (!_odfs_st.ok()) return _odfs_st;        \
  } while (0)

#define ODFS_CONCAT_INNER(a, b) a##b
#define ODFS_CONCAT(a, b) ODFS_CONCAT_INNER(a, b)
// ODFS_ASSIGN_OR_RETURN(auto x, MakeX()); returns the error of a failed Result.
#define ODFS_ASSIGN_OR_RETURN(lhs, expr) \
  ODFS_ASSIGN_OR_RETURN_IMPL(ODFS_CONCAT(_odfs_res_, __LINE__), lhs, expr)
#define ODFS_ASSIGN_OR_RETURN_IMPL(res, lhs, expr) \
  auto res = (expr);                               \
  if (!res.ok()) return res.status();              \
  lhs = std::move(res).value()
