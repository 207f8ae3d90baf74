#include "disk_test_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "libnet/crc32c.h"
#include "libnet/check.h"

namespace opendfs::disk::testing {

TempDir::TempDir() {
  std::string tmpl = "/tmp/odfs_disk_test_XXXXXX";
  ODFS_CHECK(::mkdtemp(tmpl.data()) != nullptr);
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string PatternData(size_t size, uint64_t seed) {
  std::string out(size, '\0');
  uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
  for (size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out[i] = static_cast<char>(x & 0xff);
  }
  return out;
}

void FlipBit(const std::string& path, uint64_t offset, int bit) {
  int fd = ::open(path.c_str(), O_RDWR);
  ODFS_CHECK(fd >= 0);
  unsigned char b = 0;
  ODFS_CHECK(::pread(fd, &b, 1, static_cast<off_t>(offset)) == 1);
  b ^= static_cast<unsigned char>(1u << bit);
  ODFS_CHECK(::pwrite(fd, &b, 1, static_cast<off_t>(offset)) == 1);
  ::close(fd);
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteWholeFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ODFS_CHECK(out.good());
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

uint64_t FileSizeOf(const std::string& path) {
  struct stat st;
  ODFS_CHECK(::stat(path.c_str(), &st) == 0);
  return static_cast<uint64_t>(st.st_size);
}

std::vector<uint32_t> ReferenceChunkCrcs(const std::string& data) {
  std::vector<uint32_t> out;
  for (size_t at = 0; at < data.size(); at += 64 * 1024) {
    size_t n = std::min<size_t>(64 * 1024, data.size() - at);
    out.push_back(Crc32cByteLoop(data.data() + at, n));
  }
  return out;
}

std::unique_ptr<BlockStore> OpenStore(const std::vector<std::string>& dirs,
                                      StoreOptions options) {
  options.data_dirs = dirs;
  auto store = BlockStore::Open(std::move(options), Logger::Quiet());
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return nullptr;
  return std::move(store).value();
}

}  // namespace opendfs::disk::testing
