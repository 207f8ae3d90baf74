// Client: calls framed RPCs on servers, reusing connections.
//
// Happy path: Call<fb::PingReply>(ep, kPingMethod, builder, {}, 2s) from any
// thread; the client's loop thread connects on demand (or reuses one of
// conns_per_endpoint multiplexed connections to ep), writes the frame, matches
// the reply by request_id, verifies its payload as the reply table and hands
// back a Reply.
//
// Failure modes, each a clean Status for that call:
//   ConnRefused    nothing listens at ep
//   Unreachable    the host name does not resolve / network unreachable
//   ConnReset      the connection broke: every call in flight on it fails
//   TimedOut       no reply within the call's timeout (a late reply is dropped)
//   BadFrame       the reply failed verification (or the peer sent a
//                  malformed frame: the connection is closed, its calls fail)
//   FrameTooLarge  the reply was above ClientOptions::limits
//   ShuttingDown   the client was stopped
//   Busy           max_pending_calls calls were already pending: an async
//                  call fails at once (on the loop thread); a synchronous
//                  Call waits for room (back-pressure) up to its timeout
//   <server code>  the server answered with an ErrorReply: its code and
//                  message — except NotLeader, whose Status message is
//                  exactly the leader's "host:port" as the server sent it
//                  (empty when the server does not know the leader).
//
// Threads: one loop thread owned by the client. Call() may be called
// concurrently from any thread except that loop thread (it blocks); CallAsync()
// from any thread including the loop (its callback runs on the loop thread and
// must not block).
#pragma once

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

struct ClientOptions {
  int conns_per_endpoint = 1;        // multiplexed TCP connections per peer
  int sendfile_threads = 1;          // for file-range request trailers
  std::chrono::milliseconds connect_timeout{5000};
  size_t recv_buff_len = 0;          // SO_RCVBUF; 0 = OS default
  size_t send_buff_len = 0;          // SO_SNDBUF; 0 = OS default
  FrameLimits limits;
  std::string name = "rpc-client";   // log component
  // Numeric address every connection leaves from ("" = the kernel's choice),
  // e.g. a metad's own Paxos address, so peers and packet filters see the
  // member's address rather than the host's primary one.
  std::string source_host;
  // Calls queued or sent and not yet completed, over every endpoint: the
  // bound on the pending table (a caller that outruns its servers waits,
  // or its async calls fail Busy, instead of growing it without limit).
  size_t max_pending_calls = 65536;
  // With a key, every connection opens with the cluster-key handshake as
  // `role` and carries MACs (peer_auth.h); mode is ignored (always initiate).
  PeerAuthOptions peer_auth;
};

// A successful reply: the verified payload and the data trailer.
struct Reply {
  Bytes payload;
  Bytes data;

  template <class T>
  const T* As() const {
    return flatbuffers::GetRoot<T>(payload.data());
  }
};

// A request payload that may be sent several times (fan-out to replicas).
using SharedPayload = std::shared_ptr<const flatbuffers::DetachedBuffer>;
inline SharedPayload SharePayload(flatbuffers::FlatBufferBuilder& b) {
  return std::make_shared<const flatbuffers::DetachedBuffer>(b.Release());
}

using ReplyCallback = std::function<void(Result<Reply>)>;

namespace detail {
class ClientImpl;
}

class Client {
 public:
  Client(ClientOptions options, Logger& log);
  ~Client();  // Stop()
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Synchronous call; blocks the calling thread (never the loop thread) until
  // the reply, an error or `timeout`. `req` is consumed (Released).
  template <class Resp>
  Result<Reply> Call(const Endpoint& ep, uint16_t type,
                     flatbuffers::FlatBufferBuilder& req, DataSource data = {},
                     std::chrono::milliseconds timeout =
                         std::chrono::milliseconds(10000)) {
    return CallRaw(ep, type, SharePayload(req), std::move(data), timeout,
                   &VerifyPayload<Resp>);
  }

  // Asynchronous call; `done` runs exactly once on the client's loop thread
  // (or, after Stop(), on the calling thread with ShuttingDown).
  template <class Resp>
  void CallAsync(const Endpoint& ep, uint16_t type,
                 flatbuffers::FlatBufferBuilder& req, DataSource data,
                 std::chrono::milliseconds timeout, ReplyCallback done) {
    CallAsyncRaw(ep, type, SharePayload(req), std::move(data), timeout,
                 &VerifyPayload<Resp>, std::move(done));
  }
  // Same, with a payload shared between several calls.
  template <class Resp>
  void CallAsync(const Endpoint& ep, uint16_t type, SharedPayload req,
                 DataSource data, std::chrono::milliseconds timeout,
                 ReplyCallback done) {
    CallAsyncRaw(ep, type, std::move(req), std::move(data), timeout,
                 &VerifyPayload<Resp>, std::move(done));
  }

  Result<Reply> CallRaw(const Endpoint& ep, uint16_t type, SharedPayload req,
                        DataSource data, std::chrono::milliseconds timeout,
                        PayloadVerifier verify_reply);
  void CallAsyncRaw(const Endpoint& ep, uint16_t type, SharedPayload req,
                    DataSource data, std::chrono::milliseconds timeout,
                    PayloadVerifier verify_reply, ReplyCallback done);

  // One-way: sends the frame (kFlagOneWay) and forgets it — no reply, no
  // callback, no pending entry. Lost when the connection is down or breaks
  // (the caller must tolerate loss, as Paxos does); while a connection is
  // being made at most max_pending_calls frames wait for it, later ones are
  // dropped. Any thread.
  void Send(const Endpoint& ep, uint16_t type, flatbuffers::FlatBufferBuilder& req) {
    SendRaw(ep, type, SharePayload(req));
  }
  void SendRaw(const Endpoint& ep, uint16_t type, SharedPayload req);

  // Runs fn on the client's loop thread (e.g. to start async calls from a
  // timer-free context). Dropped after Stop().
  void Post(std::function<void()> fn);
  bool OnLoopThread() const;

  // Fails every pending call with ShuttingDown, closes all connections and
  // joins the loop thread. Idempotent; called by the destructor.
  void Stop();

 private:
  std::unique_ptr<detail::ClientImpl> impl_;
};

}  // namespace opendfs
