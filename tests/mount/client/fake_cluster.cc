#include "tests/mount/client/fake_cluster.h"

#include <algorithm>

#include "block_generated.h"
#include "meta_generated.h"
#include "mount/client/verify_chunks.h"

namespace opendfs::client::testing {

namespace {

constexpr uint16_t M(fb::MetaMethod m) { return static_cast<uint16_t>(m); }
constexpr uint16_t B(fb::BlockMethod m) { return static_cast<uint16_t>(m); }
constexpr uint32_t kChunk = 64 * 1024;

std::unique_ptr<Server> StartServer() {
  ServerOptions o;
  o.bind = "127.0.0.1:0";
  return std::make_unique<Server>(o, Logger::Quiet());
}

void ReplyEmpty(Responder& r) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateEmptyReply(b));
  r.Reply(b);
}

fb::Attr FileAttr(uint64_t ino, uint64_t size, uint32_t block_size) {
  return fb::Attr(ino, size, 0, 0, 0, 0, 0100644, 1, 0, 0, block_size, 3, 0);
}

flatbuffers::Offset<fb::BlockLocation> Loc(flatbuffers::FlatBufferBuilder& b,
                                           const BlockLoc& l) {
  std::vector<flatbuffers::Offset<flatbuffers::String>> reps;
  for (const auto& r : l.replicas) reps.push_back(b.CreateString(r));
  return fb::CreateBlockLocation(b, l.index, l.block_id, l.version, l.length,
                                 b.CreateVector(reps));
}

}  // namespace

// ---- FakeBlockd -------------------------------------------------------------

FakeBlockd::FakeBlockd() : server_(StartServer()) {
  server_->Handle<fb::WriteBlockDataRequest>(
      B(fb::BlockMethod::WriteBlockData), [this](Request&& req, Responder&& resp) {
        const auto* r = req.As<fb::WriteBlockDataRequest>();
        std::lock_guard<std::mutex> l(mu_);
        ++writes_;
        if (fail_writes) return resp.Fail(Status(StatusCode::Io, "injected write failure"));
        if (r->has_crc() && Crc32c(req.data.data(), req.data.size()) != r->crc32c())
          return resp.Fail(Status(StatusCode::Corrupt, "piece crc"));
        auto it = blocks_.find(r->block_id());
        if (it == blocks_.end()) {
          if (!r->create()) return resp.Fail(Status(StatusCode::NoSuchBlock, "no block"));
          it = blocks_.emplace(r->block_id(), Block{r->version(), {}}).first;
        }
        Block& blk = it->second;
        if (r->version() < blk.version) return resp.Fail(Status(StatusCode::StaleVersion, "old"));
        // Like the real blockd: no writes past the block's end (no holes).
        if (r->offset() > blk.data.size())
          return resp.Fail(Status(StatusCode::OutOfRange, "write past the end"));
        blk.version = r->version();
        size_t end = r->offset() + req.data.size();
        if (blk.data.size() < end) blk.data.resize(end, '\0');
        if (!req.data.empty())
          std::copy(req.data.data(), req.data.data() + req.data.size(),
                    blk.data.begin() + static_cast<long>(r->offset()));
        if (r->sync()) ++sync_writes_;
        flatbuffers::FlatBufferBuilder b;
        b.Finish(fb::CreateWriteBlockDataReply(b, blk.data.size()));
        resp.Reply(b);
      });
  server_->Handle<fb::ReadBlockDataRequest>(
      B(fb::BlockMethod::ReadBlockData), [this](Request&& req, Responder&& resp) {
        const auto* r = req.As<fb::ReadBlockDataRequest>();
        std::lock_guard<std::mutex> l(mu_);
        auto it = blocks_.find(r->block_id());
        if (missing || it == blocks_.end())
          return resp.Fail(Status(StatusCode::NoSuchBlock, "no block"));
        if (it->second.version != r->version())
          return resp.Fail(Status(StatusCode::StaleVersion, "other version"));
        const std::string& d = it->second.data;
        uint64_t start = r->offset() / kChunk * kChunk;
        uint64_t end = std::min<uint64_t>(d.size(), r->offset() + r->length());
        end = std::min<uint64_t>(d.size(), (end + kChunk - 1) / kChunk * kChunk);
        if (start > end) start = end;
        std::vector<uint32_t> crcs;
        for (uint64_t o = start; o < end; o += kChunk)
          crcs.push_back(Crc32c(d.data() + o, std::min<uint64_t>(kChunk, end - o)));
        Bytes data = Bytes::Copy(d.data() + start, end - start);
        bool torn = torn_reads > 0 && (--torn_reads, true);
        if ((corrupt_reads || torn) && data.size() > 0) data.data()[data.size() / 2] ^= 0x40;
        flatbuffers::FlatBufferBuilder b;
        b.Finish(fb::CreateReadBlockDataReply(b, start, kChunk, b.CreateVector(crcs), d.size()));
        resp.Reply(b, DataSource(std::move(data)));
      });
  ODFS_CHECK(server_->Start().ok());
}

