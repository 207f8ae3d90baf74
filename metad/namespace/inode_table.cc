// InodeTable: chunked inode storage + linear-probing id index with
// backward-shift deletion (no tombstones, so lookups stay short after churn).
#include "metad/namespace/inode_table.h"

#include "libnet/check.h"

namespace opendfs::metad {

InodeTable::InodeTable() : index_(64, kEmpty) {}

size_t InodeTable::Home(InodeId id) const {
  // splitmix64 finaliser: ids are sequential, the index needs them spread.
  uint64_t z = id + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return z & (index_.size() - 1);
}

size_t InodeTable::Probe(InodeId id) const {
  const size_t mask = index_.size() - 1;
  for (size_t p = Home(id);; p = (p + 1) & mask) {
    uint32_t s = index_[p];
    if (s == kEmpty) return kNone;
    if (Slot(s).id == id) return p;
  }
}

Inode* InodeTable::Find(InodeId id) {
  if (id == 0) return nullptr;
  size_t p = Probe(id);
  return p == kNone ? nullptr : &Slot(index_[p]);
}

const Inode* InodeTable::Find(InodeId id) const {
  if (id == 0) return nullptr;
  size_t p = Probe(id);
  return p == kNone ? nullptr : &Slot(index_[p]);
}

void InodeTable::GrowIndex() {
  std::vector<uint32_t> old;
  old.swap(index_);
  index_.assign(old.size() * 2, kEmpty);
  const size_t mask = index_.size() - 1;
  for (uint32_t s : old) {
    if (s == kEmpty) continue;
    size_t p = Home(Slot(s).id);
    while (index_[p] != kEmpty) p = (p + 1) & mask;
    index_[p] = s;
  }
}

Inode* InodeTable::Insert(InodeId id) {
  ODFS_CHECK(id != 0);
  ODFS_CHECK(Find(id) == nullptr);
  // Keep the load factor under 3/4.
  if ((count_ + 1) * 4 > index_.size() * 3) GrowIndex();
  uint32_t s;
  if (!free_slots_.empty()) {
    s = free_slots_.back();
    free_slots_.pop_back();
  } else {
    if (next_slot_ % kChunkSlots == 0)
      chunks_.push_back(std::make_unique<Inode[]>(kChunkSlots));
    s = next_slot_++;
    ODFS_CHECK(s != kEmpty);
  }
  Inode& inode = Slot(s);
  inode.id = id;
  const size_t mask = index_.size() - 1;
  size_t p = Home(id);
  while (index_[p] != kEmpty) p = (p + 1) & mask;
  index_[p] = s;
  ++count_;
  return &inode;
}

void InodeTable::Erase(InodeId id) {
  size_t p = Probe(id);
  ODFS_CHECK(p != kNone);
  uint32_t s = index_[p];
  Slot(s) = Inode{};
  free_slots_.push_back(s);
  --count_;
  // Backward-shift deletion: pull later members of the probe run into the
  // hole when their home position does not lie cyclically in (hole, pos].
  const size_t mask = index_.size() - 1;
  size_t hole = p;
  for (size_t q = (p + 1) & mask; index_[q] != kEmpty; q = (q + 1) & mask) {
    size_t home = Home(Slot(index_[q]).id);
    bool stays = hole <= q ? (hole < home && home <= q) : (hole < home || home <= q);
    if (stays) continue;
    index_[hole] = index_[q];
    index_[q] = kEmpty;
    hole = q;
  }
  index_[hole] = kEmpty;
}

}  // namespace opendfs::metad
