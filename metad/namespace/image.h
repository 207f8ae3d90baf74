// The fsimage interface: Namespace::Save writes (key, value) pairs into an
// ImageSink; Namespace::Load reads them back from an ImageSource in key order.
// metad/store implements both over RocksDB; MemoryImage here serves tests and
// benchmarks. Key layout and value tables: schema/fsimage.fbs.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "libnet/status.h"

namespace opendfs::metad {

class ImageSink {
 public:
  virtual ~ImageSink() = default;
  // Stores one pair. Keys are unique; Save emits them in increasing order.
  virtual Status Put(std::string_view key, std::string_view value) = 0;
};

class ImageSource {
 public:
  virtual ~ImageSource() = default;
  // Moves to the next pair in increasing key order; false at the end (or on
  // an error, which status() then reports). The views stay valid until the
  // next call.
  virtual bool Next(std::string_view* key, std::string_view* value) = 0;
  virtual Status status() const { return Status::Ok(); }
};

// An image held in a std::map (ordered, so equal namespaces give equal maps).
class MemoryImage : public ImageSink {
 public:
  Status Put(std::string_view key, std::string_view value) override {
    pairs_.insert_or_assign(std::string(key), std::string(value));
    return Status::Ok();
  }
  const std::map<std::string, std::string>& pairs() const { return pairs_; }
  std::map<std::string, std::string>& mutable_pairs() { return pairs_; }

  class Reader : public ImageSource {
   public:
    explicit Reader(const MemoryImage& image)
        : it_(image.pairs_.begin()), end_(image.pairs_.end()) {}
    bool Next(std::string_view* key, std::string_view* value) override {
      if (it_ == end_) return false;
      *key = it_->first;
      *value = it_->second;
      ++it_;
      return true;
    }

   private:
    std::map<std::string, std::string>::const_iterator it_, end_;
  };
  // The image as a source; the MemoryImage must outlive the reader and not
  // change while it is read.
  Reader NewReader() const { return Reader(*this); }

 private:
  std::map<std::string, std::string> pairs_;
};

}  // namespace opendfs::metad
