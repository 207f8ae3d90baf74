// FileWriter: the write path of one file (DESIGN §5), shared by every open
// handle of that inode in this process.
//
// Happy path: Write() splits the range into blocks and buffers it in a
// PieceBuffer (piece_bytes, a few MiB). When the buffer is full, or the next
// write does not continue it, the buffered range is sent as one piece to all
// replicas in parallel. The first piece sent to a block opens a session on it
// (WriteBlock: a new block, or a locked overwrite of an existing one at
// version v+1) and is awaited before any other piece goes out (it creates the
// replica / moves it to v+1); later pieces are pipelined, at most
// max_inflight_pieces (and max_inflight_bytes) at once for the whole file, except a piece overlapping
// one in flight, which waits so that replicas apply overlapping bytes in
// order. Several blocks may have a session at once (random writes move
// between blocks without a commit each time): at most max_open_blocks; the
// least recently written one is committed to make room, and a session older
// than max_session_ms is committed at the next write (a block's write lock
// is never held for long). A block written up to its end is committed at
// once. Committing a block sends its last piece with sync (or an empty
// sync-only piece), then CommitBlock records the block's length, the
// replicas that acknowledged every piece and the new file size. Flush()
// commits every open block. blockd writes only up to a block's current end,
// so a gap before a piece (a hole inside a block) is first filled with zeros.
//
// Small files (DESIGN §5): a writer opened with inline_max > 0 stages its
// writes in memory (at most inline_max bytes) and Flush() sends them to metad
// in one WriteInline commit, with no block traffic. The first write that ends
// past inline_max moves the file to blocks: the committed inline data (from
// GetBlocks) with the staged writes on top is written as block 0, and the
// commit of block 0 makes metad drop the inline data; the write then goes on
// through blocks. A WriteInline refused because the file has blocks meanwhile
// (another client moved it) or is too big for this metad does the same.
//
// WriteBlock refused with NoBlockd (for up to 5 s) or LockHeld (another
// client writing the block; up to 2 min) is asked again with backoff.
//
// Failure modes: a replica failing a piece is dropped for the rest of its
// block's session (it is left out of the commit, so metad treats it as
// stale); when no replica is left, or metad refuses WriteBlock / CommitBlock,
// the error is sticky: every later Write() fails with it, and the next
// Flush() returns it once and discards what was not committed (the
// application sees the error at write, fsync or close — as with NFS).
//
// Memory: at most piece_bytes buffered plus max_inflight_bytes in flight (a
// single piece may exceed it), plus inline_max staged.
//
// Threads: every method is thread-safe. Write, Flush, FlushSettingTimes and
// SetSize serialise on mu_, which is held across block and metad RPCs (and
// the waits for a block lock). The getters (view(), size(), DirtyIn(), ...)
// never take mu_: they read a snapshot (View) that the mutating methods
// publish under view_mu_ when they return, so a stat or lookup never waits
// behind this file's data RPCs (issue 12 §5). Lock order: mu_, then
// view_mu_; view_mu_ is never held across anything but a copy. The clients,
// the cache and the Logger must outlive the FileWriter.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "libnet/log.h"
#include "libnet/status.h"
#include "mount/client/block_client.h"
#include "mount/client/location_cache.h"
#include "mount/client/meta_client.h"
#include "mount/client/piece_buffer.h"
#include "mount/client/types.h"

namespace opendfs::client {

struct FileWriterOptions {
  size_t piece_bytes = 4u << 20;
  size_t max_inflight_pieces = 8;          // sent, not yet acknowledged...
  size_t max_inflight_bytes = 8u << 20;    // ...and at most this many bytes
  size_t max_open_blocks = 16;     // blocks with an uncommitted session
  int64_t max_session_ms = 10000;  // commit a block's session after this
  // A file with no blocks is written inline (in its metadata record) while
  // it stays within this many bytes: OpenResult.inline_max, or 0 when the
  // file has blocks or inline data is off.
  uint32_t inline_max = 0;
};

class FileWriter {
 public:
  // `block_size` is the file's (Attr.block_size), `file_size` its size now.
  FileWriter(MetaClient& meta, BlockClient& blocks, LocationCache* cache,
             Logger& log, FileWriterOptions options, uint64_t ino,
             uint64_t block_size, uint64_t file_size);
  ~FileWriter();

  // `handle` is the metad open handle the write comes through (WriteBlock
  // needs one).
  Status Write(const Cred& c, uint64_t handle, uint64_t offset, const void* data,
               size_t length);
  // Everything written so far is durable on every live replica and committed
  // on metad when this returns Ok.
  Status Flush(const Cred& c);
  // utimensat while small-file writes are staged: commits them together with
  // the times (one metadata commit instead of two). True when done so
  // (committed_attr() has the result); false when nothing was staged or the
  // caller may not set times — then the staged writes are committed plainly
  // and the caller sets the times itself.
  Result<bool> FlushSettingTimes(const Cred& c, ExplicitTimes times);

  // What readers of the inode may know without waiting for the writer: as
  // of the last return of a mutating method (a write still in progress is
  // not in it yet; a flush in progress still counts as dirty).
  struct View {
    uint64_t size = 0;     // committed size, extended by uncommitted writes
    int64_t mtime_ns = 0;  // of the last write, 0 before any
    std::optional<fb::Attr> committed;  // metad's reply to the last commit
    bool inline_dirty = false;          // staged small-file writes...
    uint32_t inline_max = 0;            // ...all below this offset
    // Buffered, not yet sent: [start, end) in file offsets.
    std::optional<std::pair<uint64_t, uint64_t>> buffered;
    std::vector<uint64_t> open_blocks;  // block indexes with a session
    // The writes those sessions opened at metad: re-asserted on a new
    // session after a leader change (block locks are leader memory).
    struct OpenWrite {
      uint64_t index = 0;
      uint64_t block_id = 0;
      uint64_t version = 0;
    };
    std::vector<OpenWrite> open_writes;

