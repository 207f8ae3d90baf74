// EditLog: the metad's durable, dense sequence of opaque records.
//
// Happy path: Append({index, bytes}...) with indices continuing the log
// (first record = last_index() + 1) writes them durably in one atomic write;
// Read(from) returns them in index order; after a checkpoint covering index I,
// TrimBefore(I + 1) drops the prefix. GetMeta/PutMeta keep a few small named
// values (the Paxos acceptor's promised ballot, ...) durably beside the log.
//
// Failure modes: an Append whose indices do not continue the log (a gap, a
// repeat, out of order) is refused with Invalid and writes nothing; a failed
// durable write returns Io and the log must be considered unusable (the caller
// restarts); reading below first_index() returns NotFound (the prefix was
// trimmed: ship a snapshot instead); opening a store with a hole or foreign keys
// returns Corrupt naming the directory.
//
// Indices: an empty fresh log has first_index() == 1, last_index() == 0. After
// TrimBefore(i) first_index() == i and last_index() == max(last, i - 1): a trim
// past the end empties the log and makes the next append start at i (how a
// follower that installed a snapshot covering i - 1 restarts its log).
//
// Thread safety: every method may be called from any thread; Append and
// TrimBefore are serialized inside. One writer (the GroupCommitter or the
// Paxos driver) should own appends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libnet/status.h"

namespace opendfs::store {

struct LogRecord {
  uint64_t index = 0;
  std::string bytes;

  friend bool operator==(const LogRecord&, const LogRecord&) = default;
};

class EditLog {
 public:
  virtual ~EditLog() = default;

  // Durably appends `records` (non-empty, indices last_index()+1, +2, ...) in
  // one atomic write. Invalid (and nothing written) if they do not continue
  // the log.
  virtual Status Append(std::span<const LogRecord> records) = 0;

  // Append() without waiting for the disk: the records are readable at once
  // and durable after the next Sync() (or any later synced write). A machine
  // crash before that may lose a suffix of them (whole appends), never a
  // middle. A process crash loses nothing.
  virtual Status AppendUnsynced(std::span<const LogRecord> records) { return Append(records); }
  // Makes every record appended so far durable.
  virtual Status Sync() { return Status::Ok(); }

  // Records from `from_index` on, in order, stopping after `max_records` or
  // once `max_bytes` of record bytes are reached (at least one record is
  // returned when any exists, however large). Empty when from_index >
  // last_index(). NotFound when from_index < first_index() (trimmed).
  virtual Result<std::vector<LogRecord>> Read(uint64_t from_index,
                                              size_t max_records,
                                              size_t max_bytes) = 0;

  // Oldest index still readable; last_index() + 1 when the log is empty.
  virtual uint64_t first_index() const = 0;
  // Newest appended index; first_index() - 1 when the log is empty.
  virtual uint64_t last_index() const = 0;

  // Durably forgets every record below `index` (index >= 1). A no-op when
  // index <= first_index(). Beyond last_index() + 1 it empties the log and the
  // next append must carry `index`.
  virtual Status TrimBefore(uint64_t index) = 0;

  // Small durable named values. GetMeta returns nullopt for a missing name.
  // PutMeta is synced before it returns. Names are at most 256 bytes and
  // values at most 64 KiB (Invalid otherwise): this is not a second database.
  virtual Result<std::optional<std::string>> GetMeta(std::string_view name) = 0;
  virtual Status PutMeta(std::string_view name, std::string_view value) = 0;
};

inline constexpr size_t kMetaNameBytesMax = 256;
inline constexpr size_t kMetaValueBytesMax = 64 * 1024;

}  // namespace opendfs::store