FakeBlockd::~FakeBlockd() { server_->Stop(); }

std::string FakeBlockd::address() const { return server_->bound().ToString(); }

std::string FakeBlockd::Data(uint64_t id) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = blocks_.find(id);
  return it == blocks_.end() ? "" : it->second.data;
}

uint64_t FakeBlockd::Version(uint64_t id) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = blocks_.find(id);
  return it == blocks_.end() ? 0 : it->second.version;
}

int FakeBlockd::sync_writes() const {
  std::lock_guard<std::mutex> l(mu_);
  return sync_writes_;
}

int FakeBlockd::writes() const {
  std::lock_guard<std::mutex> l(mu_);
  return writes_;
}

// ---- FakeMetad --------------------------------------------------------------

FakeMetad::FakeMetad(std::vector<std::string> blockds, uint32_t block_size)
    : blockds_(std::move(blockds)), block_size_(block_size), server_(StartServer()) {
  Register();
  ODFS_CHECK(server_->Start().ok());
}

FakeMetad::~FakeMetad() { server_->Stop(); }

std::string FakeMetad::address() const { return server_->bound().ToString(); }

void FakeMetad::RedirectTo(std::string leader) {
  std::lock_guard<std::mutex> l(mu_);
  redirect_ = std::move(leader);
}

void FakeMetad::RefuseWriteBlock(int n, StatusCode code) {
  std::lock_guard<std::mutex> l(mu_);
  refuse_write_block_ = n;
  refuse_code_ = code;
}

void FakeMetad::AddFile(uint64_t ino, uint64_t size) {
  std::lock_guard<std::mutex> l(mu_);
  files_[ino].size = size;
}

FakeMetad::FileState FakeMetad::File(uint64_t ino) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(ino);
  return it == files_.end() ? FileState{} : it->second;
}

std::vector<std::string> FakeMetad::bad_reports() const {
  std::lock_guard<std::mutex> l(mu_);
  return bad_reports_;
}

std::vector<CommitArgs> FakeMetad::commits() const {
  std::lock_guard<std::mutex> l(mu_);
  return commits_;
}

int FakeMetad::calls() const {
  std::lock_guard<std::mutex> l(mu_);
  return calls_;
}

