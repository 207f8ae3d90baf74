// Connection: see connection.h for the read/write paths and why a file-range
// trailer is sent from a SendfilePool worker.
#include "libnet/connection.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include "libnet/rpc_methods.h"
#include "rpc_generated.h"

namespace opendfs::detail {
namespace {

std::string SockaddrToString(const sockaddr_storage& ss) {
  char ip[INET6_ADDRSTRLEN] = "?";
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    uv_ip4_name(a, ip, sizeof ip);
    return fmt::format("{}:{}", ip, ntohs(a->sin_port));
  }
  if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    uv_ip6_name(a, ip, sizeof ip);
    return fmt::format("[{}]:{}", ip, ntohs(a->sin6_port));
  }
  return "?";
}

Status UvStatus(int err, std::string_view what) {
  StatusCode code = FromErrno(-err);
  if (err == UV_EOF) code = StatusCode::ConnReset;
  if (err == UV_ECONNRESET || err == UV_EPIPE || err == UV_ECANCELED)
    code = StatusCode::ConnReset;
  return Status(code, fmt::format("{}: {}", what, uv_strerror(err)));
}

}  // namespace

OutFrame::OutFrame(const FrameHeader& h,
                   std::shared_ptr<const flatbuffers::DetachedBuffer> p,
                   DataSource d)
    : payload(std::move(p)), data(std::move(d)) {
  FrameHeader hh = h;
  hh.payload_len = payload ? static_cast<uint32_t>(payload->size()) : 0;
  hh.data_len = static_cast<uint32_t>(data.size());
  EncodeHeader(hh, header);
}

size_t OutFrame::bytes() const {
  return kFrameHeaderSize + (payload ? payload->size() : 0) + data.size();
}

OutFrame MakeErrorFrame(uint16_t type, uint64_t id, const Status& status,
                        const std::string& leader) {
  flatbuffers::FlatBufferBuilder b(128 + status.message().size() + leader.size());
  auto msg = b.CreateString(status.message());
  auto lead = b.CreateString(leader);
  b.Finish(fb::CreateErrorReply(b, status.code(), msg, lead));
  FrameHeader h;
  h.flags = kFlagResponse | kFlagError;
  h.type = type;
  h.request_id = id;
  return OutFrame(h, std::make_shared<const flatbuffers::DetachedBuffer>(b.Release()),
                  DataSource());
}

struct Connection::WriteReq {
  uv_write_t req;
  Connection* conn;
  OutFrame frame;
  size_t bytes;
  FrameTag tag;  // written after the frame on a sealed connection
};

Connection::Connection(LoopThread* loop, SendfilePool* pool, Owner* owner,
                       Logger& log, const std::string& component,
                       const Options& options, uint64_t id)
    : loop_(loop), pool_(pool), owner_(owner), log_(log), component_(component),
      options_(options), id_(id), reader_(options.limits) {
  ODFS_CHECK(uv_tcp_init(loop_->loop(), &tcp_) == 0);
  tcp_.data = this;
}

void Connection::ApplySocketOptions() {
  uv_tcp_nodelay(&tcp_, 1);
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(&tcp_), &fd) != 0) return;
  if (options_.recv_buff_len) {
    int v = static_cast<int>(options_.recv_buff_len);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
  }
  if (options_.send_buff_len) {
    int v = static_cast<int>(options_.send_buff_len);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
  }
}

Status Connection::Adopt(int fd) {
  int r = uv_tcp_open(&tcp_, fd);
  if (r != 0) {
    ::close(fd);
    return UvStatus(r, "adopt accepted socket");
  }
  sockaddr_storage ss{};
  int len = sizeof ss;
  uv_tcp_getpeername(&tcp_, reinterpret_cast<sockaddr*>(&ss), &len);
  peer_ = SockaddrToString(ss);  // "?" when the peer is already gone
  ApplySocketOptions();
  return Status::Ok();
}

Status Connection::BindSource(int family) {
  sockaddr_storage ss{};
  const char* host = options_.source_host.c_str();
  int r = family == AF_INET6 ? uv_ip6_addr(host, 0, reinterpret_cast<sockaddr_in6*>(&ss))
                             : uv_ip4_addr(host, 0, reinterpret_cast<sockaddr_in*>(&ss));
  if (r != 0)
    return Status(StatusCode::Invalid,
                  fmt::format("source address {} for {}: {}", options_.source_host, peer_,
                              uv_strerror(r)));
  r = uv_tcp_bind(&tcp_, reinterpret_cast<const sockaddr*>(&ss), 0);
  if (r != 0) return UvStatus(r, "bind source " + options_.source_host + " for " + peer_);
  return Status::Ok();
}

