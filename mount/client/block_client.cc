#include "mount/client/block_client.h"

#include <algorithm>
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
                             uint64_t version, uint64_t offset, uint64_t length,
                             uint8_t* out) {
  ODFS_ASSIGN_OR_RETURN(Endpoint ep, Endpoint::Parse(replica));
  fbs::FlatBufferBuilder fbb(128);
  fbb.Finish(fb::CreateReadBlockDataRequest(fbb, block.block_id, version, offset, length));
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

Status BlockClient::ReadFromReplica(const std::string& replica, const BlockLoc& block,
                                    uint64_t version, uint64_t offset, uint64_t length,
                                    uint8_t* out) {
  Status s;
  // A CRC mismatch may be a torn read: blockd sends the stored CRCs and
  // then the file's bytes, and a rewrite of the block (another client's
  // write, which a reader does not lock against) can land in between. A
  // replica is called corrupt only when it mismatches three times running.
  for (int attempt = 0; attempt <= kTornReadRetries; ++attempt) {
    s = ReadFrom(replica, block, version, offset, length, out);
    if (s.code() != StatusCode::Corrupt) return s;
    log_.Info("block-client: block={} version={} from {}: {}; reading again", block.block_id,
              version, replica, s.ToString());
  }
  return s;
}

Result<std::string> BlockClient::ReadBlock(const BlockLoc& block, uint64_t offset,
                                           uint64_t length, uint8_t* out,
                                           const BadReplicaReporter& report) {
  // Who to ask at which version: the replicas at the block's version, then
  // (a write in progress) those still at the version it started from. A
  // replica moves between the two as the write's first piece reaches it,
  // before metad hears of it: asked at one it may answer StaleVersion, and
  // is asked at the other.
  struct Try {
    const std::string* replica;
    uint64_t version;
    uint64_t other;  // also tried on StaleVersion, 0 for none
  };
  std::vector<Try> tries;
  const uint64_t from = block.write_from_version;
  for (const std::string& r : block.replicas) tries.push_back({&r, block.version, from});
  for (const std::string& r : block.write_from_replicas)
    if (std::find(block.replicas.begin(), block.replicas.end(), r) == block.replicas.end())
      tries.push_back({&r, from, block.version});
  if (tries.empty()) {
    return Status(StatusCode::Io, fmt::format("block {} has no live replica",
                                              block.block_id));
  }
  Status last;
  for (const Try& t : tries) {
    Status s = ReadFromReplica(*t.replica, block, t.version, offset, length, out);
    uint64_t version = t.version;
    if (s.code() == StatusCode::StaleVersion && t.other != 0) {
      version = t.other;
      s = ReadFromReplica(*t.replica, block, version, offset, length, out);
    }
    if (s.ok()) return *t.replica;
    log_.Warn("block-client: read block={} version={} offset={} length={} "
              "from {} failed: {}",
              block.block_id, version, offset, length, *t.replica, s.ToString());
    StatusCode c = s.code();
    // StaleVersion is not reported: a replica at another version than these
    // locations say has mostly moved on (another client's write reached it
    // before its report reached metad), and metad learns every replica's
    // version from the blockds themselves; reported, a good replica would
    // be marked corrupt at the version metad still records for it. A
    // missing block is reported unless a write is open (the write's
    // business: metad settles it).
    bool report_it = c == StatusCode::Corrupt || (!block.in_flux() && c == StatusCode::NoSuchBlock);
    if (report && report_it) {
      BlockLoc asked = block;
      asked.version = version;  // metad applies it to that version only
      report(asked, *t.replica, s);
    }
    last = s.Annotate(*t.replica);
  }
  return last.Annotate(fmt::format("block {} v{}: every replica failed",
                                   block.block_id, block.version));
}

}  // namespace opendfs::client
