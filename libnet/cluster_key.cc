// Cluster key file: load with its permission checks, or create a new one
// (see cluster_key.h).
#include "libnet/cluster_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <openssl/rand.h>

namespace opendfs {
namespace {

// A key file is small; anything larger is not one.
constexpr size_t kClusterKeyMaxBytes = 4096;

Status KeyError(StatusCode code, const std::string& path, std::string_view why) {
  return Status(code, fmt::format("cluster_key_file {}: {}", path, why));
}

}  // namespace

Result<std::shared_ptr<const ClusterKey>> LoadClusterKey(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return KeyError(FromErrno(errno), path, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return KeyError(FromErrno(e), path, std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return KeyError(StatusCode::Invalid, path, "not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return KeyError(StatusCode::AccessDenied, path,
                    fmt::format("mode {:04o} lets group or others read it (chmod 600)",
                                st.st_mode & 07777));
  }
  std::vector<uint8_t> buf(kClusterKeyMaxBytes + 1);
  size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return KeyError(FromErrno(e), path, std::strerror(e));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  if (got > kClusterKeyMaxBytes)
    return KeyError(StatusCode::Invalid, path,
                    fmt::format("larger than {} bytes", kClusterKeyMaxBytes));
  while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == '\r' || buf[got - 1] == ' ' ||
                     buf[got - 1] == '\t'))
    --got;
  if (got < kClusterKeyMinBytes)
    return KeyError(StatusCode::Invalid, path,
                    fmt::format("key is {} bytes, at least {} needed (opendfs key generate)",
                                got, kClusterKeyMinBytes));
  buf.resize(got);
  auto key = std::make_shared<ClusterKey>();
  key->bytes = std::move(buf);
  return std::shared_ptr<const ClusterKey>(std::move(key));
}

Result<std::string> GenerateClusterKeyText() {
  uint8_t raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1)
    return Status(StatusCode::Internal, "cluster key: the OpenSSL random generator failed");
  std::string text;
  for (uint8_t b : raw) text += fmt::format("{:02x}", b);
  text += '\n';
  return text;
}

Status WriteNewClusterKeyFile(const std::string& path) {
  ODFS_ASSIGN_OR_RETURN(std::string text, GenerateClusterKeyText());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return KeyError(FromErrno(errno), path, std::strerror(errno));
  // The umask may only clear bits; make sure nobody else can read it anyway.
  if (::fchmod(fd, 0600) != 0 ||
      ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
      ::fsync(fd) != 0) {
    int e = errno;
    ::close(fd);
    ::unlink(path.c_str());
    return KeyError(FromErrno(e), path, std::strerror(e));
  }
  if (::close(fd) != 0) return KeyError(FromErrno(errno), path, std::strerror(errno));
  return Status::Ok();
}

}  // namespace opendfs
