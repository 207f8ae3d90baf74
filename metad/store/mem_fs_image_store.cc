#include "metad/store/mem_fs_image_store.h"

namespace opendfs::store {

class MemImageWriter final : public ImageWriter {
 public:
  MemImageWriter(MemFsImageStore& store, uint64_t covered_index)
      : store_(store),
        covered_index_(covered_index),
        image_(std::make_shared<MemFsImageStore::Image>()) {
    image_->covered_index = covered_index;
  }
  ~MemImageWriter() override {
    if (!committed_) store_.WriterClosed();
  }

  Status Put(std::string_view key, std::string_view value) override {
    ODFS_CHECK(!committed_);
    image_->entries.insert_or_assign(std::string(key), std::string(value));
    return Status::Ok();
  }
  Status Commit() override {
    ODFS_CHECK(!committed_);
    committed_ = true;
    store_.Install(std::move(image_));
    return Status::Ok();
  }
  uint64_t covered_index() const override { return covered_index_; }

 private:
  MemFsImageStore& store_;
  const uint64_t covered_index_;
  std::shared_ptr<MemFsImageStore::Image> image_;
  bool committed_ = false;
};

class MemImageSource final : public ImageSource {
 public:
  explicit MemImageSource(std::shared_ptr<const MemFsImageStore::Image> image)
      : image_(std::move(image)), it_(image_->entries.begin()) {}

  uint64_t covered_index() const override { return image_->covered_index; }
  bool Next(std::string_view* key, std::string_view* value) override {
    if (it_ == image_->entries.end()) return false;
    *key = it_->first;
    *value = it_->second;
    ++it_;
    return true;
  }

 private:
  std::shared_ptr<const MemFsImageStore::Image> image_;
  std::map<std::string, std::string>::const_iterator it_;
};

MemFsImageStore::MemFsImageStore() : current_(std::make_shared<Image>()) {}

Result<std::unique_ptr<ImageWriter>> MemFsImageStore::BeginImage(uint64_t covered_index) {
  std::lock_guard lock(mu_);
  if (writer_open_) return Status(StatusCode::Busy, "mem fsimage: another image is being written");
  if (covered_index < current_->covered_index) {
    return Status(StatusCode::Invalid, "mem fsimage: new image covers " +
                                           std::to_string(covered_index) + ", below the current " +
                                           std::to_string(current_->covered_index));
  }
  writer_open_ = true;
  return std::unique_ptr<ImageWriter>(new MemImageWriter(*this, covered_index));
}

Result<std::unique_ptr<ImageSource>> MemFsImageStore::LoadNewest() {
  std::lock_guard lock(mu_);
  return std::unique_ptr<ImageSource>(new MemImageSource(current_));
}

uint64_t MemFsImageStore::current_covered_index() const {
  std::lock_guard lock(mu_);
  return current_->covered_index;
}

uint64_t MemFsImageStore::commits() const {
  std::lock_guard lock(mu_);
  return commits_;
}

void MemFsImageStore::Install(std::shared_ptr<const Image> image) {
  std::lock_guard lock(mu_);
  current_ = std::move(image);
  writer_open_ = false;
  ++commits_;
}

void MemFsImageStore::WriterClosed() {
  std::lock_guard lock(mu_);
  writer_open_ = false;
}

}  // namespace opendfs::store
