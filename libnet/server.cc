// Server: one listening socket polled by loop 0, accepted sockets handed
// round-robin to the `workers` loops, frames dispatched to handlers, replies
// posted back to the owning loop. See server.h for the contract.
//
// Why accept on one loop: SO_REUSEPORT per loop would let a second server
// silently bind the same port (no EADDRINUSE); a plain listening fd watched
// with uv_poll (it is never a uv_tcp, so that is allowed) keeps bind errors
// honest and spreads connections evenly.
#include "libnet/server.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "libnet/connection.h"
#include "libnet/loop_thread.h"
#include "libnet/request_metrics.h"
#include "libnet/rpc_methods.h"
#include "libnet/sendfile_pool.h"
#include "rpc_generated.h"

namespace opendfs {
namespace detail {

struct ServerCounters {
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> inflight{0};
  std::atomic<uint64_t> rejected_busy{0};
  std::atomic<uint64_t> bad_frames{0};
  std::atomic<uint64_t> rejected_connections{0};
};

struct HandlerEntry {
  PayloadVerifier verify;
  Handler fn;
};
using HandlerMap = std::unordered_map<uint16_t, HandlerEntry>;

class ServerLoop : public Connection::Owner,
                   public std::enable_shared_from_this<ServerLoop> {
 public:
  ServerLoop(const ServerOptions& o, Logger& log,
             std::shared_ptr<ServerCounters> counters,
             std::shared_ptr<const HandlerMap> handlers, SendfilePool* pool)
      : options_(o), log_(log), counters_(std::move(counters)),
        handlers_(std::move(handlers)), pool_(pool) {
    conn_options_.limits = o.limits;
    conn_options_.max_unsent_bytes = o.max_unsent_bytes;
    conn_options_.recv_buff_len = o.recv_buff_len;
    conn_options_.send_buff_len = o.send_buff_len;
    conn_options_.peer_auth = o.peer_auth;
  }

  LoopThread& lt() { return lt_; }
  Logger& log() { return log_; }
  ServerCounters& counters() { return *counters_; }
  const std::string& name() const { return options_.name; }

  // On the loop: wraps an accepted socket.
  void Adopt(int fd) {
    auto* c = new Connection(&lt_, pool_, this, log_, options_.name,
                             conn_options_, ++next_conn_id_);
    Status st = c->Adopt(fd);
    conns_[c->id()] = c;
    if (!st.ok()) {
      log_.Warn("{}: dropping accepted connection: {}", options_.name, st.ToString());
      c->Close(st);
      return;
    }
    log_.Debug("{}: connection from {}", options_.name, c->peer());
    c->StartReading();
  }

  // Any thread. Drops the frame when the connection or loop is gone.
  void SendReply(uint64_t conn_id, OutFrame f) {
    if (lt_.OnThread()) {
      DoSend(conn_id, std::move(f));
      return;
    }
    auto p = std::make_shared<OutFrame>(std::move(f));
    lt_.Post([this, conn_id, p] { DoSend(conn_id, std::move(*p)); });
  }

  void Shutdown() {
    std::vector<Connection*> all;
    for (auto& [id, c] : conns_) all.push_back(c);
    for (Connection* c : all)
      c->Close(Status(StatusCode::ShuttingDown, "server stopping"));
  }

  void OnFrame(Connection* c, Frame&& f) override;
  void OnClose(Connection* c, const Status& why) override {
    conns_.erase(c->id());
    counters_->connections--;
    if (why.code() == StatusCode::ConnReset || why.code() == StatusCode::ShuttingDown)
      log_.Debug("{}: connection from {} closed: {}", options_.name, c->peer(),
                 why.ToString());
  }

 private:
  void DoSend(uint64_t conn_id, OutFrame f) {
    auto it = conns_.find(conn_id);
    if (it != conns_.end()) it->second->Send(std::move(f));
  }

  ServerOptions options_;
  Connection::Options conn_options_;
  Logger& log_;
  std::shared_ptr<ServerCounters> counters_;
  std::shared_ptr<const HandlerMap> handlers_;
  SendfilePool* pool_;
  LoopThread lt_;
  std::unordered_map<uint64_t, Connection*> conns_;  // loop thread only
  uint64_t next_conn_id_ = 0;
};

struct ReplyTarget {
  std::shared_ptr<ServerLoop> loop;
  uint64_t conn_id;
  uint16_t type;
  uint64_t id;
  std::string peer;
  RequestMetrics* metrics = nullptr;
  std::chrono::steady_clock::time_point start{};
  bool one_way = false;  // kFlagOneWay: the answer is counted, never sent
};

void RecordAnswer(const ReplyTarget& t, StatusCode code) {
  if (t.metrics == nullptr) return;
  t.metrics->Record(t.type, code,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t.start)
                        .count());
}

void ServerLoop::OnFrame(Connection* c, Frame&& f) {
  const FrameHeader& h = f.header;
  if (h.flags & kFlagResponse) {
    counters_->bad_frames++;
    log_.Warn("{}: closing connection from {}: it sent a reply frame (type {})",
              options_.name, c->peer(), h.type);
    c->Close(Status(StatusCode::BadFrame, "unexpected reply frame"));
    return;
  }
  const bool one_way = (h.flags & kFlagOneWay) != 0;
  auto it = handlers_->find(h.type);
  if (it == handlers_->end()) {
    if (one_way) {
      log_.Debug("{}: one-way frame of unknown method {} from {} dropped", options_.name, h.type,
                 c->peer());
      return;
    }
    c->Send(MakeErrorFrame(h.type, h.request_id,
                           Status(StatusCode::UnknownMethod,
                                  fmt::format("no method {}", h.type)), ""));
    return;
  }
  if (!it->second.verify(f.payload.data(), f.payload.size())) {
    counters_->bad_frames++;
    log_.Warn("{}: bad payload from {}: type {} id {} failed verification",
              options_.name, c->peer(), h.type, h.request_id);
    if (one_way) return;
    c->Send(MakeErrorFrame(h.type, h.request_id,
                           Status(StatusCode::BadFrame,
                                  fmt::format("payload of method {} failed verification",
                                              h.type)), ""));
    return;
  }
  if (counters_->inflight.fetch_add(1) >= options_.max_queue_len) {
    counters_->inflight--;
    counters_->rejected_busy++;
    if (one_way) return;
    c->Send(MakeErrorFrame(h.type, h.request_id,
                           Status(StatusCode::Busy,
                                  fmt::format("server queue full ({} requests)",
                                              options_.max_queue_len)), ""));
    return;
  }
  auto target = std::make_shared<ReplyTarget>(
      ReplyTarget{shared_from_this(), c->id(), h.type, h.request_id, c->peer(),
                  options_.request_metrics,
                  options_.request_metrics ? std::chrono::steady_clock::now()
                                           : std::chrono::steady_clock::time_point{},
                  one_way});
  Request req{h.type, h.request_id, c->peer(), std::move(f.payload), std::move(f.data),
              c->peer_role()};
  it->second.fn(std::move(req), Responder(std::move(target)));
}

class ServerImpl {
 public:
  ServerImpl(ServerOptions o, Logger& log) : options_(std::move(o)), log_(log) {
    handlers_[kPingMethod] = HandlerEntry{
        &VerifyPayload<fb::PingRequest>, [](Request&& req, Responder&& r) {
          auto* ping = req.As<fb::PingRequest>();
          flatbuffers::FlatBufferBuilder b(64);
          auto text = b.CreateString(ping->text() ? ping->text()->string_view()
                                                  : std::string_view());
          b.Finish(fb::CreatePingReply(b, text));
          r.Reply(b);
        }};
  }
  ~ServerImpl() { Stop(); }