void FakeMetad::Register() {
  Server& s = *server_;
  // Wraps a handler: counts the call, answers NotLeader when redirecting.
  auto guard = [this](Responder& resp) {
    std::lock_guard<std::mutex> l(mu_);
    ++calls_;
    if (redirect_.empty()) return false;
    resp.Fail(Status(StatusCode::NotLeader, "not the leader"), redirect_);
    return true;
  };
  s.Handle<fb::HelloRequest>(M(fb::MetaMethod::Hello), [this, guard](Request&&, Responder&& resp) {
    if (guard(resp)) return;
    flatbuffers::FlatBufferBuilder b;
    b.Finish(fb::CreateHelloReply(b, 42, 3000, b.CreateString("fake")));
    resp.Reply(b);
  });
  s.Handle<fb::KeepAliveRequest>(M(fb::MetaMethod::KeepAlive), [this, guard](Request&&, Responder&& resp) {
    if (guard(resp)) return;
    flatbuffers::FlatBufferBuilder b;
    b.Finish(fb::CreateKeepAliveReply(b, 3000));
    resp.Reply(b);
  });
  s.Handle<fb::GetAttrRequest>(M(fb::MetaMethod::GetAttr), [this, guard](Request&& req, Responder&& resp) {
    if (guard(resp)) return;
    uint64_t ino = req.As<fb::GetAttrRequest>()->ino();
    std::lock_guard<std::mutex> l(mu_);
    auto it = files_.find(ino);
    if (it == files_.end()) return resp.Fail(Status(StatusCode::NotFound, "no inode"));
    flatbuffers::FlatBufferBuilder b;
    fb::Attr a = FileAttr(ino, it->second.size, block_size_);
    b.Finish(fb::CreateAttrReply(b, &a));
    resp.Reply(b);
  });
  s.Handle<fb::GetBlocksRequest>(M(fb::MetaMethod::GetBlocks), [this, guard](Request&& req, Responder&& resp) {
    if (guard(resp)) return;
    const auto* r = req.As<fb::GetBlocksRequest>();
    std::lock_guard<std::mutex> l(mu_);
    auto it = files_.find(r->ino());
    if (it == files_.end()) return resp.Fail(Status(StatusCode::NotFound, "no inode"));
    const FileState& f = it->second;
    uint64_t nblocks = f.blocks.empty() ? 0 : f.blocks.rbegin()->first + 1;
    flatbuffers::FlatBufferBuilder b;
    std::vector<flatbuffers::Offset<fb::BlockLocation>> locs;
    for (uint64_t i = r->first_index(); i < nblocks && i < r->first_index() + r->count(); ++i) {
      auto bl = f.blocks.find(i);
      BlockLoc hole;
      hole.index = i;
      locs.push_back(Loc(b, bl == f.blocks.end() ? hole : bl->second));
    }
    fb::Attr a = FileAttr(r->ino(), f.size, block_size_);
    b.Finish(fb::CreateGetBlocksReply(b, &a, b.CreateVector(locs)));
    resp.Reply(b);
  });
  s.Handle<fb::WriteBlockRequest>(M(fb::MetaMethod::WriteBlock), [this, guard](Request&& req, Responder&& resp) {
    if (guard(resp)) return;
    const auto* r = req.As<fb::WriteBlockRequest>();
    std::lock_guard<std::mutex> l(mu_);
    if (refuse_write_block_ > 0) {
      --refuse_write_block_;
      return resp.Fail(Status(refuse_code_, "refused by the test"));
    }
    FileState& f = files_[r->ino()];
    BlockLoc loc;
    bool fresh = false;
    auto it = f.blocks.find(r->index());
    if (it == f.blocks.end()) {
      loc.index = r->index();
      loc.block_id = next_block_id_++;
      loc.version = 1;
      loc.replicas = blockds_;
      fresh = true;
    } else {
      loc = it->second;
      loc.version += 1;
    }
    flatbuffers::FlatBufferBuilder b;
    b.Finish(fb::CreateWriteBlockReply(b, Loc(b, loc), block_size_, fresh, 30000));
    resp.Reply(b);
  });
  s.Handle<fb::CommitBlockRequest>(M(fb::MetaMethod::CommitBlock), [this, guard](Request&& req, Responder&& resp) {
    if (guard(resp)) return;
    const auto* r = req.As<fb::CommitBlockRequest>();
    std::lock_guard<std::mutex> l(mu_);
    CommitArgs c;
    c.ino = r->ino();
    c.index = r->index();
    c.block_id = r->block_id();
    c.version = r->version();
    c.length = r->length();
    c.file_size = r->file_size();
    for (const auto* x : *r->replicas()) c.replicas.push_back(x->str());
    commits_.push_back(c);
    FileState& f = files_[c.ino];
    f.blocks[c.index] = BlockLoc{c.index, c.block_id, c.version, c.length, c.replicas, 0, {}};
    f.size = std::max(f.size, c.file_size);
    flatbuffers::FlatBufferBuilder b;
    fb::Attr a = FileAttr(c.ino, f.size, block_size_);
    b.Finish(fb::CreateCommitBlockReply(b, &a));
    resp.Reply(b);
  });
  s.Handle<fb::ReportBadReplicaRequest>(
      M(fb::MetaMethod::ReportBadReplica), [this, guard](Request&& req, Responder&& resp) {
        if (guard(resp)) return;
        std::lock_guard<std::mutex> l(mu_);
        bad_reports_.push_back(req.As<fb::ReportBadReplicaRequest>()->replica()->str());
        ReplyEmpty(resp);
      });
}

}  // namespace opendfs::client::testing
