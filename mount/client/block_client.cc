#include "mount/client/block_client.h"

#include <cstring>

#include "block_generated.h"
#include "mount/client/verify_chunks.h"

namespace opendfs::client {

namespace fbs = flatbuffers;

PendingPiece::PendingPiece(std::vector<std::string> replicas)
    : replicas_(std::move(replicas)),
      remaining_(replicas_.size()),
      results_(replicas_.size()) {}

void PendingPiece::Done(size_t i, Status s) {
  std::lock_guard<std::mutex> lock(mu_);
  results_[i] = std::move(s);
  if (--remaining_ == 0) cv_.notify_all();
}

void PendingPiece::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return remaining_ == 0; });
}

BlockClient::BlockClient(Client& rpc, Logger& log, BlockClientOptions options)
    : rpc_(rpc), log_(log), options_(options) {}

std::shared_ptr<PendingPiece> BlockClient::WritePiece(
    uint64_t block_id, uint64_t version, const std::vector<std::string>& replicas,
    uint64_t offset, std::shared_ptr<const Bytes> data, size_t data_offset,
    size_t length, bool create, bool sync) {
  auto pending = std::make_shared<PendingPiece>(replicas);
  pending->offset = offset;
  pending->length = length;
  uint32_t crc = length ? Crc32c(data->data() + data_offset, length) : Crc32c(nullptr, 0);
  fbs::FlatBufferBuilder fbb(128);
  fbb.Finish(fb::CreateWriteBlockDataRequest(fbb, block_id, version, offset, create,
                                             sync, crc, /*has_crc=*/true));
  SharedPayload payload = SharePayload(fbb);
  for (size_t i = 0; i < replicas.size(); ++i) {
    auto ep = Endpoint::Parse(replicas[i]);
    if (!ep.ok()) {
      pending->Done(i, ep.status().Annotate("replica address"));
      continue;
    }
    DataSource src;
    if (length > 0) src = DataSource::Shared(data, data_offset, length);
    rpc_.CallAsync<fb::WriteBlockDataReply>(
        *ep, static_cast<uint16_t>(fb::BlockMethod::WriteBlockData), payload,
        std::move(src), options_.write_timeout,
        [pending, i](Result<Reply> r) { pending->Done(i, r.status()); });
  }
  return pending;
}

Status BlockClient::ReadFrom(const std::string& replica, const BlockLoc& block,
                             uint64_t offset, uint64_t length, uint8_t* out) {
  ODFS_ASSIGN_OR_RETURN(Endpoint ep, Endpoint::Parse(replica));
  fbs::FlatBufferBuilder fbb(128);
  fbb.Finish(fb::CreateReadBlockDataRequest(fbb, block.block_id, block.version,
                                            offset, length));
  ODFS_ASSIGN_OR_RETURN(
      Reply r, rpc_.Call<fb::ReadBlockDataReply>(
                   ep, static_cast<uint16_t>(fb::BlockMethod::ReadBlockData), fbb,
                   {}, options_.read_timeout));
  const auto* rep = r.As<fb::ReadBlockDataReply>();
  uint64_t data_offset = rep->data_offset();
  if (data_offset > offset) {
    return Status(StatusCode::BadFrame,
                  fmt::format("reply starts at {} after the asked offset {}",
                              data_offset, offset));
  }
  std::span<const uint32_t> crcs;
  if (rep->crcs()) crcs = {rep->crcs()->data(), rep->crcs()->size()};
  ODFS_RETURN_IF_ERROR(VerifyChunks(r.data.span(), data_offset, rep->chunk_size(), crcs));
  uint64_t skip = offset - data_offset;
  if (r.data.size() < skip + length) {
    return Status(StatusCode::StaleVersion,
                  fmt::format("replica has {} bytes of the block, {} needed "
                              "(block_length {})",
                              data_offset + r.data.size(), offset + length,
                              rep->block_length()));
  }
  std::memcpy(out, r.data.data() + skip, length);
  return Status::Ok();
}

Result<std::string> BlockClient::ReadBlock(const BlockLoc& block, uint64_t offset,
                                           uint64_t length, uint8_t* out,
                                           const BadReplicaReporter& report) {
  if (block.replicas.empty()) {
    return Status(StatusCode::Io, fmt::format("block {} has no live replica",
                                              block.block_id));
  }
  Status last;
  for (const std::string& replica : block.replicas) {
    Status s = ReadFrom(replica, block, offset, length, out);
    if (s.ok()) return replica;
    log_.Warn("block-client: read block={} version={} offset={} length={} "
              "from {} failed: {}",
              block.block_id, block.version, offset, length, replica, s.ToString());
    StatusCode c = s.code();
    if (report && (c == StatusCode::Corrupt || c == StatusCode::StaleVersion ||
                   c == StatusCode::NoSuchBlock)) {
      report(block, replica, s);
    }
    last = s.Annotate(replica);
  }
  return last.Annotate(fmt::format("block {} v{}: every replica failed",
                                   block.block_id, block.version));
}

}  // namespace opendfs::client
