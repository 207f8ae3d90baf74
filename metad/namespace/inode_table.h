// InodeTable: every inode of the namespace, keyed by id.
//
// Inodes live in fixed-size chunks (addresses stay valid until the inode is
// erased, so apply code may hold several Inode* while inserting another); a
// linear-probing hash index maps id -> slot with 4-byte entries. Together
// about 96 bytes per inode. Erased slots are reused. Single-threaded.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "metad/namespace/inode.h"

namespace opendfs::metad {

class InodeTable {
 public:
  InodeTable();

  size_t size() const { return count_; }
  Inode* Find(InodeId id);
  const Inode* Find(InodeId id) const;
  // Adds a fresh inode with this id (which must be absent and non-zero).
  Inode* Insert(InodeId id);
  // Erases an existing inode; its Inode* becomes invalid.
  void Erase(InodeId id);

  // Calls fn(const Inode&) for every inode, in no particular order.
  template <class Fn>
  void ForEach(Fn&& fn) const {
    for (const auto& chunk : chunks_)
      for (uint32_t i = 0; i < kChunkSlots; ++i)
        if (chunk[i].id != 0) fn(chunk[i]);
  }

 private:
  static constexpr uint32_t kChunkSlots = 4096;
  static constexpr uint32_t kEmpty = UINT32_MAX;

  Inode& Slot(uint32_t s) { return chunks_[s / kChunkSlots][s % kChunkSlots]; }
  const Inode& Slot(uint32_t s) const {
    return chunks_[s / kChunkSlots][s % kChunkSlots];
  }
  size_t Home(InodeId id) const;
  // Index position holding id, or kNone.
  size_t Probe(InodeId id) const;
  void GrowIndex();

  static constexpr size_t kNone = SIZE_MAX;
  std::vector<std::unique_ptr<Inode[]>> chunks_;
  std::vector<uint32_t> free_slots_;
  uint32_t next_slot_ = 0;  // first never-used slot
  std::vector<uint32_t> index_;  // slot or kEmpty; size is a power of two
  size_t count_ = 0;
};

}  // namespace opendfs::metad
