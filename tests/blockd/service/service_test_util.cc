#include "service_test_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "block_generated.h"
#include "libnet/crc32c.h"

namespace opendfs::blockd::testing {

uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

BlockdSettings TestSettings(const std::string& dir) {
  BlockdSettings s;
  s.bind_for_cli = "127.0.0.1:0";
  s.data_dirs = {dir + "/data"};
  s.workers = 2;
  s.disk_threads = 2;
  s.scan_rate_bytes_per_s = 0;
  s.heartbeat_interval_s = 1;
  s.max_tqueue_len = 1000;
  return s;
}

namespace {
constexpr uint16_t M(fb::BlockMethod m) { return static_cast<uint16_t>(m); }
constexpr std::chrono::milliseconds kTimeout{20000};
}  // namespace

Result<uint64_t> BlockClient::Write(uint64_t id, uint64_t version, uint64_t offset,
                                    const std::string& data, WriteArgs args) {
  flatbuffers::FlatBufferBuilder b;
  uint32_t crc = Crc32c(data);
  if (args.corrupt_crc) crc ^= 1;
  b.Finish(fb::CreateWriteBlockDataRequest(b, id, version, offset, args.create, args.sync,
                                           crc, args.send_crc));
  ODFS_ASSIGN_OR_RETURN(Reply r, client_.Call<fb::WriteBlockDataReply>(
                                     ep_, M(fb::BlockMethod::WriteBlockData), b,
                                     DataSource(Bytes::Copy(data)), kTimeout));
  return r.As<fb::WriteBlockDataReply>()->block_length();
}

Result<std::string> BlockClient::Read(uint64_t id, uint64_t version, uint64_t offset,
                                      uint64_t length) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateReadBlockDataRequest(b, id, version, offset, length));
  ODFS_ASSIGN_OR_RETURN(Reply r, client_.Call<fb::ReadBlockDataReply>(
                                     ep_, M(fb::BlockMethod::ReadBlockData), b, {}, kTimeout));
  const auto* rep = r.As<fb::ReadBlockDataReply>();
  const uint64_t chunk = rep->chunk_size();
  if (chunk == 0) return Status(StatusCode::BadFrame, "chunk_size 0");
  const uint64_t start = rep->data_offset();
  const uint64_t n = r.data.size();
  const size_t crcs = rep->crcs() ? rep->crcs()->size() : 0;
  if (crcs != (n + chunk - 1) / chunk)
    return Status(StatusCode::BadFrame, "crc count does not cover the data");
  if (start > offset || start + n < offset + length)
    return Status(StatusCode::BadFrame, "reply range does not cover the request");
  for (size_t i = 0; i < crcs; ++i) {
    uint64_t at = i * chunk;
    uint64_t len = std::min(chunk, n - at);
    uint32_t got = Crc32c(r.data.data() + at, len);
    if (got != rep->crcs()->Get(static_cast<flatbuffers::uoffset_t>(i)))
      return Status(StatusCode::Corrupt,
                    fmt::format("client: chunk at {} fails its CRC", start + at));
  }
  return std::string(r.data.view().substr(offset - start, length));
}

Result<BlockClient::Info> BlockClient::Stat(uint64_t id) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateBlockInfoRequest(b, id));
  ODFS_ASSIGN_OR_RETURN(Reply r, client_.Call<fb::BlockInfoReply>(
                                     ep_, M(fb::BlockMethod::BlockInfo), b, {}, kTimeout));
  const auto* rep = r.As<fb::BlockInfoReply>();
  return Info{rep->version(), rep->length(), rep->crc32c()};
}

Status BlockClient::Delete(uint64_t id, uint64_t version) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateDeleteBlockRequest(b, id, version));
  return client_.Call<fb::DeleteBlockReply>(ep_, M(fb::BlockMethod::DeleteBlock), b, {},
                                            kTimeout)
      .status();
}

Result<uint64_t> BlockClient::Copy(uint64_t id, uint64_t version, const std::string& target) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateCopyBlockRequestDirect(b, id, version, target.c_str()));
  ODFS_ASSIGN_OR_RETURN(Reply r, client_.Call<fb::CopyBlockReply>(
                                     ep_, M(fb::BlockMethod::CopyBlock), b, {}, kTimeout));
  return r.As<fb::CopyBlockReply>()->length();
}

}  // namespace opendfs::blockd::testing
