#include "blockd/service/block_service.h"

#include <unistd.h>

#include <algorithm>
#include <memory>

#include "block_generated.h"
#include "libnet/crc32c.h"
#include "blockd/disk/file_io.h"

namespace opendfs::blockd {
namespace {

constexpr uint16_t Method(fb::BlockMethod m) { return static_cast<uint16_t>(m); }

uint64_t AnyIfZero(uint64_t version) {
  return version == 0 ? disk::kAnyVersion : version;
}

}  // namespace

BlockService::BlockService(disk::BlockStore& store, WorkPool& disk_pool,
                           WorkPool& copy_pool, Client& client,
                           ReplicaEvents& events, Logger& log)
    : store_(store), disk_pool_(disk_pool), copy_pool_(copy_pool),
      events_(events), log_(log), copier_(store, client, events, log) {}

void BlockService::Register(Server& server) {
  server.Handle<fb::WriteBlockDataRequest>(
      Method(fb::BlockMethod::WriteBlockData),
      [this](Request&& q, Responder&& r) { OnWrite(std::move(q), std::move(r)); });
  server.Handle<fb::ReadBlockDataRequest>(
      Method(fb::BlockMethod::ReadBlockData),
      [this](Request&& q, Responder&& r) { OnRead(std::move(q), std::move(r)); });
  server.Handle<fb::DeleteBlockRequest>(
      Method(fb::BlockMethod::DeleteBlock),
      [this](Request&& q, Responder&& r) { OnDelete(std::move(q), std::move(r)); });
  server.Handle<fb::BlockInfoRequest>(
      Method(fb::BlockMethod::BlockInfo),
      [this](Request&& q, Responder&& r) { OnInfo(std::move(q), std::move(r)); });
  server.Handle<fb::CopyBlockRequest>(
      Method(fb::BlockMethod::CopyBlock),
      [this](Request&& q, Responder&& r) { OnCopy(std::move(q), std::move(r)); });
}

// --- loop thread: queue and return -------------------------------------------

Status BlockService::Refusal() const {
  return stopping_ ? Status(StatusCode::ShuttingDown, "blockd is shutting down")
                   : Status(StatusCode::Busy, "blockd disk queue is full");
}

void BlockService::OnWrite(Request&& req, Responder&& resp) {
  if (stopping_) {
    resp.Fail(Status(StatusCode::ShuttingDown, "blockd is shutting down"));
    return;
  }
  const uint64_t block = req.As<fb::WriteBlockDataRequest>()->block_id();
  auto box = std::make_shared<Box>(Box{std::move(req), std::move(resp)});
  {
    std::lock_guard lock(write_mu_);
    if (queued_writes_ >= disk_pool_.max_queue_len()) {
      box->resp.Fail(Status(StatusCode::Busy, "blockd write queue is full"));
      return;
    }
    ++queued_writes_;
    std::deque<std::shared_ptr<Box>>& q = writes_[block];
    q.push_back(box);
    if (q.size() > 1) return;  // runs after the writes ahead of it
  }
  if (disk_pool_.Submit([this, block] { RunWrites(block); })) return;
  // The pool refused: fail this block's writes (more may have queued since).
  std::deque<std::shared_ptr<Box>> failed;
  {
    std::lock_guard lock(write_mu_);
    failed.swap(writes_[block]);
    writes_.erase(block);
    queued_writes_ -= failed.size();
  }
  for (auto& b : failed)
    b->resp.Fail(Refusal());
}

void BlockService::RunWrites(uint64_t block) {
  for (;;) {
    std::shared_ptr<Box> box;
    {
      std::lock_guard lock(write_mu_);
      box = writes_[block].front();
    }
    DoWrite(box->req, box->resp);
    std::lock_guard lock(write_mu_);
    --queued_writes_;
    std::deque<std::shared_ptr<Box>>& q = writes_[block];
    q.pop_front();
    if (q.empty()) {
      writes_.erase(block);
      return;
    }
  }
}
void BlockService::OnRead(Request&& req, Responder&& resp) {
  Queue(disk_pool_, std::move(req), std::move(resp), &BlockService::DoRead);
}
void BlockService::OnDelete(Request&& req, Responder&& resp) {
  Queue(disk_pool_, std::move(req), std::move(resp), &BlockService::DoDelete);
}
void BlockService::OnInfo(Request&& req, Responder&& resp) {
  Queue(disk_pool_, std::move(req), std::move(resp), &BlockService::DoInfo);
}
void BlockService::OnCopy(Request&& req, Responder&& resp) {
  Queue(copy_pool_, std::move(req), std::move(resp), &BlockService::DoCopy);
}

void BlockService::Queue(WorkPool& pool, Request&& req, Responder&& resp, Work work) {
  if (stopping_) {
    resp.Fail(Status(StatusCode::ShuttingDown, "blockd is shutting down"));
    return;
  }
  auto box = std::make_shared<Box>(Box{std::move(req), std::move(resp)});
  bool queued = pool.Submit([this, box, work] { (this->*work)(box->req, box->resp); });
  if (!queued) {
    box->resp.Fail(Refusal());
  }
}

// --- pool threads: the work ----------------------------------------------------

void BlockService::NoteFailure(uint64_t block_id, const Status& status) {
  if (status.code() != StatusCode::Corrupt) return;
  Result<disk::BlockInfo> info = store_.Stat(block_id);
  ReplicaState r{block_id, 0, 0};
  if (info.ok()) r = {block_id, info->version, info->length};
  log_.Warn("blockd: corrupt replica block={} version={}: {}", block_id, r.version,
            status.message());
  events_.Corrupt(r);
}

void BlockService::DoWrite(const Request& req, Responder& resp) {
  const auto* w = req.As<fb::WriteBlockDataRequest>();
  if (w->version() == 0 || w->version() > disk::kMaxVersion) {
    resp.Fail(Status(StatusCode::Invalid,
                     fmt::format("block {}: version {} out of range", w->block_id(),
                                 w->version())));
    return;
  }
  std::string_view data = req.data.view();
  if (w->has_crc()) {
    uint32_t got = Crc32c(data);
    if (got != w->crc32c()) {
      resp.Fail(Status(StatusCode::Corrupt,
                       fmt::format("block {} offset {}: data CRC32C {:08x} does not match "
                                   "the sender's {:08x} ({} bytes); nothing written",
                                   w->block_id(), w->offset(), got, w->crc32c(),
                                   data.size())));
      return;
    }
  }
  disk::WriteOptions opts;
  opts.sync = w->sync();
  opts.create = w->create();
  Result<disk::BlockInfo> info =
      store_.Write(w->block_id(), w->version(), w->offset(), data, opts);
  if (!info.ok()) {
    if (info.status().code() != StatusCode::StaleVersion &&
        info.status().code() != StatusCode::NoSuchBlock)
      log_.Warn("blockd: write block={} version={} offset={} length={} failed: {}",
                w->block_id(), w->version(), w->offset(), data.size(),
                info.status().ToString());
    NoteFailure(w->block_id(), info.status());
    resp.Fail(info.status());
    return;
  }
  io_.bytes_written.fetch_add(data.size(), std::memory_order_relaxed);
  flatbuffers::FlatBufferBuilder b(64);
  b.Finish(fb::CreateWriteBlockDataReply(b, info->length));
  resp.Reply(b);
  events_.Added({info->block_id, info->version, info->length});
}

void BlockService::DoRead(const Request& req, Responder& resp) {
  const auto* r = req.As<fb::ReadBlockDataRequest>();
  uint64_t length = std::min<uint64_t>(r->length(), kMaxReadBytes);
  Result<disk::ReadHandle> h =
      store_.Read(r->block_id(), AnyIfZero(r->version()), r->offset(), length);
  if (!h.ok()) {
    NoteFailure(r->block_id(), h.status());
    resp.Fail(h.status());
    return;
  }
  flatbuffers::FlatBufferBuilder b(128 + 4 * h->chunk_crcs.size());
  auto crcs = b.CreateVector(h->chunk_crcs);
  fb::ReadBlockDataReplyBuilder rb(b);
  rb.add_data_offset(h->offset);
  rb.add_chunk_size(static_cast<uint32_t>(disk::kChunkSize));
  rb.add_crcs(crcs);
  rb.add_block_length(h->block_length);
  b.Finish(rb.Finish());
  io_.bytes_read.fetch_add(h->length, std::memory_order_relaxed);
  if (h->length == 0) {
    resp.Reply(b);  // the handle's fd closes here
    return;
  }
  if (h->length <= kSmallReadBytes) {
    // One chunk: a pread here costs less than handing the fd to a sendfile
    // worker (another thread hop), and the data still leaves unchecked, so
    // the client's CRC check stays end to end.
    Bytes buf(h->length);
    Status st = disk::PReadFull(h->fd.get(), buf.data(), buf.size(), h->offset,
                                fmt::format("block {}", r->block_id()));
    if (!st.ok()) {
      resp.Fail(st);
      return;
    }
    resp.Reply(b, DataSource(std::move(buf)));
    return;
  }
  // Zero copy: the transport sendfile()s the range; on_done closes the fd,
  // which also keeps the bytes reachable if the block is deleted meanwhile.
  int fd = h->fd.Release();
  resp.Reply(b, DataSource::File(fd, h->offset, h->length, [fd](Status) { ::close(fd); }));
}

void BlockService::DoDelete(const Request& req, Responder& resp) {
  const auto* d = req.As<fb::DeleteBlockRequest>();
  Result<disk::BlockInfo> before = store_.Stat(d->block_id());
  Status st = store_.Delete(d->block_id(), AnyIfZero(d->version()));
  if (!st.ok()) {
    resp.Fail(st);
    return;
  }
  flatbuffers::FlatBufferBuilder b(32);
  b.Finish(fb::CreateDeleteBlockReply(b));
  resp.Reply(b);
  ReplicaState r{d->block_id(), 0, 0};
  if (before.ok()) r = {d->block_id(), before->version, before->length};
  log_.Info("blockd: deleted block={} version={} (client {})", r.block_id, r.version, req.peer);
  events_.Removed(r);
}

void BlockService::DoInfo(const Request& req, Responder& resp) {
  const auto* q = req.As<fb::BlockInfoRequest>();
  Result<disk::BlockInfo> info = store_.Stat(q->block_id());
  if (!info.ok()) {
    resp.Fail(info.status());
    return;
  }
  if (info->corrupt) {
    resp.Fail(Status(StatusCode::Corrupt,
                     fmt::format("block {} is marked corrupt", q->block_id())));
    return;
  }
  flatbuffers::FlatBufferBuilder b(64);
  b.Finish(fb::CreateBlockInfoReply(b, info->block_id, info->version, info->length,
                                    info->crc32c));
  resp.Reply(b);
}

Result<uint64_t> BlockService::CopyCounted(uint64_t block_id, uint64_t version,
                                           const std::string& target) {
  ++inflight_copies_;
  Result<uint64_t> n = copier_.Copy(block_id, version, target);
  --inflight_copies_;
  if (!n.ok()) {
    io_.copies_failed.fetch_add(1, std::memory_order_relaxed);
    return n;
  }
  io_.copies_ok.fetch_add(1, std::memory_order_relaxed);
  io_.bytes_copied.fetch_add(*n, std::memory_order_relaxed);
  return n;
}

void BlockService::DoCopy(const Request& req, Responder& resp) {
  const auto* c = req.As<fb::CopyBlockRequest>();
  std::string target = c->target() ? c->target()->str() : "";
  Result<uint64_t> n = CopyCounted(c->block_id(), c->version(), target);
  if (!n.ok()) {
    log_.Warn("blockd: copy block={} to={} failed: {}", c->block_id(), target,
              n.status().ToString());
    resp.Fail(n.status());
    return;
  }
  flatbuffers::FlatBufferBuilder b(32);
  b.Finish(fb::CreateCopyBlockReply(b, *n));
  resp.Reply(b);
}

// --- commands from metads ----------------------------------------------------

void BlockService::CommandDelete(uint64_t block_id, uint64_t max_version) {
  bool queued = disk_pool_.Submit([this, block_id, max_version] {
    Result<disk::BlockInfo> before = store_.Stat(block_id);
    Status st = store_.Delete(block_id, AnyIfZero(max_version));
    if (!st.ok()) {
      if (st.code() != StatusCode::NoSuchBlock)
        log_.Warn("blockd: delete command block={} version<={} failed: {}", block_id,
                  max_version, st.ToString());
      // Either way the metad should stop listing this replica here unless it
      // is newer (StaleVersion): then it stays and the next report says so.
      if (st.code() == StatusCode::NoSuchBlock) events_.Removed({block_id, max_version, 0});
      return;
    }
    log_.Info("blockd: deleted block={} version={} (metad command)", block_id,
              before.ok() ? before->version : 0);
    events_.Removed({block_id, before.ok() ? before->version : max_version,
                     before.ok() ? before->length : 0});
  });
  if (!queued)
    log_.Warn("blockd: delete command block={} dropped: disk queue full or stopping "
              "(the metad repeats it)", block_id);
}

void BlockService::CommandCopy(uint64_t block_id, uint64_t version,
                               std::vector<std::string> targets) {
  bool queued = copy_pool_.Submit([this, block_id, version, targets] {
    for (const std::string& t : targets) {
      Result<uint64_t> n = CopyCounted(block_id, version, t);
      if (!n.ok())
        log_.Warn("blockd: copy command block={} version={} to={} failed: {}", block_id,
                  version, t, n.status().ToString());
    }
  });
  if (!queued)
    log_.Warn("blockd: copy command block={} dropped: copy queue full or stopping "
              "(the metad repeats it)", block_id);
}

}  // namespace opendfs::blockd
