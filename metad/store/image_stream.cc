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

}  // namespace opendfs::store
