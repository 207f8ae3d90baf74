// DataSource: the optional raw data trailer of an outgoing frame.
//
// Either nothing, bytes in memory (owned Bytes, or a shared slice for fanning
// the same block out to several replicas; sent with uv_write iovecs, no copy),
// or a file range sent zero-copy with sendfile(2) from the file to the socket
// (blockd serves reads this way; see connection.cc for how sendfile is kept off
// the loop threads).
//
// A file range's on_done runs exactly once: with Ok after the last byte went
// to the socket, or with an error if sending failed or the frame was never sent
// (connection gone, server stopped, DataSource dropped). It may run on a loop
// thread, a transport worker, or the thread that drops the DataSource, so it
// must be quick and thread-safe (typically: unpin the block / close the fd).
// The fd must stay open until on_done.
//
// Move-only; not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <variant>

#include "libnet/bytes.h"
#include "libnet/status.h"

namespace opendfs {

struct FileRange {
  int fd = -1;
  uint64_t offset = 0;
  uint64_t length = 0;
  std::function<void(Status)> on_done;
};

// A slice of a buffer shared between several outgoing frames.
struct SharedBytes {
  std::shared_ptr<const Bytes> bytes;
  size_t offset = 0;
  size_t length = 0;
};

class DataSource {
 public:
  DataSource() = default;  // no trailer
  DataSource(Bytes bytes) : v_(std::move(bytes)) {}  // NOLINT: implicit
  DataSource(SharedBytes shared) : v_(std::move(shared)) {}  // NOLINT
  DataSource(FileRange file) : v_(std::move(file)) {}  // NOLINT
  static DataSource Shared(std::shared_ptr<const Bytes> bytes, size_t offset,
                           size_t length) {
    return DataSource(SharedBytes{std::move(bytes), offset, length});
  }
  static DataSource File(int fd, uint64_t offset, uint64_t length,
                         std::function<void(Status)> on_done) {
    return DataSource(FileRange{fd, offset, length, std::move(on_done)});
  }

  DataSource(DataSource&& o) noexcept : v_(std::move(o.v_)) {
    o.v_ = std::monostate{};
  }
  DataSource& operator=(DataSource&& o) noexcept;
  DataSource(const DataSource&) = delete;
  DataSource& operator=(const DataSource&) = delete;
  // Completes an unsent file range with an error ("data trailer not sent").
  ~DataSource();

  // Trailer length in bytes.
  uint64_t size() const;
  bool empty() const { return size() == 0 && !is_file(); }
  bool is_file() const { return std::holds_alternative<FileRange>(v_); }
  // The in-memory bytes (pointer, length); {nullptr, 0} for none or a file.
  std::pair<const uint8_t*, size_t> memory() const;
  // The file range; only when is_file().
  FileRange& file() { return std::get<FileRange>(v_); }
  // Runs the file range's on_done (once) and empties this source.
  void CompleteFile(Status status);

 private:
  std::variant<std::monostate, Bytes, SharedBytes, FileRange> v_;
};

}  // namespace opendfs
