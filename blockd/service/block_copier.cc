#include "blockd/service/block_copier.h"

#include <time.h>

#include <algorithm>
#include <thread>

#include "block_generated.h"
#include "libnet/crc32c.h"

namespace opendfs::blockd {

namespace {
uint64_t MonotonicNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
}
}  // namespace

void BlockCopier::set_rate(uint64_t bytes_per_s) {
  std::lock_guard lock(rate_mu_);
  if (bytes_per_s == 0) {
    bucket_.reset();
  } else {
    bucket_.emplace(bytes_per_s, kSliceBytes, MonotonicNs());
  }
}

void BlockCopier::Pace(uint64_t bytes) {
  uint64_t wait_ns = 0;
  {
    std::lock_guard lock(rate_mu_);
    if (!bucket_) return;
    wait_ns = bucket_->Take(bytes, MonotonicNs());
  }
  if (wait_ns > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait_ns));
}

Result<uint64_t> BlockCopier::Copy(uint64_t block_id, uint64_t version,
                                   const std::string& target) {
  Result<Endpoint> ep = Endpoint::Parse(target);
  if (!ep.ok() || ep->port == 0)
    return Status(StatusCode::Invalid, fmt::format("copy target '{}' is not host:port", target));
  ODFS_ASSIGN_OR_RETURN(disk::BlockInfo info, store_.Stat(block_id));
  if (info.corrupt)
    return Status(StatusCode::Corrupt, fmt::format("block {} is marked corrupt", block_id));
  if (version != 0 && info.version != version)
    return Status(StatusCode::StaleVersion,
                  fmt::format("block {} is at version {}, copy asked for {}", block_id,
                              info.version, version));
  uint64_t offset = 0;
  do {
    uint64_t n = std::min(kSliceBytes, info.length - offset);
    Result<std::string> data = store_.ReadVerified(block_id, info.version, offset, n);
    if (!data.ok()) {
      if (data.status().code() == StatusCode::Corrupt)
        events_.Corrupt({block_id, info.version, info.length});
      return data.status().Annotate(fmt::format("copy block {} to {}", block_id, target));
    }
    Pace(n);
    bool last = offset + n >= info.length;
    ODFS_RETURN_IF_ERROR(SendPiece(*ep, block_id, info.version, offset, *data,
                                   offset == 0, last)
                             .Annotate(fmt::format("copy block {} to {}", block_id, target)));
    offset += n;
  } while (offset < info.length);
  log_.Info("blockd: copied block={} version={} length={} to={}", block_id, info.version,
            info.length, target);
  return info.length;
}

Status BlockCopier::SendPiece(const Endpoint& target, uint64_t block_id,
                              uint64_t version, uint64_t offset,
                              const std::string& data, bool first, bool last) {
  flatbuffers::FlatBufferBuilder b(128);
  fb::WriteBlockDataRequestBuilder w(b);
  w.add_block_id(block_id);
  w.add_version(version);
  w.add_offset(offset);
  w.add_create(first);
  w.add_sync(last);
  w.add_crc32c(Crc32c(data));
  w.add_has_crc(true);
  b.Finish(w.Finish());
  Result<Reply> r = client_.Call<fb::WriteBlockDataReply>(
      target, static_cast<uint16_t>(fb::BlockMethod::WriteBlockData), b,
      DataSource(Bytes::Copy(data)), piece_timeout);
  return r.status();
}

}  // namespace opendfs::blockd
