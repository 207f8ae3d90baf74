// Recover: start-up of the metad's state = the newest fsimage + a replay of
// the editlog records after it (DESIGN §3).
//
// Happy path: load_image gets the current image as an ImageSource (e.g.
// Namespace::Load(source), or CopyImage into a sink), then every log record with index > the image's covered_index goes
// to `apply_record` in index order. The caller then starts its GroupCommitter
// (next index = log.last_index() + 1) and its Checkpointer (with
// image_covered_index).
//
// Repairs on the way: log records the image already covers (a crash between a
// checkpoint's flip and its trim) are skipped and trimmed; a log that ends
// before the image (a crash while a follower installed a snapshot) is emptied
// so the next append is covered_index + 1.
//
// Failure modes: a log starting after covered_index + 1 (records between image
// and log are missing) is Corrupt; errors of load_image, of apply_record, or of
// reading either store stop recovery and are returned. apply_record must
// return OK for a record whose operation failed deterministically the first
// time (EEXIST and the like): only a non-OK return that means "cannot go on"
// aborts.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "libnet/log.h"
#include "metad/store/edit_log.h"
#include "metad/store/fs_image_store.h"

namespace opendfs::store {

struct RecoveryResult {
  uint64_t image_covered_index = 0;
    uint64_t replayed_records = 0;
  uint64_t last_applied_index = 0;  // == log.last_index() afterwards
};

struct RecoveryHooks {
  // Builds the state from the whole image (the source is pinned and valid
  // only during the call).
  std::function<Status(ImageSource& source)> load_image;
  // Applies one log record after the image, in index order.
  std::function<Status(uint64_t index, std::string_view record)> apply_record;
};

Result<RecoveryResult> Recover(FsImageStore& images, EditLog& log, const RecoveryHooks& hooks,
                               Logger& logger);

}  // namespace opendfs::store
