// Thin wrappers over the POSIX calls the block store makes. Each returns a
// Status whose message names the call, the path and strerror ("pwrite
// /d/0a/1f/blk_7: No space left on device"), and whose code comes from the
// errno (ENOSPC -> NoSpace, anything unexpected -> Io). Short reads/writes are
// retried until done; EINTR is retried. No buffering, no caching.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "blockd/disk/unique_fd.h"
#include "libnet/status.h"

namespace opendfs::disk {

// "<what> <path>: <strerror>", code from errno, except that every errno other
// than ENOSPC/EDQUOT/ENOENT maps to Io (an I/O path never means EINVAL to the
// caller of the block store).
Status IoError(int err, std::string_view what, const std::string& path);

Result<UniqueFd> OpenFile(const std::string& path, int flags, mode_t mode = 0644);
// Reads exactly `length` bytes at `offset`; hitting end of file is Io
// ("short read").
Status PReadFull(int fd, void* buf, size_t length, uint64_t offset,
                 const std::string& path);
Status PWriteFull(int fd, const void* buf, size_t length, uint64_t offset,
                  const std::string& path);
Status Truncate(int fd, uint64_t length, const std::string& path);
Status DataSync(int fd, const std::string& path);
Status FullSync(int fd, const std::string& path);
Result<uint64_t> FileSize(int fd, const std::string& path);
// fsync of a directory, so that a rename or create in it is durable.
Status SyncDir(const std::string& dir);
Status Rename(const std::string& from, const std::string& to);
// unlink; a missing file is fine.
Status RemoveIfExists(const std::string& path);
// mkdir -p.
Status MakeDirs(const std::string& dir);
// Whole small file into memory (meta files).
Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes);

}  // namespace opendfs::disk