  void HandleRaw(uint16_t type, PayloadVerifier verify, Handler h) {
    ODFS_CHECK(!started_);
    handlers_[type] = HandlerEntry{verify, std::move(h)};
  }

  Status Start();
  void Stop();
  Endpoint bound() const { return bound_; }
  ServerStats stats() const {
    ServerStats s;
    s.connections = counters_->connections.load();
    s.inflight = counters_->inflight.load();
    s.rejected_busy = counters_->rejected_busy.load();
    s.bad_frames = counters_->bad_frames.load();
    s.rejected_connections = counters_->rejected_connections.load();
    return s;
  }

 private:
  static void OnAcceptable(uv_poll_t* p, int status, int events);
  void AcceptAll();

  ServerOptions options_;
  Logger& log_;
  HandlerMap handlers_;
  std::shared_ptr<ServerCounters> counters_ = std::make_shared<ServerCounters>();
  std::unique_ptr<SendfilePool> pool_;
  std::vector<std::shared_ptr<ServerLoop>> loops_;
  uv_poll_t listen_poll_;
  int listen_fd_ = -1;
  size_t next_loop_ = 0;
  Endpoint bound_;
  bool started_ = false;
};

Status ServerImpl::Start() {
  ODFS_CHECK(!started_);
  ODFS_ASSIGN_OR_RETURN(Endpoint ep, Endpoint::Parse(options_.bind));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port = std::to_string(ep.port);
  int gai = getaddrinfo(ep.host.c_str(), port.c_str(), &hints, &res);
  if (gai != 0 || res == nullptr)
    return Status(StatusCode::Unreachable,
                  fmt::format("bind {}: {}", options_.bind, gai_strerror(gai)));
  int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    freeaddrinfo(res);
    return ErrnoStatus(errno, "socket for " + options_.bind);
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (options_.recv_buff_len) {
    int v = static_cast<int>(options_.recv_buff_len);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);  // inherited, sets window scale
  }
  int r = ::bind(fd, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  if (r != 0 || ::listen(fd, 1024) != 0) {
    int err = errno;
    ::close(fd);
    return ErrnoStatus(err, (r != 0 ? "bind " : "listen ") + options_.bind);
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  bound_.host = ep.host;
  bound_.port = ntohs(ss.ss_family == AF_INET6
                          ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                          : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  listen_fd_ = fd;

  pool_ = std::make_unique<SendfilePool>(options_.sendfile_threads,
                                         std::chrono::seconds(30));
  auto handlers = std::make_shared<const HandlerMap>(handlers_);
  int n = options_.workers < 1 ? 1 : options_.workers;
  for (int i = 0; i < n; ++i)
    loops_.push_back(std::make_shared<ServerLoop>(options_, log_, counters_,
                                                  handlers, pool_.get()));
  ODFS_CHECK(uv_poll_init_socket(loops_[0]->lt().loop(), &listen_poll_, fd) == 0);
  listen_poll_.data = this;
  ODFS_CHECK(uv_poll_start(&listen_poll_, UV_READABLE, &OnAcceptable) == 0);
  for (auto& l : loops_) l->lt().Start();
  started_ = true;
  log_.Info("{}: listening on {} workers={}", options_.name, bound_.ToString(), n);
  return Status::Ok();
}

void ServerImpl::OnAcceptable(uv_poll_t* p, int status, int) {
  auto* self = static_cast<ServerImpl*>(p->data);
  if (status < 0) {
    self->log_.Error("{}: accept poll failed: {}", self->options_.name,
                     uv_strerror(status));
    return;
  }
  self->AcceptAll();
}

void ServerImpl::AcceptAll() {
  for (int i = 0; i < 64; ++i) {  // bounded batch; the poll fires again
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        log_.Error("{}: accept on {}: {}", options_.name, bound_.ToString(),
                   strerror(errno));
      return;
    }
    if (counters_->connections.load() >= options_.max_connections) {
      counters_->rejected_connections++;
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      char host[NI_MAXHOST] = "?", serv[NI_MAXSERV] = "?";
      if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0)
        getnameinfo(reinterpret_cast<sockaddr*>(&ss), len, host, sizeof host,
                    serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV);
      log_.Warn("{}: rejecting connection from {}:{}: max_connections {} reached",
                options_.name, host, serv, options_.max_connections);
      ::close(fd);
      continue;
    }
    counters_->connections++;
    ServerLoop* l = loops_[next_loop_++ % loops_.size()].get();
    if (!l->lt().Post([l, fd] { l->Adopt(fd); })) {
      counters_->connections--;
      ::close(fd);
    }
  }
}

void ServerImpl::Stop() {
  if (!started_) return;
  started_ = false;
  for (size_t i = 0; i < loops_.size(); ++i) {
    ServerLoop* l = loops_[i].get();
    l->lt().Stop([this, l, i] {
      if (i == 0) {
        uv_close(reinterpret_cast<uv_handle_t*>(&listen_poll_), nullptr);
      }
      l->Shutdown();
    });
  }
  ::close(listen_fd_);
  listen_fd_ = -1;
  pool_.reset();
  // ServerLoops stay alive while Responders hold them; their Posts now fail.
  loops_.clear();
  log_.Info("{}: stopped listening on {}", options_.name, bound_.ToString());
}

}  // namespace detail

