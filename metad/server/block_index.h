// BlockIndex: block id -> committed version and owning inode, for every
// block the namespace references. The block map asks it (as a BlockCatalog)
// whether a replica a blockd reports is wanted; the replication monitor asks
// which file a block belongs to (its goal is the file's).
//
// It is derived state: updated from each ApplyResult (block records add or
// move a block, freed_blocks drop them) and, at start-up, from the fsimage
// entries as Namespace::Load reads them (IndexingSource wraps the source).
// Guarded by the same lock as the namespace.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>

#include "metad/namespace/image.h"
#include "metad/namespace/types.h"

namespace opendfs::metad {

class BlockIndex {
 public:
  void Update(const ApplyResult& r);
  std::optional<uint32_t> Version(BlockId block) const;
  // The inode holding `block`, 0 when none.
  InodeId Owner(BlockId block) const;
  size_t size() const { return blocks_.size(); }
  // Indexes the blocks of one fsimage inode entry (other keys are ignored).
  void AddImageEntry(std::string_view key, std::string_view value);

 private:
  struct Entry {
    uint32_t version = 0;
    InodeId inode = 0;
  };
  std::unordered_map<BlockId, Entry> blocks_;
};

// An ImageSource that feeds every entry it yields to a BlockIndex too.
class IndexingSource : public ImageSource {
 public:
  IndexingSource(ImageSource& inner, BlockIndex& index) : inner_(inner), index_(index) {}
  bool Next(std::string_view* key, std::string_view* value) override {
    if (!inner_.Next(key, value)) return false;
    index_.AddImageEntry(*key, *value);
    return true;
  }
  Status status() const override { return inner_.status(); }

 private:
  ImageSource& inner_;
  BlockIndex& index_;
};

}  // namespace opendfs::metad
