// BlockVec: the block list of one regular file, kept small because there is
// one per file (DESIGN §3 budget: ~200 bytes per file with one block). One
// block lives inline (24 bytes in all); longer lists move to the heap with
// doubling growth. Move-only.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>

#include "libnet/check.h"
#include "metad/namespace/types.h"

namespace opendfs::metad {

class BlockVec {
 public:
  BlockVec() : one_{} {}
  ~BlockVec() { Release(); }
  BlockVec(const BlockVec&) = delete;
  BlockVec& operator=(const BlockVec&) = delete;
  BlockVec(BlockVec&& o) noexcept { Steal(o); }
  BlockVec& operator=(BlockVec&& o) noexcept {
    if (this != &o) {
      Release();
      Steal(o);
    }
    return *this;
  }

  uint32_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  BlockInfo* data() { return cap_ == 1 ? &one_ : heap_; }
  const BlockInfo* data() const { return cap_ == 1 ? &one_ : heap_; }
  BlockInfo& operator[](uint32_t i) {
    ODFS_CHECK(i < size_);
    return data()[i];
  }
  const BlockInfo& operator[](uint32_t i) const {
    ODFS_CHECK(i < size_);
    return data()[i];
  }
  std::span<const BlockInfo> span() const { return {data(), size_}; }

  void push_back(const BlockInfo& b) {
    if (size_ == cap_) Grow(cap_ * 2);
    data()[size_++] = b;
  }
  // Drops blocks from index n on (no-op when n >= size).
  void truncate(uint32_t n) {
    if (n < size_) size_ = n;
    if (size_ == 0) Release();
  }

 private:
  void Grow(uint32_t new_cap) {
    auto* p = new BlockInfo[new_cap];
    std::memcpy(static_cast<void*>(p), data(), size_ * sizeof(BlockInfo));
    if (cap_ > 1) delete[] heap_;
    heap_ = p;
    cap_ = new_cap;
  }
  void Release() {
    if (cap_ > 1) delete[] heap_;
    one_ = BlockInfo{};
    cap_ = 1;
    size_ = 0;
  }
  void Steal(BlockVec& o) {
    size_ = o.size_;
    cap_ = o.cap_;
    if (cap_ == 1) {
      one_ = o.one_;
    } else {
      heap_ = o.heap_;
    }
    o.one_ = BlockInfo{};
    o.cap_ = 1;
    o.size_ = 0;
  }

  union {
    BlockInfo one_;
    BlockInfo* heap_;
  };
  uint32_t size_ = 0;
  uint32_t cap_ = 1;  // 1 = the inline slot
};

static_assert(sizeof(BlockInfo) == 16);
static_assert(sizeof(BlockVec) == 24);

}  // namespace opendfs::metad
