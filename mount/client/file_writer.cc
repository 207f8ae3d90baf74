#include "mount/client/file_writer.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/ranges.h>

#include "mount/client/block_range.h"

namespace opendfs::client {

namespace {

constexpr size_t kZeroBytes = 1u << 20;
constexpr std::chrono::milliseconds kNoBlockdWait(5000);
constexpr std::chrono::milliseconds kLockHeldWait(120000);

// Shared zeros for filling holes inside a block.
std::shared_ptr<const Bytes> ZeroPiece() {
  static const std::shared_ptr<const Bytes> zeros = [] {
    auto b = std::make_shared<Bytes>(kZeroBytes);
    std::memset(b->data(), 0, kZeroBytes);
    return std::shared_ptr<const Bytes>(std::move(b));
  }();
  return zeros;
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

FileWriter::FileWriter(MetaClient& meta, BlockClient& blocks, LocationCache* cache,
                       Logger& log, FileWriterOptions options, uint64_t ino,
                       uint64_t block_size, uint64_t file_size)
    : meta_(meta),
      blocks_(blocks),
      cache_(cache),
      log_(log),
      options_(options),
      ino_(ino),
      block_size_(block_size),
      buffer_(std::min<uint64_t>(options.piece_bytes, block_size)),
      size_(file_size),
      inline_max_(static_cast<uint32_t>(std::min<uint64_t>(options.inline_max, block_size))) {
  ODFS_CHECK(block_size > 0);
  ODFS_CHECK(options.max_inflight_pieces > 0);
  ODFS_CHECK(options.max_open_blocks > 0);
  Publish();
}

FileWriter::~FileWriter() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!buffer_.empty() || !sessions_.empty() || !dirty_.empty()) {
    log_.Error("file-writer: ino={} dropped with uncommitted data in {} block(s)",
               ino_, sessions_.size() + (buffer_.empty() ? 0 : 1));
  }
  Reset();
}

class FileWriter::PublishOnReturn {
 public:
  explicit PublishOnReturn(FileWriter& w) : w_(w) {}
  ~PublishOnReturn() { w_.Publish(); }
  PublishOnReturn(const PublishOnReturn&) = delete;
  PublishOnReturn& operator=(const PublishOnReturn&) = delete;