void Connection::Connect(const sockaddr* addr, std::string peer_name,
                         std::function<void(Status)> done) {
  peer_ = std::move(peer_name);
  connect_done_ = std::move(done);
  connect_req_.data = this;
  if (!options_.source_host.empty()) {
    Status bound = BindSource(addr->sa_family);
    if (!bound.ok()) {
      auto d = std::move(connect_done_);
      d(bound);
      return;
    }
  }
  int r = uv_tcp_connect(&connect_req_, &tcp_, addr, [](uv_connect_t* req, int status) {
    auto* c = static_cast<Connection*>(req->data);
    auto done = std::move(c->connect_done_);
    if (status == 0) {
      c->ApplySocketOptions();
      const PeerAuthOptions& pa = c->options_.peer_auth;
      if (pa.key && pa.mode == PeerAuthOptions::Mode::kInitiate) {
        c->handshake_ = std::make_unique<PeerHandshake>(PeerHandshake::Side::kInitiator, *pa.key,
                                                        pa.role, RandomPeerNonce());
        c->SendHandshake(static_cast<uint16_t>(NetMethod::kPeerHello), 0, c->handshake_->Hello());
      }
    }
    if (done) done(status == 0 ? Status::Ok()
                               : (status == UV_ECONNREFUSED
                                      ? Status(StatusCode::ConnRefused,
                                               fmt::format("connect {}: {}", c->peer_,
                                                           uv_strerror(status)))
                                      : UvStatus(status, "connect " + c->peer_)));
  });
  if (r != 0) {
    auto d = std::move(connect_done_);
    d(UvStatus(r, "connect " + peer_));
  }
}

void Connection::StartReading() {
  want_read_ = true;
  Resume();
}

void Connection::UpdateReading() {
  if (closing_ || !want_read_ || options_.max_unsent_bytes == 0) return;
  if (!paused_ && unsent_ > options_.max_unsent_bytes) {
    paused_ = true;
    if (reading_) {
      uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
      reading_ = false;
    }
    log_.Debug("{}: pausing reads from {}: {} reply bytes unsent", component_,
               peer_, unsent_);
  } else if (paused_ && unsent_ <= options_.max_unsent_bytes / 2) {
    paused_ = false;
    Resume();
  }
}

void Connection::Resume() {
  if (draining_ || closing_ || !want_read_) return;
  draining_ = true;
  auto deliver = [this](Frame&& f) { return DeliverFrame(std::move(f)); };
  while (!pending_input_.empty() && !paused_ && !closing_) {
    std::vector<uint8_t> input;
    input.swap(pending_input_);
    size_t used = 0;
    Status st = reader_.Feed(input.data(), input.size(), deliver, &used);
    if (!st.ok()) {
      log_.Warn("{}: closing connection from {}: {}", component_, peer_,
                st.ToString());
      Close(st);
      break;
    }
    if (!closing_) pending_input_.assign(input.begin() + used, input.end());
  }
  draining_ = false;
  if (closing_ || paused_ || reading_ || !pending_input_.empty()) return;
  int r = uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), &OnAlloc, &OnRead);
  if (r != 0) {
    Close(UvStatus(r, "read from " + peer_));
    return;
  }
  reading_ = true;
}

void Connection::OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(h->data);
  std::span<uint8_t> direct = c->reader_.DirectBuffer();
  if (!direct.empty()) {
    size_t n = std::min<size_t>(direct.size(), 1u << 30);
    *buf = uv_buf_init(reinterpret_cast<char*>(direct.data()), static_cast<unsigned>(n));
  } else {
    *buf = uv_buf_init(reinterpret_cast<char*>(c->loop_->staging()),
                       LoopThread::kStagingSize);
  }
}

bool Connection::DeliverFrame(Frame&& f) {
  if (recv_mac_) {
    Status st = recv_mac_->Open(f.header_bytes, f.payload.span(), f.data.span(), f.tag);
    if (!st.ok()) {
      Refuse(st);
      return false;
    }
  } else if (options_.peer_auth.key && HandshakeFrame(f)) {
    return !closing_ && !paused_;
  }
  owner_->OnFrame(this, std::move(f));
  return !closing_ && !paused_;
}

void Connection::Refuse(const Status& why) {
  log_.Warn("{}: refusing peer {}: {}", component_, peer_, why.ToString());
  Close(why);
}

void Connection::SendHandshake(uint16_t type, uint8_t flags, HandshakePayload payload) {
  FrameHeader h;
  h.type = type;
  h.flags = flags;
  OutFrame f(h, std::move(payload), DataSource());
  unsent_ += f.bytes();
  StartWrite(std::move(f));  // before anything held: the handshake goes first
}

