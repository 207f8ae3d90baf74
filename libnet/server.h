// Server: accepts framed RPCs on one address and dispatches them to handlers.
//
// Happy path: Handle<fb::FooRequest>(kFoo, handler) for each method, Start();
// a loop thread reads a frame, verifies its payload as the registered table,
// calls handler(Request, Responder) and the handler (or any thread, later)
// answers through the Responder; the reply is written back on the loop.
//
// Failure modes: bad magic/version or an oversized length closes that one
// connection with a log line naming the peer and the reason; an unknown type
// gets UnknownMethod, a payload failing verification gets BadFrame, more than
// max_queue_len unanswered requests server-wide get Busy without calling the
// handler; a peer that does not read its replies stops being read once it has
// max_unsent_bytes of replies queued. None of these harm other connections.
// A one-way request (kFlagOneWay, Client::Send) gets no answer of any kind:
// its handler's Reply/Fail only count it, and the refusals above drop it.
//
// Threads: `workers` libuv loop threads, each with its own SO_REUSEPORT
// listening socket (the kernel spreads connections across them), plus
// `sendfile_threads` workers that push file-range trailers. Handlers run on a
// loop thread and must return quickly: long work goes to the service's own
// pool, which answers later through the Responder.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <flatbuffers/flatbuffers.h>

#include "libnet/bytes.h"
#include "libnet/data_source.h"
#include "libnet/endpoint.h"
#include "libnet/frame.h"
#include "libnet/log.h"
#include "libnet/peer_auth.h"
#include "libnet/status.h"

namespace opendfs {

class RequestMetrics;

struct ServerOptions {
  std::string bind = "127.0.0.1:0";   // "host:port"; port 0 = ephemeral
  int workers = 1;                    // loop threads
  int sendfile_threads = 2;           // workers pushing file-range trailers
  size_t max_connections = 1024;      // server-wide; beyond: accept + close
  size_t max_queue_len = 4096;        // requests handed out, not yet answered
  size_t recv_buff_len = 0;           // SO_RCVBUF per socket; 0 = OS default
  size_t send_buff_len = 0;           // SO_SNDBUF per socket; 0 = OS default
  size_t max_unsent_bytes = 256u << 20;  // per connection, queued reply bytes
  FrameLimits limits;
  std::string name = "rpc";           // log component
  // Filled as each request is answered (method, result, latency); null = off.
  // Must outlive the Server.
  RequestMetrics* request_metrics = nullptr;
  // Cluster key (peer_auth.h): kRequire for a daemon-only listener, kAllow
  // where peers and clients share it (then Request::peer_role tells them
  // apart). No key: every connection is a client.
  PeerAuthOptions peer_auth;
};

struct ServerStats {
  uint64_t connections = 0;    // open now
  uint64_t inflight = 0;       // handed to handlers, not yet answered
  uint64_t rejected_busy = 0;  // answered Busy (queue full)
  uint64_t bad_frames = 0;     // connections closed for bad headers + payloads
                               // that failed verification
  uint64_t rejected_connections = 0;  // closed because of max_connections
};

// One verified request as a handler sees it.
struct Request {
  uint16_t type = 0;
  uint64_t id = 0;
  std::string peer;  // "ip:port" of the caller
  Bytes payload;     // verified against the table registered for `type`
  Bytes data;        // raw data trailer, possibly empty
  // The caller's role when its connection passed the cluster-key handshake;
  // None for a client connection.
  fb::PeerRole peer_role = fb::PeerRole::None;

  template <class T>
  const T* As() const {
    return flatbuffers::GetRoot<T>(payload.data());
  }
};

namespace detail {
struct ReplyTarget;
}

// The one answer owed for a Request. Move-only and thread-safe: Reply or Fail
// may be called once from any thread, at any later time (the frame is posted
// to the connection's loop). Answering after the connection or the server is
// gone is a no-op (a file range's on_done then gets an error). Dropping a
// Responder unanswered replies Internal and logs it. A Logger given to the
// Server must outlive its Responders.
class Responder {
 public:
  Responder() = default;
  explicit Responder(std::shared_ptr<detail::ReplyTarget> target);
  Responder(Responder&&) noexcept = default;
  Responder& operator=(Responder&& o) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  // Sends `reply` (consumed: the builder is Released) plus an optional trailer.
  void Reply(flatbuffers::FlatBufferBuilder& reply, DataSource data = {});
  // Sends an ErrorReply with status.code() and message; for NotLeader put the
  // leader's "host:port" (or "") in `leader`.
  void Fail(const Status& status, std::string leader = "");

  // False once answered (or for a default-constructed Responder).
  bool pending() const { return target_ != nullptr; }
  uint64_t request_id() const;

 private:
  std::shared_ptr<detail::ReplyTarget> target_;
};

using Handler = std::function<void(Request&&, Responder&&)>;

namespace detail {
class ServerImpl;
}

// Owned by one thread that calls Handle/Start/Stop (not concurrently);
// stats() and bound() may be called from any thread.
class Server {
 public:
  Server(ServerOptions options, Logger& log);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Registers the handler of `type`, whose payloads must verify as Req.
  // Before Start() only. A later registration of the same type replaces the
  // earlier one (so a service may override the built-in Ping).
  template <class Req>
  void Handle(uint16_t type, Handler handler) {
    HandleRaw(type, &VerifyPayload<Req>, std::move(handler));
  }
  void HandleRaw(uint16_t type, PayloadVerifier verify, Handler handler);

  // Binds and starts the loop threads. Errors: Invalid (bad bind text),
  // Unreachable (host does not resolve), or the bind/listen errno, e.g.
  // "bind 127.0.0.1:8000: Address already in use".
  Status Start();
  // Closes the listeners and every connection and joins all threads.
  // Idempotent. Outstanding Responders become no-ops.
  void Stop();

  // The bound address (real port when bind asked for port 0). After Start().
  Endpoint bound() const;
  ServerStats stats() const;

 private:
  std::unique_ptr<detail::ServerImpl> impl_;
};

}  // namespace opendfs