 private:
  FileWriter& w_;
};

void FileWriter::Publish() {
  View v;
  v.size = size_;
  v.mtime_ns = mtime_ns_;
  v.committed = committed_;
  v.inline_dirty = !dirty_.empty();
  v.inline_max = inline_max_;
  if (!buffer_.empty() && index_) {
    v.buffered = std::make_pair(*index_ * block_size_ + buffer_.start(),
                                *index_ * block_size_ + buffer_.end());
  }
  v.open_blocks.reserve(sessions_.size());
  for (const auto& [index, s] : sessions_) {
    v.open_blocks.push_back(index);
    v.open_writes.push_back({index, s.grant.block.block_id, s.grant.block.version});
  }
  std::lock_guard<std::mutex> lock(view_mu_);
  view_ = std::move(v);
}

FileWriter::View FileWriter::view() const {
  std::lock_guard<std::mutex> lock(view_mu_);
  return view_;
}

uint64_t FileWriter::size() const { return view().size; }

void FileWriter::SetSize(uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  PublishOnReturn publish(*this);
  size_ = size;
}

bool FileWriter::DirtyIn(uint64_t offset, uint64_t length) const {
  const View v = view();
  const uint64_t end = offset + length;
  auto overlaps = [&](uint64_t lo, uint64_t hi) { return offset < hi && lo < end; };
  if (v.inline_dirty && overlaps(0, v.inline_max)) return true;
  if (v.buffered && overlaps(v.buffered->first, v.buffered->second)) return true;
  for (uint64_t index : v.open_blocks)
    if (overlaps(index * block_size_, (index + 1) * block_size_)) return true;
  return false;
}

bool FileWriter::HasDirty() const { return view().dirty(); }

int64_t FileWriter::mtime_ns() const { return view().mtime_ns; }

std::optional<fb::Attr> FileWriter::committed_attr() const { return view().committed; }

Status FileWriter::Fail(Status s) {
  if (error_.ok()) {
    log_.Error("file-writer: ino={} block={} write failed: {}", ino_,
               index_.value_or(0), s.ToString());
    error_ = s;
  }
  return s;
}

void FileWriter::Reset() {
  for (Inflight& p : inflight_) p.piece->Wait();
  inflight_.clear();
  inflight_bytes_ = 0;
  sessions_.clear();
  if (!buffer_.empty()) (void)buffer_.Take();
  index_.reset();
  DropStaged();
}

Status FileWriter::Write(const Cred& c, uint64_t handle, uint64_t offset,
                         const void* data, size_t length) {
  std::lock_guard<std::mutex> lock(mu_);
  PublishOnReturn publish(*this);
  if (!error_.ok()) return error_;
  handle_ = handle;
  const auto* bytes = static_cast<const uint8_t*>(data);
  if (inline_max_ > 0 && offset + length <= inline_max_) {
    StageInline(offset, bytes, length);
  } else {
    if (inline_max_ > 0) {
      Status s = MoveToBlocks(c);
      if (!s.ok()) return Fail(s);
    }
    Status s = WriteBlocks(c, offset, bytes, length);
    if (!s.ok()) return Fail(s);
  }
  size_ = std::max<uint64_t>(size_, offset + length);
  mtime_ns_ = NowNs();
  return Status::Ok();
}

Status FileWriter::WriteBlocks(const Cred& c, uint64_t offset, const uint8_t* data,
                               size_t length) {
  for (const BlockPart& part : SplitRange(offset, length, block_size_)) {
    ODFS_RETURN_IF_ERROR(WritePart(c, part.index, part.block_offset,
                                   data + part.buf_offset, part.length));
  }
  return Status::Ok();
}

void FileWriter::StageInline(uint64_t offset, const uint8_t* data, size_t length) {
  const auto start = static_cast<uint32_t>(offset);
  const auto end = static_cast<uint32_t>(offset + length);
  if (length == 0) return;
  if (staged_.size() < end) staged_.resize(end, '\0');
  std::memcpy(staged_.data() + start, data, length);
  // Merge [start, end) with the staged ranges it touches.
  uint32_t lo = start, hi = end;
  auto it = dirty_.upper_bound(start);
  if (it != dirty_.begin() && std::prev(it)->second >= start) --it;
  while (it != dirty_.end() && it->first <= end) {
    lo = std::min(lo, it->first);
    hi = std::max(hi, it->second);
    it = dirty_.erase(it);
  }
  dirty_[lo] = hi;
}

void FileWriter::DropStaged() {
  dirty_.clear();
  staged_.clear();
  staged_.shrink_to_fit();
}

Status FileWriter::CommitInline(const Cred& c, const ExplicitTimes* times,
                                bool* times_set) {
  if (times_set) *times_set = false;
  std::vector<InlineWriteArgs> writes;
  for (const auto& [start, end] : dirty_)
    writes.push_back({start, std::string_view(staged_).substr(start, end - start)});
  Result<fb::Attr> attr = meta_.WriteInline(c, ino_, handle_, writes, size_,
                                            mtime_ns_ ? mtime_ns_ : NowNs(), times);
  if (attr.ok()) {
    log_.Debug("file-writer: ino={} wrote {} range(s) inline, size={}", ino_,
               writes.size(), attr->size());
    committed_ = *attr;
    DropStaged();
    if (cache_) cache_->Invalidate(ino_);
    if (times_set) *times_set = times != nullptr;
    return Status::Ok();
  }
  StatusCode code = attr.status().code();
  if (times != nullptr && code == StatusCode::NotPermitted) return attr.status();
  if (code != StatusCode::Stale && code != StatusCode::FileTooBig) return attr.status();
  // The file has blocks now, or this metad keeps less inline: write blocks.
  log_.Info("file-writer: ino={} inline write refused ({}); writing blocks", ino_,
            attr.status().ToString());
  ODFS_RETURN_IF_ERROR(MoveToBlocks(c));
  return FinishAll(c);
}

Status FileWriter::MoveToBlocks(const Cred& c) {
  inline_max_ = 0;
  ODFS_ASSIGN_OR_RETURN(BlocksPage page, meta_.GetBlocks(c, ino_, 0, 1));
  std::map<uint32_t, uint32_t> dirty = std::move(dirty_);
  std::string staged = std::move(staged_);
  DropStaged();
  if (page.inline_data.empty()) {
    // Nothing committed inline (or another client moved the file to blocks
    // already): only the staged ranges, so bytes between them are kept.
    for (const auto& [start, end] : dirty) {
      ODFS_RETURN_IF_ERROR(WriteBlocks(
          c, start, reinterpret_cast<const uint8_t*>(staged.data()) + start, end - start));
    }
    return Status::Ok();
  }
  // Block 0 gets the committed inline data with the staged writes on top.
  std::string data = std::move(page.inline_data);
  for (const auto& [start, end] : dirty) {
    if (data.size() < end) data.resize(end, '\0');
    std::memcpy(data.data() + start, staged.data() + start, end - start);
  }
  log_.Debug("file-writer: ino={} moving {} inline bytes to block 0", ino_, data.size());
  ODFS_RETURN_IF_ERROR(
      WriteBlocks(c, 0, reinterpret_cast<const uint8_t*>(data.data()), data.size()));
  // Committed at once: metad gives the file no other block while its data
  // is still inline.
  return FinishBlock(c, 0);
}

Status FileWriter::WritePart(const Cred& c, uint64_t index, uint64_t block_offset,
                             const uint8_t* data, size_t length) {
  // The buffer holds one block's bytes: moving to another block sends it as
  // a piece of its own block, whose session stays open.
  if (index_ && *index_ != index) ODFS_RETURN_IF_ERROR(SendBuffered(c, false));
  index_ = index;
  ++writes_;
  if (auto it = sessions_.find(index); it != sessions_.end()) it->second.last_use = writes_;
  size_t done = 0;
  while (done < length) {
    size_t n = std::min(length - done, buffer_.capacity());
    uint64_t off = block_offset + done;
    if (!buffer_.Fits(off, n)) ODFS_RETURN_IF_ERROR(SendBuffered(c, false));
    buffer_.Append(off, data + done, n);
    done += n;
    if (buffer_.full()) ODFS_RETURN_IF_ERROR(SendBuffered(c, false));
  }
  // A block written up to its end is committed now: its lock is released
  // early and the next block starts clean.
  if (block_offset + length == block_size_) return FinishBlock(c, index);
  return FinishIdle(c, index);
}

Status FileWriter::FinishIdle(const Cred& c, uint64_t keep) {
  const auto now = std::chrono::steady_clock::now();
  const auto max_age = std::chrono::milliseconds(options_.max_session_ms);
  for (;;) {
    // The buffer's block counts as open even before its session exists.
    const size_t open = sessions_.size() + (index_ && !sessions_.count(*index_) ? 1 : 0);
    std::optional<uint64_t> victim;
    uint64_t oldest_use = UINT64_MAX;
    for (const auto& [index, s] : sessions_) {
      if (index == keep) continue;
      if (now - s.opened > max_age) {
        victim = index;
        break;
      }
      if (open > options_.max_open_blocks && s.last_use < oldest_use) {
        oldest_use = s.last_use;
        victim = index;
      }
    }
    if (!victim) return Status::Ok();
    ODFS_RETURN_IF_ERROR(FinishBlock(c, *victim));
  }
}

Result<FileWriter::Session*> FileWriter::EnsureSession(const Cred& c, uint64_t index) {
  if (auto it = sessions_.find(index); it != sessions_.end()) return &it->second;
  // Two refusals are waited out, since asking again is safe (nothing was
  // logged): NoBlockd, common for a few seconds after a metad restart until
  // the blockds have registered again; and LockHeld, another client writing
  // this block, which holds it until its next commit (DESIGN §5: a second
  // writer waits for the lock rather than failing with EAGAIN).
  using std::chrono::milliseconds;
  const auto start = std::chrono::steady_clock::now();
  milliseconds wait(50);
  Result<WriteGrant> r = meta_.WriteBlock(c, ino_, index, handle_);
  while (!r.ok()) {
    StatusCode code = r.status().code();
    milliseconds limit = code == StatusCode::NoBlockd   ? kNoBlockdWait
                         : code == StatusCode::LockHeld ? kLockHeldWait
                                                        : milliseconds(0);
    if (std::chrono::steady_clock::now() + wait - start > limit) return r.status();
    log_.Warn("file-writer: ino={} block={}: {}; asking again in {} ms", ino_, index,
              r.status().ToString(), wait.count());
    std::this_thread::sleep_for(wait);
    wait = std::min(wait * 2, milliseconds(1000));
    r = meta_.WriteBlock(c, ino_, index, handle_);
  }
  WriteGrant g = std::move(r).value();
  if (g.block_size != 0 && g.block_size != block_size_) {
    return Status(StatusCode::Internal,
                  fmt::format("metad says block size {}, file was opened with {}",
                              g.block_size, block_size_));
  }
  if (g.block.replicas.empty()) {
    return Status(StatusCode::NoBlockd,
                  fmt::format("block {} of inode {} got no replica", index, ino_));
  }
  log_.Debug("file-writer: ino={} index={} block={} version={} new={} replicas={}",
             ino_, index, g.block.block_id, g.block.version, g.new_block,
             fmt::join(g.block.replicas, ","));
  Session s;
  s.live = g.block.replicas;
  s.grant = std::move(g);
  s.last_use = writes_;
  s.opened = std::chrono::steady_clock::now();
  return &sessions_.emplace(index, std::move(s)).first->second;
}

bool FileWriter::OverlapsInflight(uint64_t index, uint64_t offset, uint64_t length) const {
  for (const Inflight& f : inflight_) {
    const PendingPiece& p = *f.piece;
    if (f.index == index && offset < p.offset + p.length && p.offset < offset + length)
      return true;
  }
  return false;
}

Status FileWriter::Settle(const Inflight& f) {
  auto it = sessions_.find(f.index);
  ODFS_CHECK(it != sessions_.end());  // a session outlives its pieces
  Session& s = it->second;
  const PendingPiece& p = *f.piece;
  Status last;
  for (size_t i = 0; i < p.replicas().size(); ++i) {
    const Status& r = p.results()[i];
    if (r.ok()) continue;
    auto live = std::find(s.live.begin(), s.live.end(), p.replicas()[i]);
    if (live != s.live.end()) {
      log_.Warn("file-writer: ino={} block={} version={} dropping replica {}: {}",
                ino_, s.grant.block.block_id, s.grant.block.version,
                p.replicas()[i], r.ToString());
      s.live.erase(live);
    }
    last = r;
  }
  if (!s.live.empty()) return Status::Ok();
  StatusCode code = last.code() == StatusCode::NoSpace ? StatusCode::NoSpace
                                                       : StatusCode::Io;
  return Status(code, fmt::format("block {} of inode {}: no replica left ({})",
                                  s.grant.block.block_id, ino_, last.ToString()));
}

Status FileWriter::WaitInflight(size_t keep) {
  Status first;
  while (inflight_.size() > keep ||
         (!inflight_.empty() && inflight_bytes_ > options_.max_inflight_bytes)) {
    Inflight f = std::move(inflight_.front());
    inflight_.pop_front();
    f.piece->Wait();
    inflight_bytes_ -= f.piece->length;
    Status s = Settle(f);
    if (first.ok() && !s.ok()) first = s;
  }
  return first;
}

Status FileWriter::SendPiece(uint64_t index, Session& s, uint64_t offset,
                             std::shared_ptr<const Bytes> data, size_t length,
                             bool sync) {
  bool first = !s.first_sent;
  bool wait_now = first || sync;
  if (wait_now || OverlapsInflight(index, offset, length)) {
    ODFS_RETURN_IF_ERROR(WaitInflight(0));
  }
  ODFS_RETURN_IF_ERROR(WaitInflight(options_.max_inflight_pieces - 1));
  auto pending = blocks_.WritePiece(s.grant.block.block_id, s.grant.block.version, s.live,
                                    offset, std::move(data), 0, length,
                                    /*create=*/first && s.grant.new_block, sync);
  s.max_end = std::max<uint64_t>(s.max_end, offset + length);
  s.synced = false;
  if (wait_now) {
    pending->Wait();
    ODFS_RETURN_IF_ERROR(Settle(Inflight{index, pending}));
    s.first_sent = true;
    s.synced = sync;
  } else {
    inflight_bytes_ += length;
    inflight_.push_back(Inflight{index, std::move(pending)});
  }
  return Status::Ok();
}

Status FileWriter::SendBuffered(const Cred& c, bool sync) {
  if (!index_ || buffer_.empty()) return Status::Ok();
  const uint64_t index = *index_;
  ODFS_ASSIGN_OR_RETURN(Session * sp, EnsureSession(c, index));
  Session& s = *sp;
  uint64_t end = s.end();
  Piece piece = buffer_.Take();
  // blockd writes only up to a block's current end: fill a gap before the
  // piece (a hole inside the block) with zeros.
  while (end < piece.offset) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(piece.offset - end, kZeroBytes));
    ODFS_RETURN_IF_ERROR(SendPiece(index, s, end, ZeroPiece(), n, false));
    end += n;
  }
  size_t len = piece.data->size();
  return SendPiece(index, s, piece.offset, std::move(piece.data), len, sync);
}