    bool dirty() const { return inline_dirty || buffered || !open_blocks.empty(); }
  };
  View view() const;

  // The file size as this writer sees it (committed size, extended by
  // uncommitted writes).
  uint64_t size() const;
  // After a truncate through metad (call Flush() first).
  void SetSize(uint64_t size);
  // Whether any written byte in [offset, offset + length) is not committed
  // yet (buffered, sent without commit, or staged inline).
  bool DirtyIn(uint64_t offset, uint64_t length) const;
  bool HasDirty() const;
  // mtime of the last write, 0 before any.
  int64_t mtime_ns() const;
  // The attributes metad returned for the last commit, if any.
  std::optional<fb::Attr> committed_attr() const;
  uint64_t block_size() const { return block_size_; }
  uint64_t ino() const { return ino_; }

 private:
  // A block being written: granted by WriteBlock, not yet committed.
  struct Session {
    WriteGrant grant;
    std::vector<std::string> live;  // replicas that acknowledged every piece
    bool first_sent = false;
    bool synced = false;   // nothing sent since the last synced piece
    uint64_t max_end = 0;  // highest block offset written in this session
    uint64_t last_use = 0;  // write counter when last written (LRU)
    std::chrono::steady_clock::time_point opened;

    // The block's length as written so far.
    uint64_t end() const { return std::max<uint64_t>(grant.block.length, max_end); }
  };
  struct Inflight {
    uint64_t index = 0;  // block
    std::shared_ptr<PendingPiece> piece;
  };

  Status WriteBlocks(const Cred& c, uint64_t offset, const uint8_t* data,
                     size_t length);
  Status WritePart(const Cred& c, uint64_t index, uint64_t block_offset,
                   const uint8_t* data, size_t length);
  Result<Session*> EnsureSession(const Cred& c, uint64_t index);
  // Sends the buffer, if any, as a piece of its block (sync: the piece also
  // makes every replica of that block durable).
  Status SendBuffered(const Cred& c, bool sync);
  Status SendPiece(uint64_t index, Session& s, uint64_t offset,
                   std::shared_ptr<const Bytes> data, size_t length, bool sync);
  // Commits block `index`: buffer sent, replicas synced, CommitBlock.
  Status FinishBlock(const Cred& c, uint64_t index);
  Status FinishAll(const Cred& c);
  // Commits sessions beyond max_open_blocks or older than max_session_ms,
  // except the one of block `keep`.
  Status FinishIdle(const Cred& c, uint64_t keep);
  // Drops the replicas that failed `p`; error when none is left.
  Status Settle(const Inflight& p);
  Status WaitInflight(size_t keep);
  bool OverlapsInflight(uint64_t index, uint64_t offset, uint64_t length) const;
  Status Fail(Status s);
  void Reset();
  // Inline mode: staging, commit, and the move to blocks.
  void StageInline(uint64_t offset, const uint8_t* data, size_t length);
  // `times_set` (with `times`): whether they went in with the data (not
  // when the writes had to move to blocks instead).
  Status CommitInline(const Cred& c, const ExplicitTimes* times = nullptr,
                      bool* times_set = nullptr);
  Status MoveToBlocks(const Cred& c);
  void DropStaged();
  // Copies the state readers may see into view_ (needs mu_).
  void Publish();
  // Publishes when a mutating method returns, whichever way it returns.
  class PublishOnReturn;

  MetaClient& meta_;
  BlockClient& blocks_;
  LocationCache* cache_;
  Logger& log_;
  const FileWriterOptions options_;
  const uint64_t ino_;
  const uint64_t block_size_;

  mutable std::mutex mu_;
  PieceBuffer buffer_;                 // GUARDED_BY(mu_)
  std::optional<uint64_t> index_;      // GUARDED_BY(mu_): block of buffer_
  std::map<uint64_t, Session> sessions_;  // GUARDED_BY(mu_): by block index
  std::deque<Inflight> inflight_;      // GUARDED_BY(mu_): oldest first
  size_t inflight_bytes_ = 0;          // GUARDED_BY(mu_)
  uint64_t writes_ = 0;                // GUARDED_BY(mu_): LRU clock
  uint64_t handle_ = 0;                // GUARDED_BY(mu_)
  uint64_t size_ = 0;                  // GUARDED_BY(mu_)
  int64_t mtime_ns_ = 0;               // GUARDED_BY(mu_)
  Status error_;                       // GUARDED_BY(mu_): sticky failure
  std::optional<fb::Attr> committed_;  // GUARDED_BY(mu_)
  // Inline mode (inline_max_ > 0): staged writes, not yet committed.
  uint32_t inline_max_ = 0;              // GUARDED_BY(mu_): 0 = blocks
  std::string staged_;                   // GUARDED_BY(mu_): bytes at their offsets
  std::map<uint32_t, uint32_t> dirty_;   // GUARDED_BY(mu_): staged [start, end)

  mutable std::mutex view_mu_;
  View view_;  // GUARDED_BY(view_mu_)
};

}  // namespace opendfs::client
