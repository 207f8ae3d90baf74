#include "mount/fuse/readahead.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace opendfs::mountfs {

namespace {

// mountinfo writes space, tab, newline and backslash as octal escapes.
std::string Escape(std::string_view path) {
  std::string out;
  for (char c : path) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\\') {
      out += fmt::format("\\{:03o}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

Result<std::string> FindMountDevice(std::string_view mountinfo,
                                    std::string_view mountpoint) {
  const std::string want = Escape(mountpoint);
  std::string found;
  size_t pos = 0;
  while (pos < mountinfo.size()) {
    size_t eol = mountinfo.find('\n', pos);
    if (eol == std::string_view::npos) eol = mountinfo.size();
    std::string line(mountinfo.substr(pos, eol - pos));
    pos = eol + 1;
    // id parent MAJ:MIN root mountpoint options [optional...] - fstype source superopts
    std::istringstream in(line);
    std::vector<std::string> f;
    for (std::string w; in >> w;) f.push_back(w);
    if (f.size() < 7 || f[4] != want) continue;
    size_t dash = 6;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (dash + 1 >= f.size()) continue;
    if (f[dash + 1].rfind("fuse", 0) != 0) continue;
    found = f[2];
  }
  if (found.empty()) {
    return Status(StatusCode::NotFound,
                  fmt::format("no fuse mount at {} in mountinfo", mountpoint));
  }
  return found;
}

Status SetReadAhead(const std::string& mountpoint, uint32_t kb) {
  char real[PATH_MAX];
  if (realpath(mountpoint.c_str(), real) == nullptr) {
    return ErrnoStatus(errno, "realpath " + mountpoint);
  }
  std::ifstream in("/proc/self/mountinfo");
  std::stringstream text;
  text << in.rdbuf();
  ODFS_ASSIGN_OR_RETURN(std::string dev, FindMountDevice(text.str(), real));
  std::string path = "/sys/class/bdi/" + dev + "/read_ahead_kb";
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open " + path);
  std::string value = std::to_string(kb);
  ssize_t n = ::write(fd, value.data(), value.size());
  int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(value.size())) return ErrnoStatus(err, "write " + path);
  return Status::Ok();
}

}  // namespace opendfs::mountfs