void Connection::Established() {
  send_mac_ = handshake_->TakeSendMac();
  recv_mac_ = handshake_->TakeRecvMac();
  peer_role_ = handshake_->peer_role();
  handshake_.reset();
  reader_.ExpectTags();
  log_.Debug("{}: peer {} authenticated as role {}", component_, peer_,
             static_cast<int>(peer_role_));
  std::deque<OutFrame> held;
  held.swap(held_);
  for (OutFrame& f : held) {
    unsent_ -= f.bytes();  // Send counts it again
    Send(std::move(f));
  }
}

bool Connection::HandshakeFrame(Frame& f) {
  const PeerAuthOptions& pa = options_.peer_auth;
  const uint16_t type = f.header.type;
  const auto hello = static_cast<uint16_t>(NetMethod::kPeerHello);
  const auto challenge = static_cast<uint16_t>(NetMethod::kPeerChallenge);
  const auto proof = static_cast<uint16_t>(NetMethod::kPeerProof);
  if (pa.mode == PeerAuthOptions::Mode::kInitiate) {
    if (handshake_ == nullptr) {  // cannot happen: an initiator reads after its Hello
      Refuse(Status(StatusCode::Unauthenticated, "frame before the handshake"));
      return true;
    }
    if (type != challenge || (f.header.flags & kFlagError)) {
      Refuse(Status(StatusCode::Unauthenticated,
                    fmt::format("peer answered the cluster-key handshake with frame type {}{} "
                                "(no key configured there?)",
                                type, (f.header.flags & kFlagError) ? " (an error)" : "")));
      return true;
    }
    Result<HandshakePayload> p = handshake_->OnChallenge(f.payload.span());
    if (!p.ok()) {
      Refuse(p.status());
      return true;
    }
    SendHandshake(proof, 0, std::move(p).value());
    Established();
    return true;
  }
  // Acceptor.
  if (handshake_ == nullptr) {
    if (auth_decided_) return false;  // kAllow: a client connection
    auth_decided_ = true;
    if (type != hello) {
      if (pa.mode == PeerAuthOptions::Mode::kAllow) return false;
      Refuse(Status(StatusCode::Unauthenticated,
                    fmt::format("first frame is type {}, not the cluster-key handshake", type)));
      return true;
    }
    handshake_ = std::make_unique<PeerHandshake>(PeerHandshake::Side::kAcceptor, *pa.key,
                                                 pa.role, RandomPeerNonce(), pa.accept_roles);
    Result<HandshakePayload> p = handshake_->OnHello(f.payload.span());
    if (!p.ok()) {
      Refuse(p.status());
      return true;
    }
    SendHandshake(challenge, kFlagResponse, std::move(p).value());
    return true;
  }
  if (type != proof) {
    Refuse(Status(StatusCode::Unauthenticated,
                  fmt::format("frame type {} before the handshake completed", type)));
    return true;
  }
  Status st = handshake_->OnProof(f.payload.span());
  if (!st.ok()) {
    Refuse(st);
    return true;
  }
  Established();
  return true;
}

void Connection::OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(s->data);
  if (nread < 0) {
    if (nread == UV_EOF)
      c->Close(Status(StatusCode::ConnReset, fmt::format("{} closed the connection", c->peer_)));
    else
      c->Close(UvStatus(static_cast<int>(nread), "read from " + c->peer_));
    return;
  }
  if (nread == 0 || c->closing_) return;
  auto deliver = [c](Frame&& f) { return c->DeliverFrame(std::move(f)); };
  if (reinterpret_cast<uint8_t*>(buf->base) != c->loop_->staging()) {
    c->reader_.CommitDirect(static_cast<size_t>(nread), deliver);
    return;
  }
  const auto* data = reinterpret_cast<const uint8_t*>(buf->base);
  size_t used = 0;
  Status st = c->reader_.Feed(data, static_cast<size_t>(nread), deliver, &used);
  if (!st.ok()) {
    c->log_.Warn("{}: closing connection from {}: {}", c->component_, c->peer_,
                 st.ToString());
    c->Close(st);
    return;
  }
  // Paused mid-buffer: keep the rest until the peer reads its replies.
  if (used < static_cast<size_t>(nread) && !c->closing_)
    c->pending_input_.assign(data + used, data + nread);
}

void Connection::Send(OutFrame frame) {
  if (closing_) return;  // dropped; a file range's on_done gets an error
  unsent_ += frame.bytes();
  if (options_.peer_auth.key && handshake_ != nullptr) {
    held_.push_back(std::move(frame));
  } else if (file_in_progress_ || !queue_.empty()) {
    queue_.push_back(std::move(frame));
  } else {
    StartWrite(std::move(frame));
  }
  UpdateReading();
}

