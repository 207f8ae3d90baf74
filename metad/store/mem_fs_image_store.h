// MemFsImageStore: the FsImageStore in memory, for tests of the checkpointer,
// recovery and the namespace's dump/load. Same rules as RocksFsImageStore
// (images only move forward, one writer at a time, abandoned writers leave the
// current image alone); nothing survives the object.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "metad/store/fs_image_store.h"

namespace opendfs::store {

class MemFsImageStore final : public FsImageStore {
 public:
  struct Image {
    uint64_t covered_index = 0;
    std::map<std::string, std::string> entries;
  };

  MemFsImageStore();

  Result<std::unique_ptr<ImageWriter>> BeginImage(uint64_t covered_index) override;
  Result<std::unique_ptr<ImageSource>> LoadNewest() override;
  uint64_t current_covered_index() const override;

  // Number of committed images so far (a test counts checkpoints with it).
  uint64_t commits() const;

 private:
  friend class MemImageWriter;
  void Install(std::shared_ptr<const Image> image);
  void WriterClosed();

  mutable std::mutex mu_;
  std::shared_ptr<const Image> current_;  // GUARDED_BY(mu_)
  bool writer_open_ = false;              // GUARDED_BY(mu_)
  uint64_t commits_ = 0;                  // GUARDED_BY(mu_)
};

}  // namespace opendfs::store
