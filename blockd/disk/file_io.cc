#include "blockd/disk/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace opendfs::disk {

Status IoError(int err, std::string_view what, const std::string& path) {
  std::string m(what);
  m += ' ';
  m += path;
  m += ": ";
  m += std::strerror(err);
  StatusCode code = StatusCode::Io;
  if (err == ENOSPC || err == EDQUOT) code = StatusCode::NoSpace;
  if (err == ENOENT) code = StatusCode::NotFound;
  return Status(code, std::move(m));
}

Result<UniqueFd> OpenFile(const std::string& path, int flags, mode_t mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return IoError(errno, "open", path);
  return UniqueFd(fd);
}

Status PReadFull(int fd, void* buf, size_t length, uint64_t offset,
                 const std::string& path) {
  auto* p = static_cast<char*>(buf);
  while (length > 0) {
    ssize_t n = ::pread(fd, p, length, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError(errno, "pread", path);
    }
    if (n == 0)
      return Status(StatusCode::Io, "pread " + path + ": short read at offset " +
                                        std::to_string(offset));
    p += n;
    length -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status PWriteFull(int fd, const void* buf, size_t length, uint64_t offset,
                  const std::string& path) {
  auto* p = static_cast<const char*>(buf);
  while (length > 0) {
    ssize_t n = ::pwrite(fd, p, length, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError(errno, "pwrite", path);
    }
    p += n;
    length -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status Truncate(int fd, uint64_t length, const std::string& path) {
  if (::ftruncate(fd, static_cast<off_t>(length)) != 0)
    return IoError(errno, "ftruncate", path);
  return Status::Ok();
}

Status DataSync(int fd, const std::string& path) {
  if (::fdatasync(fd) != 0) return IoError(errno, "fdatasync", path);
  return Status::Ok();
}

Status FullSync(int fd, const std::string& path) {
  if (::fsync(fd) != 0) return IoError(errno, "fsync", path);
  return Status::Ok();
}

Result<uint64_t> FileSize(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return IoError(errno, "fstat", path);
  return static_cast<uint64_t>(st.st_size);
}

Status SyncDir(const std::string& dir) {
  ODFS_ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(dir, O_RDONLY | O_DIRECTORY));
  return FullSync(fd.get(), dir);
}

Status Rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0)
    return IoError(errno, "rename to " + to + " from", from);
  return Status::Ok();
}

Status RemoveIfExists(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return IoError(errno, "unlink", path);
  return Status::Ok();
}

Status MakeDirs(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST) return Status::Ok();
  if (errno != ENOENT) return IoError(errno, "mkdir", dir);
  size_t slash = dir.find_last_of('/');
  if (slash == std::string::npos || slash == 0)
    return IoError(ENOENT, "mkdir", dir);
  ODFS_RETURN_IF_ERROR(MakeDirs(dir.substr(0, slash)));
  if (::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST) return Status::Ok();
  return IoError(errno, "mkdir", dir);
}

Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes) {
  ODFS_ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(path, O_RDONLY));
  ODFS_ASSIGN_OR_RETURN(uint64_t size, FileSize(fd.get(), path));
  if (size > max_bytes)
    return Status(StatusCode::Corrupt, path + ": " + std::to_string(size) +
                                           " bytes, more than a meta file holds");
  std::string out(size, '\0');
  ODFS_RETURN_IF_ERROR(PReadFull(fd.get(), out.data(), size, 0, path));
  return out;
}

}  // namespace opendfs::disk