Responder::Responder(std::shared_ptr<detail::ReplyTarget> target)
    : target_(std::move(target)) {}

Responder& Responder::operator=(Responder&& o) noexcept {
  if (this != &o) {
    if (target_) Fail(Status(StatusCode::Internal, "request dropped unanswered"));
    target_ = std::move(o.target_);
  }
  return *this;
}

Responder::~Responder() {
  if (!target_) return;
  target_->loop->log().Error(
      "{}: handler dropped request type {} id {} from {} unanswered",
      target_->loop->name(), target_->type, target_->id, target_->peer);
  Fail(Status(StatusCode::Internal, "request dropped unanswered by the server"));
}

uint64_t Responder::request_id() const { return target_ ? target_->id : 0; }

void Responder::Reply(flatbuffers::FlatBufferBuilder& reply, DataSource data) {
  ODFS_CHECK_MSG(target_ != nullptr, "Responder answered twice");
  auto t = std::move(target_);
  FrameHeader h;
  h.flags = kFlagResponse;
  h.type = t->type;
  h.request_id = t->id;
  detail::RecordAnswer(*t, StatusCode::Ok);
  t->loop->counters().inflight--;
  if (t->one_way) return;
  t->loop->SendReply(
      t->conn_id,
      detail::OutFrame(h, std::make_shared<const flatbuffers::DetachedBuffer>(reply.Release()),
                       std::move(data)));
}

void Responder::Fail(const Status& status, std::string leader) {
  ODFS_CHECK_MSG(target_ != nullptr, "Responder answered twice");
  auto t = std::move(target_);
  detail::RecordAnswer(*t, status.code());
  t->loop->counters().inflight--;
  if (t->one_way) return;
  t->loop->SendReply(t->conn_id, detail::MakeErrorFrame(t->type, t->id, status, leader));
}

Server::Server(ServerOptions options, Logger& log)
    : impl_(std::make_unique<detail::ServerImpl>(std::move(options), log)) {}
Server::~Server() = default;
void Server::HandleRaw(uint16_t type, PayloadVerifier verify, Handler handler) {
  impl_->HandleRaw(type, verify, std::move(handler));
}
Status Server::Start() { return impl_->Start(); }
void Server::Stop() { impl_->Stop(); }
Endpoint Server::bound() const { return impl_->bound(); }
ServerStats Server::stats() const { return impl_->stats(); }

}  // namespace opendfs