void Connection::StartWrite(OutFrame frame) {
  size_t bytes = frame.bytes();
  if (send_mac_ && frame.data.is_file()) {
    unsent_ -= bytes;
    Close(Status(StatusCode::Internal,
                 fmt::format("a file-range trailer cannot be sealed (to {})", peer_)));
    return;
  }
  auto* w = new WriteReq{{}, this, std::move(frame), bytes, {}};
  w->req.data = w;
  uv_buf_t bufs[4];
  unsigned n = 0;
  bufs[n++] = uv_buf_init(reinterpret_cast<char*>(w->frame.header), kFrameHeaderSize);
  if (w->frame.payload && w->frame.payload->size())
    bufs[n++] = uv_buf_init(reinterpret_cast<char*>(const_cast<uint8_t*>(w->frame.payload->data())),
                            static_cast<unsigned>(w->frame.payload->size()));
  auto [mem, mem_len] = w->frame.data.memory();
  if (mem_len)
    bufs[n++] = uv_buf_init(reinterpret_cast<char*>(const_cast<uint8_t*>(mem)),
                            static_cast<unsigned>(mem_len));
  if (send_mac_) {
    std::span<const uint8_t> payload;
    if (w->frame.payload) payload = {w->frame.payload->data(), w->frame.payload->size()};
    w->tag = send_mac_->Seal(w->frame.header, payload, {mem, mem_len});
    bufs[n++] = uv_buf_init(reinterpret_cast<char*>(w->tag.data()), kFrameTagSize);
  }
  if (w->frame.data.is_file()) file_in_progress_ = true;
  int r = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&tcp_), bufs, n, &OnWritten);
  if (r != 0) {
    delete w;
    unsent_ -= bytes;
    file_in_progress_ = false;
    Close(UvStatus(r, "write to " + peer_));
  }
}

void Connection::OnWritten(uv_write_t* req, int status) {
  std::unique_ptr<WriteReq> w(static_cast<WriteReq*>(req->data));
  Connection* c = w->conn;
  if (status != 0 || c->closing_) {
    c->unsent_ -= w->bytes;
    c->file_in_progress_ = false;
    c->Close(UvStatus(status ? status : UV_ECANCELED, "write to " + c->peer_));
    return;  // w's DataSource completes a file range with an error
  }
  if (w->frame.data.is_file()) {
    c->StartSendfile(std::move(w->frame.data), w->bytes);
    return;
  }
  c->FrameDone(w->bytes);
}

void Connection::StartSendfile(DataSource data, size_t bytes) {
  uv_os_fd_t sock;
  ODFS_CHECK(uv_fileno(reinterpret_cast<uv_handle_t*>(&tcp_), &sock) == 0);
  FileRange& f = data.file();
  int file_fd = f.fd;
  uint64_t off = f.offset, len = f.length;
  sending_file_ = std::move(data);
  sendfile_running_ = true;
  loop_->Hold();
  LoopThread* loop = loop_;
  pool_->Submit(sock, file_fd, off, len, [this, loop, bytes](Status st) {
    loop->PostInternal([this, loop, bytes, st = std::move(st)]() mutable {
      loop->Release();
      FinishSendfile(std::move(st), bytes);
    });
  });
}

void Connection::FinishSendfile(Status st, size_t bytes) {
  sendfile_running_ = false;
  file_in_progress_ = false;
  sending_file_.CompleteFile(st);
  if (closing_) {
    CloseHandle();
    return;
  }
  if (!st.ok()) {
    log_.Warn("{}: sending file data to {} failed: {}", component_, peer_,
              st.ToString());
    unsent_ -= bytes;
    Close(st);
    return;
  }
  FrameDone(bytes);
}

void Connection::FrameDone(size_t bytes) {
  unsent_ -= bytes;
  Flush();
  UpdateReading();
}

void Connection::Flush() {
  while (!closing_ && !file_in_progress_ && !queue_.empty()) {
    OutFrame f = std::move(queue_.front());
    queue_.pop_front();
    StartWrite(std::move(f));
  }
}

void Connection::Close(const Status& why) {
  if (closing_) return;
  closing_ = true;
  queue_.clear();  // unsent file ranges complete with an error
  held_.clear();
  if (reading_) {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
    reading_ = false;
  }
  if (handshake_ != nullptr && !why.ok() && why.code() != StatusCode::Unauthenticated &&
      why.code() != StatusCode::ShuttingDown)
    log_.Warn("{}: peer {} left during the cluster-key handshake (a wrong key?): {}", component_,
              peer_, why.ToString());
  owner_->OnClose(this, why);
  if (sendfile_running_) {
    // The worker owns the write side: make it fail fast, close after it.
    uv_os_fd_t sock;
    if (uv_fileno(reinterpret_cast<uv_handle_t*>(&tcp_), &sock) == 0)
      ::shutdown(sock, SHUT_RDWR);
    return;
  }
  CloseHandle();
}

void Connection::CloseHandle() {
  if (handle_closed_) return;
  handle_closed_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &OnClosed);
}

void Connection::OnClosed(uv_handle_t* h) {
  delete static_cast<Connection*>(h->data);
}

}  // namespace opendfs::detail
