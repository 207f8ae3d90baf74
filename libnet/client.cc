// Client: one loop thread, connections per endpoint created on demand and
// multiplexed by request_id, one timer for every deadline. See client.h for
// the contract and the Status of each failure.
//
// Every call is in pending_ from the moment it is queued until exactly one of
// these completes it: its reply, its deadline, its connection failing, or
// Stop(). Connect deadlines share the timer (ids with kConnBit set).
// Admission (PendingBound) caps the calls between CallAsyncRaw and their
// completion at max_pending_calls, so pending_ and the loop's queue of
// calls to start stay bounded.
#include "libnet/client.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "libnet/connection.h"
#include "libnet/loop_thread.h"
#include "libnet/sendfile_pool.h"
#include "rpc_generated.h"

namespace opendfs {
namespace detail {

using Clock = std::chrono::steady_clock;

// How many calls are admitted and not yet completed, against the bound.
class PendingBound {
 public:
  explicit PendingBound(size_t max) : max_(max < 1 ? 1 : max) {}

  // True when admitted; waits up to `wait` for room (0: not at all).
  bool Admit(std::chrono::milliseconds wait) {
    std::unique_lock lock(mu_);
    if (!room_.wait_for(lock, wait, [&] { return admitted_ < max_; })) return false;
    ++admitted_;
    return true;
  }
  void Release() {
    {
      std::lock_guard lock(mu_);
      --admitted_;
    }
    room_.notify_one();
  }
  size_t max() const { return max_; }

 private:
  const size_t max_;
  std::mutex mu_;
  std::condition_variable room_;
  size_t admitted_ = 0;  // GUARDED_BY(mu_)
};

class ClientImpl : public Connection::Owner {
 public:
  ClientImpl(ClientOptions o, Logger& log)
      : options_(std::move(o)), log_(log), bound_(options_.max_pending_calls) {
    conn_options_.limits = options_.limits;
    conn_options_.recv_buff_len = options_.recv_buff_len;
    conn_options_.send_buff_len = options_.send_buff_len;
    conn_options_.source_host = options_.source_host;
    conn_options_.peer_auth = options_.peer_auth;
    conn_options_.peer_auth.mode = PeerAuthOptions::Mode::kInitiate;
    pool_ = std::make_unique<SendfilePool>(options_.sendfile_threads,
                                           std::chrono::seconds(30));
    ODFS_CHECK(uv_timer_init(lt_.loop(), &timer_) == 0);
    timer_.data = this;
    lt_.Start();
  }
  ~ClientImpl() { Stop(); }

  struct Call {
    Endpoint ep;
    uint16_t type;
    SharedPayload payload;
    DataSource data;
    std::chrono::milliseconds timeout;
    PayloadVerifier verify;
    ReplyCallback done;
  };

  // Admits the call (waiting up to `wait` for room) and starts it on the
  // loop; past the bound it fails Busy on the loop thread.
  void Submit(std::shared_ptr<Call> call, std::chrono::milliseconds wait) {
    if (!bound_.Admit(wait)) {
      Status busy(StatusCode::Busy, fmt::format("{}: {} calls already pending (max_pending_calls)",
                                                options_.name, bound_.max()));
      if (!lt_.Post([call, busy] { call->done(busy); }))
        call->done(Status(StatusCode::ShuttingDown, "client stopped"));
      return;
    }
    ReplyCallback done = std::move(call->done);
    call->done = [this, done = std::move(done)](Result<Reply> r) {
      bound_.Release();
      done(std::move(r));
    };
    if (!lt_.Post([this, call] { StartCall(std::move(*call)); }))
      call->done(Status(StatusCode::ShuttingDown, "client stopped"));
  }

  bool Post(std::function<void()> fn) { return lt_.Post(std::move(fn)); }
  bool OnLoopThread() const { return lt_.OnThread(); }

  void Stop() {
    if (stopped_) return;
    stopped_ = true;
    lt_.Stop([this] {
      std::vector<Connection*> all;
      for (auto& [id, cs] : conns_) all.push_back(cs->conn);
      for (Connection* c : all)
        c->Close(Status(StatusCode::ShuttingDown, "client stopped"));
      while (!pending_.empty())
        FailCall(pending_.begin()->first,
                 Status(StatusCode::ShuttingDown, "client stopped"));
      uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
    });
    pool_.reset();
  }

  void OnFrame(Connection* c, Frame&& f) override;
  void OnClose(Connection* c, const Status& why) override;

 private:
  static constexpr uint64_t kConnBit = 1ull << 63;

