// ReplicaList: the replicas of one block, packed into 16 bytes each and kept
// inline for up to three (the common replication factor) so that the block
// map costs one allocation per block. Used only inside BlockMap.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>

#include "libnet/check.h"
#include "metad/registry/types.h"

namespace opendfs::metad {

// A replica as the block map stores it: version, then length (40 bits, so
// blocks up to 1 TiB), corrupt flag and blockd id (23 bits) in one word.
class PackedReplica {
 public:
  static constexpr uint64_t kMaxLength = (uint64_t{1} << 40) - 1;

  PackedReplica() = default;
  PackedReplica(BlockdId blockd, uint64_t version, uint64_t length, bool corrupt)
      : version_(version) {
    ODFS_CHECK(blockd <= kMaxBlockdId);
    ODFS_CHECK(length <= kMaxLength);
    word_ = length | (uint64_t{corrupt} << 40) | (uint64_t{blockd} << 41);
  }
  BlockdId blockd() const { return static_cast<BlockdId>(word_ >> 41); }
  uint64_t version() const { return version_; }
  uint64_t length() const { return word_ & kMaxLength; }
  bool corrupt() const { return (word_ >> 40) & 1; }
  void set_corrupt(bool c) {
    word_ = (word_ & ~(uint64_t{1} << 40)) | (uint64_t{c} << 40);
  }

 private:
  // No initialisers: the type stays trivial so that ReplicaList can keep it
  // in a union.
  uint64_t version_;
  uint64_t word_;
};
static_assert(std::is_trivially_copyable_v<PackedReplica>);
static_assert(sizeof(PackedReplica) == 16);

class ReplicaList {
 public:
  static constexpr uint8_t kInline = 3;

  ReplicaList() = default;
  ReplicaList(const ReplicaList&) = delete;
  ReplicaList& operator=(const ReplicaList&) = delete;
  ReplicaList(ReplicaList&& o) noexcept { MoveFrom(o); }
  ReplicaList& operator=(ReplicaList&& o) noexcept {
    if (this != &o) {
      Free();
      MoveFrom(o);
    }
    return *this;
  }
  ~ReplicaList() { Free(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  PackedReplica* begin() { return data(); }
  PackedReplica* end() { return data() + size_; }
  const PackedReplica* begin() const { return data(); }
  const PackedReplica* end() const { return data() + size_; }

  PackedReplica* Find(BlockdId blockd) {
    for (PackedReplica& r : *this)
      if (r.blockd() == blockd) return &r;
    return nullptr;
  }
  const PackedReplica* Find(BlockdId blockd) const {
    return const_cast<ReplicaList*>(this)->Find(blockd);
  }

  static constexpr size_t kMaxSize = 254;
  bool full() const { return size_ >= kMaxSize; }

  void Add(const PackedReplica& r) {
    ODFS_CHECK(!full());
    if (size_ == capacity_) Grow();
    data()[size_++] = r;
  }

  // Removes the replica on `blockd`; false when there is none.
  bool Remove(BlockdId blockd) {
    PackedReplica* r = Find(blockd);
    if (r == nullptr) return false;
    *r = data()[size_ - 1];  // order is not meaningful
    --size_;
    return true;
  }

 private:
  PackedReplica* data() { return capacity_ <= kInline ? inline_ : heap_; }
  const PackedReplica* data() const { return capacity_ <= kInline ? inline_ : heap_; }

  void Grow() {
    uint8_t cap = static_cast<uint8_t>(capacity_ < 127 ? capacity_ * 2 : kMaxSize);
    auto* p = new PackedReplica[cap];
    std::memcpy(static_cast<void*>(p), data(), size_ * sizeof(PackedReplica));
    Free();
    heap_ = p;
    capacity_ = cap;
  }
  void Free() {
    if (capacity_ > kInline) delete[] heap_;
    capacity_ = kInline;
  }
  void MoveFrom(ReplicaList& o) {
    size_ = o.size_;
    capacity_ = o.capacity_;
    if (capacity_ <= kInline) {
      std::memcpy(static_cast<void*>(inline_), o.inline_, size_ * sizeof(PackedReplica));
    } else {
      heap_ = o.heap_;
    }
    o.size_ = 0;
    o.capacity_ = kInline;
  }

  union {
    PackedReplica inline_[kInline];
    PackedReplica* heap_;
  };
  uint8_t size_ = 0;
  uint8_t capacity_ = kInline;
};

}  // namespace opendfs::metad
