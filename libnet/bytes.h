// Bytes: an owned, heap-allocated byte buffer that is NOT zero-initialised.
//
// Used for every frame payload and data trailer the transport receives (the
// receive path reads straight into the final Bytes, no staging copy for large
// bodies) and for in-memory data trailers a caller sends. Move-only; a moved
// from Bytes is empty. Not thread-safe (an ordinary value type).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>

namespace opendfs {

class Bytes {
 public:
  Bytes() = default;
  // `size` bytes of uninitialised memory (large buffers are not touched, so
  // untouched pages cost no RSS).
  explicit Bytes(size_t size)
      : buf_(size ? new uint8_t[size] : nullptr), size_(size) {}
  Bytes(Bytes&& o) noexcept : buf_(std::move(o.buf_)), size_(o.size_) {
    o.size_ = 0;
  }
  Bytes& operator=(Bytes&& o) noexcept {
    buf_ = std::move(o.buf_);
    size_ = o.size_;
    o.size_ = 0;
    return *this;
  }
  Bytes(const Bytes&) = delete;
  Bytes& operator=(const Bytes&) = delete;

  static Bytes Copy(const void* data, size_t size) {
    Bytes b(size);
    if (size) std::memcpy(b.data(), data, size);
    return b;
  }
  static Bytes Copy(std::string_view s) { return Copy(s.data(), s.size()); }

  uint8_t* data() { return buf_.get(); }
  const uint8_t* data() const { return buf_.get(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<const uint8_t> span() const { return {buf_.get(), size_}; }
  std::string_view view() const {
    return {reinterpret_cast<const char*>(buf_.get()), size_};
  }
  // Shrinks the logical size (the allocation is kept). n <= size().
  void Truncate(size_t n) {
    if (n < size_) size_ = n;
  }

 private:
  std::unique_ptr<uint8_t[]> buf_;
  size_t size_ = 0;
};

}  // namespace opendfs