  struct ConnState {
    Connection* conn = nullptr;
    std::string key;
    bool connected = false;
    std::vector<OutFrame> waiting;        // queued until connected
    std::unordered_set<uint64_t> calls;   // pending ids sent on this conn
    std::multimap<Clock::time_point, uint64_t>::iterator connect_deadline;
    bool has_connect_deadline = false;
  };
  struct Pending {
    ReplyCallback done;
    PayloadVerifier verify;
    uint64_t conn_id;
    std::string peer;
    std::multimap<Clock::time_point, uint64_t>::iterator deadline;
    uint16_t type;
    std::chrono::milliseconds timeout;
  };

  void StartCall(Call call);
  // The connection a new frame to `ep` goes on (round robin, made on demand).
  ConnState* PickConn(const Endpoint& ep, const std::string& key, bool* fresh);
 public:
  void StartOneWay(const Endpoint& ep, uint16_t type, SharedPayload payload);
 private:
  ConnState* NewConn(const Endpoint& ep, const std::string& key);
  void BeginConnect(ConnState* cs, const Endpoint& ep);
  void ConnectTo(uint64_t conn_id, const sockaddr* addr);
  void OnConnected(ConnState* cs, const Status& st);
  void FailCall(uint64_t id, const Status& st);
  Result<Reply> Decode(Frame&& f, const Pending& p, const std::string& peer);
  void ArmTimer();
  static void OnTimer(uv_timer_t* t);

