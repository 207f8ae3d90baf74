// An fsimage as a stream of (key, value) pairs, in the namespace's terms.
//
// The interfaces are metad/namespace/image.h's (header-only; the namespace's
// Save writes into an ImageSink and Load reads an ImageSource): the store
// implements them so Namespace::Save/Load plug in with no adapter. The store's
// ImageSource adds the log index the image covers. Keys and values are opaque
// bytes to the store.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "libnet/status.h"
#include "metad/namespace/image.h"

namespace opendfs::store {

using ImageSink = metad::ImageSink;

// One image, pinned: a checkpoint committed while the source is open does
// not change what it returns. Pairs come in increasing key order:
//   std::string_view k, v;
//   while (src->Next(&k, &v)) use(k, v);
//   ODFS_RETURN_IF_ERROR(src->status());
class ImageSource : public metad::ImageSource {
 public:
  // The last log index the image contains; 0 for the empty initial image.
  virtual uint64_t covered_index() const = 0;
};

// Feeds every remaining pair of `source` into `sink`; stops at the first
// error of either. Returns the number of pairs through *count if non-null.
Status CopyImage(metad::ImageSource& source, ImageSink& sink, uint64_t* count = nullptr);

// An ImageSink calling a function, for callers that prefer a lambda.
class FunctionImageSink final : public ImageSink {
 public:
  using PutFn = std::function<Status(std::string_view key, std::string_view value)>;
  explicit FunctionImageSink(PutFn put) : put_(std::move(put)) {}
  Status Put(std::string_view key, std::string_view value) override { return put_(key, value); }

 private:
  PutFn put_;
};

// An image as one byte string, for shipping it to another metad: each pair
// as key length, value length (u32 little-endian each), key, value.
void AppendFramedPair(std::string* out, std::string_view key, std::string_view value);

// Reads pairs back from such a string (which must outlive it). A truncated
// or oversized frame ends the stream with Corrupt.
class FramedImageSource final : public metad::ImageSource {
 public:
  explicit FramedImageSource(std::string_view bytes) : rest_(bytes) {}
  bool Next(std::string_view* key, std::string_view* value) override;
  Status status() const override { return status_; }

 private:
  std::string_view rest_;
  Status status_;
};

}  // namespace opendfs::store
