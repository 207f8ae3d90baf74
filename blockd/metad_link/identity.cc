#include "blockd/metad_link/identity.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <random>

#include <fmt/format.h>

#include "blockd/disk/file_io.h"

namespace opendfs::blockd {

std::string NewUuid() {
  uint8_t b[16];
  std::random_device rd;  // /dev/urandom on Linux
  for (size_t i = 0; i < sizeof(b); i += 4) {
    uint32_t v = rd();
    for (size_t j = 0; j < 4; ++j) b[i + j] = static_cast<uint8_t>(v >> (8 * j));
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3F) | 0x80);
  std::string s;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += fmt::format("{:02x}", b[i]);
  }
  return s;
}

bool IsValidUuid(std::string_view t) {
  if (t.size() != 36) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? t[i] != '-' : !std::isxdigit(static_cast<unsigned char>(t[i]))) return false;
  }
  return true;
}

Result<std::string> LoadOrCreateUuid(const std::string& dir) {
  std::string path = dir + "/" + kUuidFileName;
  if (::access(path.c_str(), F_OK) == 0) {
    ODFS_ASSIGN_OR_RETURN(std::string text, disk::ReadSmallFile(path, 4096));
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
      text.pop_back();
    if (!IsValidUuid(text))
      return Status(StatusCode::Corrupt,
                    fmt::format("{}: expected a uuid, got '{}' (fix or remove the file; "
                                "removing it makes this blockd a new node)",
                                path, text.substr(0, 64)));
    return text;
  }
  ODFS_RETURN_IF_ERROR(disk::MakeDirs(dir));
  std::string uuid = NewUuid();
  std::string tmp = path + ".tmp";
  {
    ODFS_ASSIGN_OR_RETURN(disk::UniqueFd fd,
                          disk::OpenFile(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644));
    std::string line = uuid + "\n";
    ODFS_RETURN_IF_ERROR(disk::PWriteFull(fd.get(), line.data(), line.size(), 0, tmp));
    ODFS_RETURN_IF_ERROR(disk::FullSync(fd.get(), tmp));
  }
  ODFS_RETURN_IF_ERROR(disk::Rename(tmp, path));
  ODFS_RETURN_IF_ERROR(disk::SyncDir(dir));
  return uuid;
}

}  // namespace opendfs::blockd