  ClientOptions options_;
  Connection::Options conn_options_;
  Logger& log_;
  PendingBound bound_;  // declared before lt_: outlives the loop's callbacks
  LoopThread lt_;
  std::unique_ptr<SendfilePool> pool_;
  uv_timer_t timer_;
  bool stopped_ = false;  // owner thread
  // Loop thread only:
  uint64_t next_id_ = 0;
  uint64_t next_conn_id_ = 0;
  std::unordered_map<uint64_t, Pending> pending_;
  std::multimap<Clock::time_point, uint64_t> deadlines_;
  std::unordered_map<uint64_t, ConnState*> conns_;
  std::unordered_map<std::string, std::vector<ConnState*>> peers_;
  size_t rr_ = 0;
};

ClientImpl::ConnState* ClientImpl::PickConn(const Endpoint& ep, const std::string& key,
                                            bool* fresh) {
  auto& list = peers_[key];
  int per = options_.conns_per_endpoint < 1 ? 1 : options_.conns_per_endpoint;
  *fresh = list.size() < static_cast<size_t>(per);
  return *fresh ? NewConn(ep, key) : list[rr_++ % list.size()];
}

void ClientImpl::StartOneWay(const Endpoint& ep, uint16_t type, SharedPayload payload) {
  std::string key = ep.ToString();
  bool fresh = false;
  ConnState* cs = PickConn(ep, key, &fresh);
  FrameHeader h;
  h.type = type;
  h.flags = kFlagOneWay;
  h.request_id = ++next_id_;
  OutFrame f(h, std::move(payload), {});
  if (cs->connected) {
    cs->conn->Send(std::move(f));
  } else if (cs->waiting.size() < options_.max_pending_calls) {
    cs->waiting.push_back(std::move(f));
  }  // else dropped: the caller tolerates loss
  if (fresh) {
    ArmTimer();
    BeginConnect(cs, ep);
  }
}

void ClientImpl::StartCall(Call call) {
  const uint64_t id = ++next_id_;
  std::string key = call.ep.ToString();
  bool fresh = false;
  ConnState* cs = PickConn(call.ep, key, &fresh);
  auto dl = deadlines_.emplace(Clock::now() + call.timeout, id);
  pending_.emplace(id, Pending{std::move(call.done), call.verify, cs->conn->id(), key, dl, call.type,
                               call.timeout});
  cs->calls.insert(id);
  FrameHeader h;
  h.type = call.type;
  h.request_id = id;
  OutFrame f(h, std::move(call.payload), std::move(call.data));
  if (cs->connected)
    cs->conn->Send(std::move(f));
  else
    cs->waiting.push_back(std::move(f));
  ArmTimer();
  if (fresh) BeginConnect(cs, call.ep);
}

ClientImpl::ConnState* ClientImpl::NewConn(const Endpoint&, const std::string& key) {
  auto* c = new Connection(&lt_, pool_.get(), this, log_, options_.name,
                           conn_options_, ++next_conn_id_);
  auto* cs = new ConnState;
  cs->conn = c;
  cs->key = key;
  c->user = cs;
  conns_[c->id()] = cs;
  peers_[key].push_back(cs);
  cs->connect_deadline =
      deadlines_.emplace(Clock::now() + options_.connect_timeout, c->id() | kConnBit);
  cs->has_connect_deadline = true;
  return cs;
}

void ClientImpl::BeginConnect(ConnState* cs, const Endpoint& ep) {
  uint64_t conn_id = cs->conn->id();
  sockaddr_storage ss{};
  if (uv_ip4_addr(ep.host.c_str(), ep.port, reinterpret_cast<sockaddr_in*>(&ss)) == 0 ||
      uv_ip6_addr(ep.host.c_str(), ep.port, reinterpret_cast<sockaddr_in6*>(&ss)) == 0) {
    ConnectTo(conn_id, reinterpret_cast<sockaddr*>(&ss));
    return;
  }
  // A host name: resolve on libuv's pool (rare: once per connection).
  struct Resolve {
    uv_getaddrinfo_t req;
    ClientImpl* self;
    uint64_t conn_id;
    std::string what;
  };
  auto* r = new Resolve{{}, this, conn_id, ep.ToString()};
  r->req.data = r;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  std::string port = std::to_string(ep.port);
  int rc = uv_getaddrinfo(
      lt_.loop(), &r->req,
      [](uv_getaddrinfo_t* req, int status, addrinfo* res) {
        std::unique_ptr<Resolve> r(static_cast<Resolve*>(req->data));
        auto it = r->self->conns_.find(r->conn_id);
        if (it != r->self->conns_.end()) {
          if (status != 0 || res == nullptr)
            it->second->conn->Close(Status(
                StatusCode::Unreachable,
                fmt::format("resolve {}: {}", r->what, uv_strerror(status))));
          else
            r->self->ConnectTo(r->conn_id, res->ai_addr);
        }
        uv_freeaddrinfo(res);
      },
      ep.host.c_str(), port.c_str(), &hints);
  if (rc != 0) {
    delete r;
    cs->conn->Close(Status(StatusCode::Unreachable,
                           fmt::format("resolve {}: {}", ep.ToString(), uv_strerror(rc))));
  }
}

void ClientImpl::ConnectTo(uint64_t conn_id, const sockaddr* addr) {
  ConnState* cs = conns_.at(conn_id);
  cs->conn->Connect(addr, cs->key, [this, conn_id](Status st) {
    auto it = conns_.find(conn_id);
    if (it == conns_.end()) return;  // closed meanwhile
    OnConnected(it->second, st);
  });
}

void ClientImpl::OnConnected(ConnState* cs, const Status& st) {
  if (!st.ok()) {
    cs->conn->Close(st);
    return;
  }
  if (cs->has_connect_deadline) {
    deadlines_.erase(cs->connect_deadline);
    cs->has_connect_deadline = false;
  }
  cs->connected = true;
  log_.Debug("{}: connected to {}", options_.name, cs->key);
  std::vector<OutFrame> waiting;
  waiting.swap(cs->waiting);
  for (auto& f : waiting) cs->conn->Send(std::move(f));
  cs->conn->StartReading();
}

void ClientImpl::OnClose(Connection* c, const Status& why) {
  auto* cs = static_cast<ConnState*>(c->user);
  conns_.erase(c->id());
  auto& list = peers_[cs->key];
  std::erase(list, cs);
  if (list.empty()) peers_.erase(cs->key);
  if (cs->has_connect_deadline) deadlines_.erase(cs->connect_deadline);
  Status st = why.ok() ? Status(StatusCode::ConnReset, "connection closed") : why;
  std::vector<uint64_t> ids(cs->calls.begin(), cs->calls.end());
  delete cs;
  for (uint64_t id : ids) FailCall(id, st);
  ArmTimer();
}

void ClientImpl::FailCall(uint64_t id, const Status& st) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  Pending p = std::move(it->second);
  pending_.erase(it);
  deadlines_.erase(p.deadline);
  auto c = conns_.find(p.conn_id);
  if (c != conns_.end()) c->second->calls.erase(id);
  p.done(st);
}

void ClientImpl::OnFrame(Connection* c, Frame&& f) {
  if (!(f.header.flags & kFlagResponse)) {
    log_.Warn("{}: closing connection to {}: it sent a request frame (type {})",
              options_.name, c->peer(), f.header.type);
    c->Close(Status(StatusCode::BadFrame,
                    fmt::format("{} sent a request frame on a client connection",
                                c->peer())));
    return;
  }
  auto it = pending_.find(f.header.request_id);
  if (it == pending_.end()) {
    log_.Debug("{}: dropping late reply from {} id {}", options_.name, c->peer(),
               f.header.request_id);
    return;
  }
  Pending p = std::move(it->second);
  pending_.erase(it);
  deadlines_.erase(p.deadline);
  static_cast<ConnState*>(c->user)->calls.erase(f.header.request_id);
  Result<Reply> r = Decode(std::move(f), p, c->peer());
  p.done(std::move(r));
}

Result<Reply> ClientImpl::Decode(Frame&& f, const Pending& p, const std::string& peer) {
  if (f.header.flags & kFlagError) {
    if (!VerifyPayload<fb::ErrorReply>(f.payload.data(), f.payload.size()))
      return Status(StatusCode::BadFrame,
                    fmt::format("malformed error reply from {} to method {}", peer,
                                p.type));
    auto* e = flatbuffers::GetRoot<fb::ErrorReply>(f.payload.data());
    auto str = [](const flatbuffers::String* s) {
      return s ? s->str() : std::string();
    };
    if (e->code() == StatusCode::Ok)
      return Status(StatusCode::Internal,
                    fmt::format("error reply with code Ok from {}", peer));
    if (e->code() == StatusCode::NotLeader)
      return Status(StatusCode::NotLeader, str(e->leader()));
    return Status(e->code(), str(e->message()));
  }
  if (!p.verify(f.payload.data(), f.payload.size()))
    return Status(StatusCode::BadFrame,
                  fmt::format("reply from {} to method {} failed verification", peer,
                              p.type));
  return Reply{std::move(f.payload), std::move(f.data)};
}

void ClientImpl::ArmTimer() {
  if (deadlines_.empty()) {
    uv_timer_stop(&timer_);
    return;
  }
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(
      deadlines_.begin()->first - Clock::now());
  uint64_t ms = wait.count() < 0 ? 0 : static_cast<uint64_t>(wait.count());
  uv_timer_start(&timer_, &OnTimer, ms, 0);
}

void ClientImpl::OnTimer(uv_timer_t* t) {
  auto* self = static_cast<ClientImpl*>(t->data);
  auto now = Clock::now();
  while (!self->deadlines_.empty() && self->deadlines_.begin()->first <= now) {
    uint64_t id = self->deadlines_.begin()->second;
    if (id & kConnBit) {
      auto it = self->conns_.find(id & ~kConnBit);
      self->deadlines_.erase(self->deadlines_.begin());
      if (it == self->conns_.end()) continue;
      it->second->has_connect_deadline = false;
      it->second->conn->Close(Status(
          StatusCode::TimedOut,
          fmt::format("connect {}: no answer within {} ms", it->second->key,
                      self->options_.connect_timeout.count())));
      continue;
    }
    auto it = self->pending_.find(id);
    ODFS_CHECK(it != self->pending_.end());
    Status st(StatusCode::TimedOut,
              fmt::format("no reply from {} to method {} within {} ms", it->second.peer,
                          it->second.type, it->second.timeout.count()));
    self->FailCall(id, st);
  }
  self->ArmTimer();
}

}  // namespace detail

