#include "metad/store/rocks_util.h"

#include "libnet/check.h"

namespace opendfs::store {

void PutBigEndian64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

uint64_t GetBigEndian64(std::string_view in) {
  ODFS_CHECK(in.size() >= 8);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) {
    v = (v << 8) | static_cast<uint8_t>(in[i]);
  }
  return v;
}

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  std::string msg(what);
  msg += ": ";
  msg += s.ToString();
  StatusCode code = StatusCode::Io;
  if (s.IsCorruption()) {
    code = StatusCode::Corrupt;
  } else if (s.IsNoSpace()) {
    code = StatusCode::NoSpace;
  } else if (s.IsBusy() || s.IsTryAgain()) {
    code = StatusCode::Busy;
  }
  return Status(code, std::move(msg));
}

}  // namespace opendfs::store