Status FileWriter::FinishBlock(const Cred& c, uint64_t index) {
  if (index_ == index) {
    // The last data piece carries the sync.
    ODFS_RETURN_IF_ERROR(SendBuffered(c, /*sync=*/true));
    index_.reset();
  }
  auto it = sessions_.find(index);
  if (it == sessions_.end()) return Status::Ok();
  Session& s = it->second;
  ODFS_RETURN_IF_ERROR(WaitInflight(0));
  // Sync only: an empty write at the end makes every replica fdatasync.
  if (!s.synced) ODFS_RETURN_IF_ERROR(SendPiece(index, s, s.end(), nullptr, 0, true));
  CommitArgs a;
  a.ino = ino_;
  a.index = index;
  a.block_id = s.grant.block.block_id;
  a.version = s.grant.block.version;
  a.length = s.end();
  a.file_size = std::max<uint64_t>(size_, index * block_size_ + a.length);
  a.mtime_ns = mtime_ns_ ? mtime_ns_ : NowNs();
  a.replicas = s.live;
  ODFS_ASSIGN_OR_RETURN(fb::Attr attr, meta_.CommitBlock(c, a));
  log_.Debug("file-writer: ino={} committed block={} version={} length={} "
             "size={} replicas={}",
             ino_, a.block_id, a.version, a.length, attr.size(),
             fmt::join(a.replicas, ","));
  if (cache_) cache_->Invalidate(ino_);
  committed_ = attr;
  sessions_.erase(it);
  return Status::Ok();
}