Client::Client(ClientOptions options, Logger& log)
    : impl_(std::make_unique<detail::ClientImpl>(std::move(options), log)) {}
Client::~Client() = default;

void Client::CallAsyncRaw(const Endpoint& ep, uint16_t type, SharedPayload req,
                          DataSource data, std::chrono::milliseconds timeout,
                          PayloadVerifier verify_reply, ReplyCallback done) {
  auto call = std::make_shared<detail::ClientImpl::Call>(detail::ClientImpl::Call{
      ep, type, std::move(req), std::move(data), timeout, verify_reply,
      std::move(done)});
  impl_->Submit(std::move(call), std::chrono::milliseconds(0));
}

Result<Reply> Client::CallRaw(const Endpoint& ep, uint16_t type, SharedPayload req,
                              DataSource data, std::chrono::milliseconds timeout,
                              PayloadVerifier verify_reply) {
  ODFS_CHECK_MSG(!impl_->OnLoopThread(),
                 "Client::Call on the client's own loop thread would deadlock");
  struct Waiter {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<Result<Reply>> result;
  };
  auto w = std::make_shared<Waiter>();
  // Back-pressure: a full pending table makes this caller wait (up to its
  // timeout) rather than fail at once.
  auto call = std::make_shared<detail::ClientImpl::Call>(detail::ClientImpl::Call{
      ep, type, std::move(req), std::move(data), timeout, verify_reply,
      [w](Result<Reply> r) {
        std::lock_guard<std::mutex> g(w->mu);
        w->result.emplace(std::move(r));
        w->cv.notify_one();
      }});
  impl_->Submit(std::move(call), timeout);
  std::unique_lock<std::mutex> lk(w->mu);
  w->cv.wait(lk, [&] { return w->result.has_value(); });
  return std::move(*w->result);
}

void Client::SendRaw(const Endpoint& ep, uint16_t type, SharedPayload req) {
  detail::ClientImpl* impl = impl_.get();
  impl->Post([impl, ep, type, req = std::move(req)]() mutable {
    impl->StartOneWay(ep, type, std::move(req));
  });
}

void Client::Post(std::function<void()> fn) { impl_->Post(std::move(fn)); }
bool Client::OnLoopThread() const { return impl_->OnLoopThread(); }
void Client::Stop() { impl_->Stop(); }

}  // namespace opendfs
