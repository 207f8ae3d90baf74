#include "mount/client/piece_buffer.h"

#include <algorithm>
#include <cstring>

#include "libnet/check.h"

namespace opendfs::client {

PieceBuffer::PieceBuffer(size_t capacity) : capacity_(capacity) {
  ODFS_CHECK(capacity > 0);
}

bool PieceBuffer::Fits(uint64_t offset, size_t length) const {
  if (empty()) return length <= capacity_;
  if (offset < start_ || offset > end()) return false;
  uint64_t new_end = std::max<uint64_t>(end(), offset + length);
  return new_end - start_ <= capacity_;
}

void PieceBuffer::Append(uint64_t offset, const void* data, size_t length) {
  ODFS_CHECK(Fits(offset, length));
  if (length == 0) return;
  if (!buf_) buf_ = std::make_unique<Bytes>(capacity_);
  if (empty()) start_ = offset;
  std::memcpy(buf_->data() + (offset - start_), data, length);
  length_ = static_cast<size_t>(std::max<uint64_t>(end(), offset + length) - start_);
}

Piece PieceBuffer::Take() {
  ODFS_CHECK(!empty());
  buf_->Truncate(length_);
  Piece p{start_, std::shared_ptr<const Bytes>(std::move(buf_))};
  buf_.reset();
  length_ = 0;
  start_ = 0;
  return p;
}

bool PieceBuffer::Overlay(uint64_t offset, size_t length, uint8_t* out) const {
  if (empty()) return false;
  uint64_t lo = std::max<uint64_t>(offset, start_);
  uint64_t hi = std::min<uint64_t>(offset + length, end());
  if (lo >= hi) return false;
  std::memcpy(out + (lo - offset), buf_->data() + (lo - start_), hi - lo);
  return true;
}

}  // namespace opendfs::client
