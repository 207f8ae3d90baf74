#include "libnet/status.h"

#include <gtest/gtest.h>

namespace opendfs {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Status(StatusCode::Invalid, "odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  ODFS_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(Status, OkAndError) {
  EXPECT_TRUE(Status::Ok().ok());
  Status s(StatusCode::NotFound, "/a/b");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "NotFound: /a/b");
  EXPECT_EQ(s.Annotate("lookup").message(), "lookup: /a/b");
}

TEST(Status, ErrnoRoundTripForFilesystemCodes) {
  for (int e : {ENOENT, EEXIST, ENOTEMPTY, ENOTDIR, EISDIR, EACCES, EPERM, EINVAL, ENOSPC,
                ENAMETOOLONG, ENODATA, ERANGE, EXDEV, EMLINK, EFBIG, ELOOP, EOPNOTSUPP,
                EROFS, ETIMEDOUT})
    EXPECT_EQ(ToErrno(FromErrno(e)), e) << e;
  EXPECT_EQ(ToErrno(StatusCode::Corrupt), EIO);
  EXPECT_EQ(ToErrno(StatusCode::NoBlockd), ENOSPC);
  EXPECT_EQ(ErrnoStatus(ENOSPC, "pwrite blk_1").code(), StatusCode::NoSpace);
}

TEST(Result, ValueAndPropagation) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::Invalid);
}

}  // namespace
}  // namespace opendfs
