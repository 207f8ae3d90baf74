#include "metad/store/image_stream.h"

namespace opendfs::store {

Status CopyImage(metad::ImageSource& source, ImageSink& sink, uint64_t* count) {
  uint64_t n = 0;
  std::string_view key;
  std::string_view value;
  while (source.Next(&key, &value)) {
    ODFS_RETURN_IF_ERROR(sink.Put(key, value));
    ++n;
  }
  if (count != nullptr) *count = n;
  return source.status();
}

namespace {
void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint32_t GetU32(std::string_view s) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(s[i])) << (8 * i);
  return v;
}
}  // namespace

void AppendFramedPair(std::string* out, std::string_view key, std::string_view value) {
  PutU32(out, static_cast<uint32_t>(key.size()));
  PutU32(out, static_cast<uint32_t>(value.size()));
  out->append(key);
  out->append(value);
}

bool FramedImageSource::Next(std::string_view* key, std::string_view* value) {
  if (!status_.ok() || rest_.empty()) return false;
  if (rest_.size() < 8) {
    status_ = Status(StatusCode::Corrupt, "shipped fsimage: truncated frame header");
    return false;
  }
  const uint64_t klen = GetU32(rest_), vlen = GetU32(rest_.substr(4));
  if (rest_.size() - 8 < klen + vlen) {
    status_ = Status(StatusCode::Corrupt, "shipped fsimage: truncated pair");
    return false;
  }
  *key = rest_.substr(8, klen);
  *value = rest_.substr(8 + klen, vlen);
  rest_.remove_prefix(8 + klen + vlen);
  return true;
}

}  // namespace opendfs::store