Status FileWriter::FinishAll(const Cred& c) {
  if (index_) ODFS_RETURN_IF_ERROR(FinishBlock(c, *index_));
  while (!sessions_.empty()) ODFS_RETURN_IF_ERROR(FinishBlock(c, sessions_.begin()->first));
  return Status::Ok();
}

Result<bool> FileWriter::FlushSettingTimes(const Cred& c, ExplicitTimes times) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    PublishOnReturn publish(*this);
    if (error_.ok() && !dirty_.empty()) {
      bool times_set = false;
      Status s = CommitInline(c, &times, &times_set);
      if (s.ok()) return times_set;
      if (s.code() != StatusCode::NotPermitted) {
        log_.Error("file-writer: ino={} flush failed: {}", ino_, s.ToString());
        Reset();
        return s;
      }
    }
  }
  ODFS_RETURN_IF_ERROR(Flush(c));
  return false;
}

Status FileWriter::Flush(const Cred& c) {
  std::lock_guard<std::mutex> lock(mu_);
  PublishOnReturn publish(*this);
  if (!error_.ok()) {
    Status s = error_;
    error_ = Status();
    Reset();
    return s;
  }
  Status s = dirty_.empty() ? FinishAll(c) : CommitInline(c);
  if (!s.ok()) {
    log_.Error("file-writer: ino={} flush failed: {}", ino_, s.ToString());
    Reset();
  }
  return s;
}

}  // namespace opendfs::client
