// Connection (internal to libnet): one framed TCP stream on a LoopThread,
// shared by Server and Client.
//
// Reading: bytes go through a FrameReader; large bodies are read by libuv
// straight into their final Bytes. Each complete frame goes to Owner::OnFrame.
// A bad header closes the connection (Owner::OnClose gets the reason).
//
// Writing: Send() queues an OutFrame; memory frames go out with one uv_write of
// up to three iovecs (header, payload, data) and nothing is copied. A frame
// with a file-range trailer writes header+payload with uv_write, then hands
// the range to the SendfilePool; until that finishes, later frames wait in
// queue_ (nobody else may write the socket meanwhile) and the handle is not
// closed (a shutdown(2) makes the worker give up quickly instead), so the
// worker never writes to a reused fd.
//
// Back-pressure: with max_unsent_bytes > 0, reading pauses while more than
// that many bytes of frames are queued or being written, and resumes below
// half of it. Pausing takes effect at the next frame boundary: frames already
// read but not yet dispatched wait in pending_input_ (at most one staging
// buffer, 64 KiB), so a peer pipelining requests cannot bypass the cap.
//
// Cluster key (options.peer_auth.key set; peer_auth.h): an initiator writes
// PeerHello as soon as it is connected and holds every frame sent before the
// handshake completes in held_; an acceptor answers the handshake itself
// (never the owner) and, in kRequire mode, closes a connection whose first
// frame is anything else. Once established, every frame written carries a
// tag and every frame read must carry the right one; a failure closes the
// connection with Unauthenticated and one Warn line. File-range trailers
// cannot be sealed (the bytes never pass through the process): such a frame
// closes a sealed connection.
//
// All methods on the loop thread. The object deletes itself after Close()
// once libuv has closed the handle; the owner must forget it in OnClose.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <flatbuffers/flatbuffers.h>
#include <uv.h>

#include "libnet/data_source.h"
#include "libnet/frame.h"
#include "libnet/log.h"
#include "libnet/loop_thread.h"
#include "libnet/peer_auth.h"
#include "libnet/sendfile_pool.h"

namespace opendfs::detail {

struct OutFrame {
  uint8_t header[kFrameHeaderSize];
  std::shared_ptr<const flatbuffers::DetachedBuffer> payload;
  DataSource data;

  OutFrame(const FrameHeader& h,
           std::shared_ptr<const flatbuffers::DetachedBuffer> p, DataSource d);
  size_t bytes() const;
};

// A reply carrying an ErrorReply payload for (type, id).
OutFrame MakeErrorFrame(uint16_t type, uint64_t id, const Status& status,
                        const std::string& leader);

class Connection {
 public:
  class Owner {
   public:
    virtual ~Owner() = default;
    virtual void OnFrame(Connection* c, Frame&& f) = 0;
    // Called once, from Close(); `why` is the reason (Ok for a local close).
    virtual void OnClose(Connection* c, const Status& why) = 0;
  };

  struct Options {
    FrameLimits limits;
    size_t max_unsent_bytes = 0;  // 0 = no read pausing
    size_t recv_buff_len = 0;
    size_t send_buff_len = 0;
    // Outgoing connections leave from this numeric address (port chosen by
    // the kernel); "" lets the kernel pick the source address.
    std::string source_host;
    PeerAuthOptions peer_auth;  // no key: frames are neither checked nor sealed
  };

  Connection(LoopThread* loop, SendfilePool* pool, Owner* owner, Logger& log,
             const std::string& component, const Options& options, uint64_t id);

  uv_tcp_t* tcp() { return &tcp_; }
  uint64_t id() const { return id_; }
  const std::string& peer() const { return peer_; }
  bool closing() const { return closing_; }
  size_t unsent_bytes() const { return unsent_; }
  // The authenticated peer's role; None for a client (or no key).
  fb::PeerRole peer_role() const { return peer_role_; }
  void* user = nullptr;  // owner's per-connection state

  // Takes an accepted socket fd. Errors close the fd.
  Status Adopt(int fd);
  // Connects to addr; `done` runs once with Ok or the error (after which the
  // connection is closed by the caller).
  void Connect(const sockaddr* addr, std::string peer_name,
               std::function<void(Status)> done);
  // Starts reading after Adopt() or a successful connect.
  void StartReading();

  void Send(OutFrame frame);
  // Idempotent. OnClose(why) runs synchronously the first time.
  void Close(const Status& why);

 private:
  struct WriteReq;
  ~Connection() = default;
  static void OnAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void OnWritten(uv_write_t* req, int status);
  static void OnClosed(uv_handle_t* h);
  void ApplySocketOptions();
  bool DeliverFrame(Frame&& f);
  // The handshake's share of DeliverFrame: true when `f` was consumed by it
  // (or closed the connection).
  bool HandshakeFrame(Frame& f);
  void SendHandshake(uint16_t type, uint8_t flags, HandshakePayload payload);
  void Refuse(const Status& why);
  void Established();
  void StartWrite(OutFrame frame);
  void StartSendfile(DataSource data, size_t bytes);
  void FinishSendfile(Status st, size_t bytes);
  void Flush();
  void FrameDone(size_t bytes);
  void UpdateReading();
  void Resume();
  void CloseHandle();

  LoopThread* loop_;
  SendfilePool* pool_;
  Owner* owner_;
  Logger& log_;
  std::string component_;
  Options options_;
  // Binds the socket to options_.source_host before a connect.
  Status BindSource(int family);
  uint64_t id_;
  uv_tcp_t tcp_;
  uv_connect_t connect_req_;
  std::function<void(Status)> connect_done_;
  std::string peer_;
  FrameReader reader_;
  std::deque<OutFrame> queue_;   // waiting behind a file-range frame
  bool file_in_progress_ = false;  // a file frame is being written
  bool sendfile_running_ = false;  // the pool owns the socket's write side
  DataSource sending_file_;
  size_t unsent_ = 0;
  std::vector<uint8_t> pending_input_;  // read, not dispatched (paused)
  bool paused_ = false;      // over max_unsent_bytes
  bool draining_ = false;    // inside Resume()
  bool reading_ = false;     // uv_read_start active
  bool want_read_ = false;   // StartReading() was called
  bool closing_ = false;
  bool handle_closed_ = false;
  // Cluster-key state (see the file comment).
  std::unique_ptr<PeerHandshake> handshake_;
  std::unique_ptr<FrameMac> send_mac_;
  std::unique_ptr<FrameMac> recv_mac_;
  std::deque<OutFrame> held_;     // initiator: sent before the handshake completed
  bool auth_decided_ = false;     // acceptor in kAllow: first frame seen
  fb::PeerRole peer_role_ = fb::PeerRole::None;
};

}  // namespace opendfs::detail
