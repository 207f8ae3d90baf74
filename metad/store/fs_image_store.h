// FsImageStore: where checkpoints of the namespace live (DESIGN §3).
//
// Happy path: w = BeginImage(I); w->Put(k, v)...; w->Commit() makes the new
// image, covering log index I, the current one in a single atomic durable step
// and then drops the previous image. LoadNewest() returns the current image
// as an ImageSource (covered_index 0 and no entries before the first commit).
//
// Crash guarantee: whatever instant the process dies at (while Puts stream in,
// before, during or after Commit), the reopened store's current image is
// complete: the previous one or the new one, never a mix.
//
// Failure modes: BeginImage with covered_index below the current image's is
// Invalid (images only move forward); a second writer while one is open is
// Busy; a writer destroyed without Commit is abandoned and its entries are
// dropped; storage errors are Io/Corrupt naming the store.
//
// Thread safety: any thread; one ImageWriter at a time; sources may be open
// while a writer commits.
#pragma once

#include <cstdint>
#include <memory>

#include "metad/store/image_stream.h"

namespace opendfs::store {

class ImageWriter : public ImageSink {
 public:
  // Makes this image current (durable when it returns OK). No Put after it.
  virtual Status Commit() = 0;
  virtual uint64_t covered_index() const = 0;
};

class FsImageStore {
 public:
  virtual ~FsImageStore() = default;

  // A writer for a new image containing every log record up to and including
  // `covered_index`. The store must outlive the writer.
  virtual Result<std::unique_ptr<ImageWriter>> BeginImage(uint64_t covered_index) = 0;

  // The current image, pinned (see ImageSource). The store must outlive it.
  virtual Result<std::unique_ptr<ImageSource>> LoadNewest() = 0;

  // covered_index of the current image; 0 when none was ever committed.
  virtual uint64_t current_covered_index() const = 0;
};

}  // namespace opendfs::store
