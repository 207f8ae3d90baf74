// PieceBuffer: the bytes written into one block that are not yet sent.
//
// Happy path (sequential writes): Append() grows one contiguous range until
// it holds `capacity` bytes, then the writer Take()s it as a piece and sends
// it to the replicas. A write that overlaps the buffered range or continues
// it is merged (later bytes win); a write elsewhere in the block does not
// Fit(), so the writer sends the buffer first and starts a new range. Memory
// is at most `capacity` bytes, allocated on the first Append after a Take.
//
// Pure bookkeeping, no failure modes (misuse aborts). Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "libnet/bytes.h"

namespace opendfs::client {

struct Piece {
  uint64_t offset = 0;  // in the block
  std::shared_ptr<const Bytes> data;  // data->size() bytes
};

class PieceBuffer {
 public:
  explicit PieceBuffer(size_t capacity);

  // True when [offset, offset+length) can merge into the buffered range
  // (always when empty and length <= capacity).
  bool Fits(uint64_t offset, size_t length) const;
  // Requires Fits(offset, length).
  void Append(uint64_t offset, const void* data, size_t length);
  // Hands out the buffered range and empties the buffer. Requires !empty().
  Piece Take();

  bool empty() const { return length_ == 0; }
  bool full() const { return length_ == capacity_; }
  uint64_t start() const { return start_; }
  uint64_t end() const { return start_ + length_; }
  size_t length() const { return length_; }
  size_t capacity() const { return capacity_; }
  // Copies the buffered bytes overlapping [offset, offset+length) of the
  // block into out (out[0] is block offset `offset`); returns whether any did.
  bool Overlay(uint64_t offset, size_t length, uint8_t* out) const;

 private:
  const size_t capacity_;
  std::unique_ptr<Bytes> buf_;
  uint64_t start_ = 0;
  size_t length_ = 0;
};

}  // namespace opendfs::client
