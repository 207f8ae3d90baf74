// DataSource: the one rule worth code is that a file range's on_done runs
// exactly once, even when the frame is dropped unsent.
#include "libnet/data_source.h"

namespace opendfs {

DataSource& DataSource::operator=(DataSource&& o) noexcept {
  if (this != &o) {
    if (is_file()) CompleteFile(Status(StatusCode::Io, "data trailer not sent"));
    v_ = std::move(o.v_);
    o.v_ = std::monostate{};
  }
  return *this;
}

DataSource::~DataSource() {
  if (is_file()) CompleteFile(Status(StatusCode::Io, "data trailer not sent"));
}

uint64_t DataSource::size() const {
  if (auto* b = std::get_if<Bytes>(&v_)) return b->size();
  if (auto* s = std::get_if<SharedBytes>(&v_)) return s->length;
  if (auto* f = std::get_if<FileRange>(&v_)) return f->length;
  return 0;
}

std::pair<const uint8_t*, size_t> DataSource::memory() const {
  if (auto* b = std::get_if<Bytes>(&v_)) return {b->data(), b->size()};
  if (auto* s = std::get_if<SharedBytes>(&v_)) {
    ODFS_CHECK(s->bytes != nullptr);
    ODFS_CHECK(s->offset + s->length <= s->bytes->size());
    return {s->bytes->data() + s->offset, s->length};
  }
  return {nullptr, 0};
}

void DataSource::CompleteFile(Status status) {
  ODFS_CHECK(is_file());
  auto done = std::move(std::get<FileRange>(v_).on_done);
  v_ = std::monostate{};
  if (done) done(std::move(status));
}

}  // namespace opendfs
