#include "metad/store/recovery.h"

#include <chrono>

namespace opendfs::store {
namespace {

constexpr size_t kReplayBatchRecords = 1024;
constexpr size_t kReplayBatchBytes = 8 << 20;

}  // namespace

Result<RecoveryResult> Recover(FsImageStore& images, EditLog& log, const RecoveryHooks& hooks,
                               Logger& logger) {
  ODFS_CHECK(hooks.load_image != nullptr);
  ODFS_CHECK(hooks.apply_record != nullptr);
  auto start = std::chrono::steady_clock::now();
  RecoveryResult result;
  {
    ODFS_ASSIGN_OR_RETURN(std::unique_ptr<ImageSource> source, images.LoadNewest());
    result.image_covered_index = source->covered_index();
    ODFS_RETURN_IF_ERROR(hooks.load_image(*source).Annotate("recovery: load fsimage"));
  }
  const uint64_t covered = result.image_covered_index;

  if (log.first_index() > covered + 1) {
    return Status(StatusCode::Corrupt,
                  "recovery: fsimage covers up to " + std::to_string(covered) +
                      " but the editlog starts at " + std::to_string(log.first_index()) +
                      ": records in between are missing");
  }
  if (log.first_index() <= covered) {
    // Finish a trim a crash interrupted (or align a log behind the image).
    ODFS_RETURN_IF_ERROR(log.TrimBefore(covered + 1).Annotate("recovery: trim covered records"));
  }

  uint64_t next = covered + 1;
  const uint64_t last = log.last_index();
  while (next <= last) {
    ODFS_ASSIGN_OR_RETURN(std::vector<LogRecord> records,
                          log.Read(next, kReplayBatchRecords, kReplayBatchBytes));
    if (records.empty()) {
      return Status(StatusCode::Corrupt,
                    "recovery: editlog read at " + std::to_string(next) + " returned nothing");
    }
    for (const LogRecord& r : records) {
      if (r.index != next) {
        return Status(StatusCode::Corrupt, "recovery: editlog returned record " +
                                               std::to_string(r.index) + " for " +
                                               std::to_string(next));
      }
      ODFS_RETURN_IF_ERROR(hooks.apply_record(r.index, r.bytes)
                               .Annotate("recovery: apply record " + std::to_string(r.index)));
      ++next;
      ++result.replayed_records;
    }
  }
  result.last_applied_index = next - 1;
  auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
  logger.Info("recovery: done image_covered_index={} replayed={} last_index={} elapsed_ms={}",
              covered, result.replayed_records,
              result.last_applied_index, elapsed_ms);
  return result;
}

}  // namespace opendfs::store
