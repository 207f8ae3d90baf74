#include "mount/client/meta_client.h"

#include <unistd.h>

#include <algorithm>
#include <random>

#include "rpc_generated.h"

namespace opendfs::client {

namespace fbs = flatbuffers;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

bool NeverDelivered(StatusCode c) {
  return c == StatusCode::ConnRefused || c == StatusCode::Unreachable ||
         c == StatusCode::Busy;
}

int64_t NowMs() {
  return std::chrono::duration_cast<milliseconds>(Clock::now().time_since_epoch()).count();
}

bool MaybeDelivered(StatusCode c) {
  return c == StatusCode::TimedOut || c == StatusCode::ConnReset;
}

// The request id of the call this thread is making (InvokeRaw sets it for
// kExactlyOnce calls, MakeCaller puts it in the Caller); 0 outside one.
thread_local uint64_t t_request_id = 0;

uint64_t RandomClientId() {
  std::random_device rd;
  uint64_t id = 0;
  while (id == 0) id = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  return id;
}

struct RequestIdScope {
  explicit RequestIdScope(uint64_t id) : saved(t_request_id) { t_request_id = id; }
  ~RequestIdScope() { t_request_id = saved; }
  uint64_t saved;
};

Status Missing(std::string_view what) {
  return Status(StatusCode::BadFrame, std::string("metad reply without ") +
                                          std::string(what));
}

BlockLoc ToBlockLoc(const fb::BlockLocation& l) {
  BlockLoc b;
  b.index = l.index();
  b.block_id = l.block_id();
  b.version = l.version();
  b.length = l.length();
  if (l.replicas()) {
    for (const auto* r : *l.replicas()) b.replicas.push_back(r->str());
  }
  b.write_from_version = l.write_from_version();
  if (l.write_from_replicas()) {
    for (const auto* r : *l.write_from_replicas()) b.write_from_replicas.push_back(r->str());
  }
  return b;
}

fbs::Offset<fbs::Vector<fbs::Offset<fbs::String>>> StringVec(
    fbs::FlatBufferBuilder& b, const std::vector<std::string>& v) {
  std::vector<fbs::Offset<fbs::String>> offs;
  offs.reserve(v.size());
  for (const auto& s : v) offs.push_back(b.CreateString(s));
  return b.CreateVector(offs);
}

}  // namespace

MetaClient::MetaClient(MetaClientOptions options, Client& rpc, Logger& log)
    : options_(std::move(options)), rpc_(rpc), log_(log), client_id_(RandomClientId()) {
  ODFS_CHECK(!options_.metads.empty());
  targets_ = options_.metads;
}

MetaClient::~MetaClient() { StopSession(); }

std::string MetaClient::leader() const {
  std::lock_guard<std::mutex> lock(mu_);
  return targets_[current_].ToString();
}

Endpoint MetaClient::Target() {
  std::lock_guard<std::mutex> lock(mu_);
  return targets_[current_];
}

void MetaClient::SetLeader(const Endpoint& ep) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find(targets_.begin(), targets_.end(), ep);
  if (it == targets_.end()) {
    targets_.push_back(ep);
    it = targets_.end() - 1;
  }
  current_ = static_cast<size_t>(it - targets_.begin());
}

void MetaClient::NextTarget(const Endpoint& failed) {
  std::lock_guard<std::mutex> lock(mu_);
  // Another thread may already have moved on; only advance from `failed`.
  if (targets_[current_] == failed) current_ = (current_ + 1) % targets_.size();
}

fbs::Offset<fb::Caller> MetaClient::MakeCaller(fbs::FlatBufferBuilder& b,
                                               const Cred& c) const {
  auto groups = b.CreateVector(c.groups);
  auto host = b.CreateString(options_.host);
  return fb::CreateCaller(b, c.uid, c.gid, groups, session_.load(), host,
                          t_request_id != 0 ? client_id_ : 0, t_request_id);
}

Result<Reply> MetaClient::InvokeRaw(fb::MetaMethod method, Retry retry,
                                    const BuildFn& build,
                                    PayloadVerifier verify) {
  const auto deadline = Clock::now() + options_.deadline;
  milliseconds backoff = options_.backoff_min;
  size_t failures = 0;  // consecutive retryable failures
  bool renewed_session = false;
  Status last;
  const char* name = fb::EnumNameMetaMethod(method);
  // Every attempt of an exactly-once call carries the same request id: the
  // leader answers a resend of one already applied from its request table.
  RequestIdScope request_scope(retry == Retry::kExactlyOnce ? next_request_id_.fetch_add(1) : 0);
  for (;;) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return Status(last.ok() ? StatusCode::TimedOut : last.code(),
                    fmt::format("{}: no metad answered within {} ms (last: {})",
                                name, options_.deadline.count(), last.ToString()));
    }
    Endpoint target = Target();
    const uint64_t used_session = session_.load();
    fbs::FlatBufferBuilder fbb(256);
    fbb.Finish(build(fbb));
    Result<Reply> r =
        rpc_.CallRaw(target, static_cast<uint16_t>(method), SharePayload(fbb), {},
                     std::min(options_.call_timeout, left), verify);
    if (r.ok()) return r;
    last = r.status();
    StatusCode code = last.code();
    bool sleep = false;
    if (code == StatusCode::NotLeader) {
      auto leader = Endpoint::Parse(last.message());
      if (!last.message().empty() && leader.ok() && !(*leader == target)) {
        log_.Debug("meta-client: {} redirected from {} to leader {}", name,
                   target.ToString(), leader->ToString());
        SetLeader(*leader);
      } else {
        NextTarget(target);
      }
      // Ping-pong between metads during an election: slow down.
      sleep = ++failures % options_.metads.size() == 0;
    } else if (NeverDelivered(code) ||
               (MaybeDelivered(code) && retry != Retry::kUndelivered)) {
      if (code != StatusCode::Busy) NextTarget(target);
      log_.Debug("meta-client: {} on {} failed: {}; retrying", name,
                 target.ToString(), last.ToString());
      sleep = code == StatusCode::Busy ||
              ++failures % options_.metads.size() == 0;
    } else if (code == StatusCode::SessionExpired && !renewed_session &&
               method != fb::MetaMethod::Hello && method != fb::MetaMethod::KeepAlive &&
               session_.load() != 0) {
      // Not for KeepAlive: its payload names the session it renews, which
      // may be older than used_session (another thread renewed meanwhile);
      // renewing used_session here would replace a good session and orphan
      // the locks just re-asserted on it. KeepAliveLoop renews the right one.
      renewed_session = true;
      ODFS_RETURN_IF_ERROR(RenewSession(used_session));
      retries_.fetch_add(1, std::memory_order_relaxed);
      continue;
    } else {
      return last;
    }
    retries_.fetch_add(1, std::memory_order_relaxed);
    if (sleep) {
      auto now = Clock::now();
      if (now + backoff >= deadline) {
        std::this_thread::sleep_until(deadline);
      } else {
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, options_.backoff_max);
      }
    }
  }
}

Status MetaClient::Hello() {
  std::string host = options_.host;
  if (host.empty()) {
    char name[256] = {};
    if (gethostname(name, sizeof(name) - 1) == 0) host = name;
  }
  auto r = Invoke<fb::HelloReply>(
      fb::MetaMethod::Hello, Retry::kIdempotent, [&](fbs::FlatBufferBuilder& b) {
        return fb::CreateHelloRequestDirect(b, host.c_str(),
                                            options_.mountpoint.c_str(),
                                            static_cast<uint32_t>(getpid()),
                                            options_.version.c_str())
            .Union();
      });
  if (!r.ok()) return r.status().Annotate("hello");
  const auto* h = r->As<fb::HelloReply>();
  session_ = h->session();
  lease_ms_ = h->lease_ms();
  last_renewal_ms_ = NowMs();
  log_.Info("meta-client: session={} lease_ms={} leader={} cluster_id={}",
            h->session(), h->lease_ms(), leader(),
            h->cluster_id() ? h->cluster_id()->str() : "");
  return Status::Ok();
}

Status MetaClient::RenewSession(uint64_t expired) {
  std::lock_guard<std::recursive_mutex> renewing(renew_mu_);
  bool lapsed = false;
  std::function<void(bool)> hook;
  {
    std::lock_guard<std::mutex> lock(hello_mu_);
    if (session_.load() != expired) return Status::Ok();  // another thread did it
    log_.Warn("meta-client: session {} expired; files opened under it lose "
              "their handles; opening a new session", expired);
    lapsed = NowMs() - last_renewal_ms_.load() > static_cast<int64_t>(lease_ms_.load());
    ODFS_RETURN_IF_ERROR(Hello());
    hook = renewed_hook_;
  }
  // Outside hello_mu_ (the hook calls metad and may renew again), inside
  // renew_mu_ (other threads' resends wait for it).
  if (hook) hook(lapsed);
  return Status::Ok();
}

Status MetaClient::StartSession() {
  ODFS_RETURN_IF_ERROR(Hello());
  {
    std::lock_guard<std::mutex> lock(ka_mu_);
    ka_stop_ = false;
  }
  if (!ka_thread_.joinable()) ka_thread_ = std::thread([this] { KeepAliveLoop(); });
  return Status::Ok();
}

void MetaClient::StopSession() {
  {
    std::lock_guard<std::mutex> lock(ka_mu_);
    ka_stop_ = true;
  }
  ka_cv_.notify_all();
  if (ka_thread_.joinable()) ka_thread_.join();
}

void MetaClient::KeepAliveLoop() {
  for (;;) {
    uint32_t lease = lease_ms_.load();
    milliseconds period(std::max<uint32_t>(lease / 3, 100));
    {
      std::unique_lock<std::mutex> lock(ka_mu_);
      if (ka_cv_.wait_for(lock, period, [this] { return ka_stop_; })) return;
    }
    uint64_t session = session_.load();
    auto r = Invoke<fb::KeepAliveReply>(
        fb::MetaMethod::KeepAlive, Retry::kIdempotent,
        [&](fbs::FlatBufferBuilder& b) {
          return fb::CreateKeepAliveRequest(b, session).Union();
        });
    if (r.ok()) {
      last_renewal_ms_ = NowMs();
      if (r->As<fb::KeepAliveReply>()->lease_ms() > 0)
        lease_ms_ = r->As<fb::KeepAliveReply>()->lease_ms();
      continue;
    }
    if (r.status().code() == StatusCode::SessionExpired) {
      Status h = RenewSession(session);
      if (!h.ok()) log_.Error("meta-client: renewing session failed: {}", h.ToString());
    } else if (r.status().code() != StatusCode::ShuttingDown) {
      log_.Warn("meta-client: keepalive session={} failed: {}", session,
                r.status().ToString());
    }
  }
}

// ---- typed wrappers -------------------------------------------------------

Result<fb::Attr> MetaClient::AttrCall(fb::MetaMethod method, Retry retry,
                                      const BuildFn& build) {
  ODFS_ASSIGN_OR_RETURN(Reply r, Invoke<fb::AttrReply>(method, retry, build));
  const fb::Attr* a = r.As<fb::AttrReply>()->attr();
  if (a == nullptr) return Missing("attr");
  return *a;
}

Result<OpenResult> MetaClient::OpenCall(fb::MetaMethod method, Retry retry,
                                        const BuildFn& build) {
  ODFS_ASSIGN_OR_RETURN(Reply r, Invoke<fb::OpenReply>(method, retry, build));
  const auto* o = r.As<fb::OpenReply>();
  if (o->attr() == nullptr) return Missing("attr");
  return OpenResult{*o->attr(), o->handle(), o->inline_max(), o->has_blocks()};
}

Status MetaClient::EmptyCall(fb::MetaMethod method, Retry retry,
                             const BuildFn& build) {
  return Invoke<fb::EmptyReply>(method, retry, build).status();
}

Result<fb::Attr> MetaClient::Lookup(const Cred& c, uint64_t parent,
                                    std::string_view name) {
  return AttrCall(fb::MetaMethod::Lookup, Retry::kIdempotent,
                  [&](fbs::FlatBufferBuilder& b) {
                    auto caller = MakeCaller(b, c);
                    auto n = b.CreateString(name);
                    return fb::CreateLookupRequest(b, caller, parent, n).Union();
                  });
}

Result<fb::Attr> MetaClient::GetAttr(const Cred& c, uint64_t ino) {
  return AttrCall(fb::MetaMethod::GetAttr, Retry::kIdempotent,
                  [&](fbs::FlatBufferBuilder& b) {
                    auto caller = MakeCaller(b, c);
                    return fb::CreateGetAttrRequest(b, caller, ino).Union();
                  });
}

Result<fb::Attr> MetaClient::SetAttr(const Cred& c, uint64_t ino,
                                     const SetAttrArgs& a) {
  // Absolute values: sending twice leaves the same state.
  return AttrCall(fb::MetaMethod::SetAttr, Retry::kIdempotent,
                  [&](fbs::FlatBufferBuilder& b) {
                    auto caller = MakeCaller(b, c);
                    return fb::CreateSetAttrRequest(b, caller, ino, a.valid, a.mode,
                                                    a.uid, a.gid, a.size,
                                                    a.atime_ns, a.mtime_ns, a.handle)
                        .Union();
                  });
}

Result<fb::Attr> MetaClient::Mknod(const Cred& c, uint64_t parent,
                                   std::string_view name, uint32_t mode,
                                   uint64_t rdev, uint32_t umask) {
  return AttrCall(fb::MetaMethod::Mknod, Retry::kExactlyOnce,
                  [&](fbs::FlatBufferBuilder& b) {
                    auto caller = MakeCaller(b, c);
                    auto n = b.CreateString(name);
                    return fb::CreateMknodRequest(b, caller, parent, n, mode, rdev,
                                                  umask)
                        .Union();
                  });
}

Result<fb::Attr> MetaClient::Mkdir(const Cred& c, uint64_t parent,
                                   std::string_view name, uint32_t mode,
                                   uint32_t umask) {
  return AttrCall(fb::MetaMethod::Mkdir, Retry::kExactlyOnce,
                  [&](fbs::FlatBufferBuilder& b) {
                    auto caller = MakeCaller(b, c);
                    auto n = b.CreateString(name);
                    return fb::CreateMkdirRequest(b, caller, parent, n, mode, umask)
                        .Union();
                  });
}

Result<OpenResult> MetaClient::Create(const Cred& c, uint64_t parent,
                                      std::string_view name, uint32_t mode,
                                      uint32_t umask, uint32_t flags,
                                      uint32_t block_size, uint16_t replication) {
  return OpenCall(fb::MetaMethod::Create, Retry::kExactlyOnce,
                  [&](fbs::FlatBufferBuilder& b) {
                    auto caller = MakeCaller(b, c);
                    auto n = b.CreateString(name);
                    return fb::CreateCreateRequest(b, caller, parent, n, mode, umask,
                                                   flags, block_size, replication)
                        .Union();
                  });
}

Result<fb::Attr> MetaClient::Symlink(const Cred& c, uint64_t parent,
                                     std::string_view name,
                                     std::string_view target) {
  return AttrCall(fb::MetaMethod::Symlink, Retry::kExactlyOnce,
                  [&](fbs::FlatBufferBuilder& b) {
                    auto caller = MakeCaller(b, c);
                    auto n = b.CreateString(name);
                    auto t = b.CreateString(target);
                    return fb::CreateSymlinkRequest(b, caller, parent, n, t).Union();
                  });
}

Result<std::string> MetaClient::ReadLink(const Cred& c, uint64_t ino) {
  ODFS_ASSIGN_OR_RETURN(
      Reply r, Invoke<fb::ReadLinkReply>(
                   fb::MetaMethod::ReadLink, Retry::kIdempotent,
                   [&](fbs::FlatBufferBuilder& b) {
                     auto caller = MakeCaller(b, c);
                     return fb::CreateReadLinkRequest(b, caller, ino).Union();
                   }));
  const auto* t = r.As<fb::ReadLinkReply>()->target();
  if (t == nullptr) return Missing("target");
  return t->str();
}

Result<fb::Attr> MetaClient::Link(const Cred& c, uint64_t ino,
                                  uint64_t new_parent, std::string_view new_name) {
  return AttrCall(fb::MetaMethod::Link, Retry::kExactlyOnce,
                  [&](fbs::FlatBufferBuilder& b) {
                    auto caller = MakeCaller(b, c);
                    auto n = b.CreateString(new_name);
                    return fb::CreateLinkRequest(b, caller, ino, new_parent, n)
                        .Union();
                  });
}

Status MetaClient::Unlink(const Cred& c, uint64_t parent, std::string_view name) {
  return EmptyCall(fb::MetaMethod::Unlink, Retry::kExactlyOnce,
                   [&](fbs::FlatBufferBuilder& b) {
                     auto caller = MakeCaller(b, c);
                     auto n = b.CreateString(name);
                     return fb::CreateUnlinkRequest(b, caller, parent, n).Union();
                   });
}

Status MetaClient::Rmdir(const Cred& c, uint64_t parent, std::string_view name) {
  return EmptyCall(fb::MetaMethod::Rmdir, Retry::kExactlyOnce,
                   [&](fbs::FlatBufferBuilder& b) {
                     auto caller = MakeCaller(b, c);
                     auto n = b.CreateString(name);
                     return fb::CreateRmdirRequest(b, caller, parent, n).Union();
                   });
}

Status MetaClient::Rename(const Cred& c, uint64_t parent, std::string_view name,
                          uint64_t new_parent, std::string_view new_name,
                          uint32_t flags) {
  return EmptyCall(fb::MetaMethod::Rename, Retry::kExactlyOnce,
                   [&](fbs::FlatBufferBuilder& b) {
                     auto caller = MakeCaller(b, c);
                     auto n = b.CreateString(name);
                     auto nn = b.CreateString(new_name);
                     return fb::CreateRenameRequest(b, caller, parent, n, new_parent,
                                                    nn, flags)
                         .Union();
                   });
}

Result<OpenResult> MetaClient::Open(const Cred& c, uint64_t ino, uint32_t flags) {
  // Not idempotent: a resent Open would leave a second handle on metad.
  return OpenCall(fb::MetaMethod::Open, Retry::kExactlyOnce,
                  [&](fbs::FlatBufferBuilder& b) {
                    auto caller = MakeCaller(b, c);
                    return fb::CreateOpenRequest(b, caller, ino, flags).Union();
                  });
}

Status MetaClient::Release(const Cred& c, uint64_t ino, uint64_t handle) {
  return EmptyCall(fb::MetaMethod::Release, Retry::kIdempotent,
                   [&](fbs::FlatBufferBuilder& b) {
                     auto caller = MakeCaller(b, c);
                     return fb::CreateReleaseRequest(b, caller, ino, handle).Union();
                   });
}

Result<DirPage> MetaClient::ReadDir(const Cred& c, uint64_t ino, uint64_t cookie,
                                    uint32_t max_entries, bool plus) {
  ODFS_ASSIGN_OR_RETURN(
      Reply r, Invoke<fb::ReadDirReply>(
                   fb::MetaMethod::ReadDir, Retry::kIdempotent,
                   [&](fbs::FlatBufferBuilder& b) {
                     auto caller = MakeCaller(b, c);
                     return fb::CreateReadDirRequest(b, caller, ino, cookie,
                                                     max_entries, plus)
                         .Union();
                   }));
  const auto* rep = r.As<fb::ReadDirReply>();
  DirPage page;
  page.eof = rep->eof();
  if (rep->entries()) {
    page.entries.reserve(rep->entries()->size());
    for (const fb::DirEntry* e : *rep->entries()) {
      DirEntryInfo d;
      if (e->name()) d.name = e->name()->str();
      d.ino = e->ino();
      d.mode = e->mode();
      d.cookie = e->cookie();
      if (e->attr()) d.attr = *e->attr();
      page.entries.push_back(std::move(d));
    }
  }
  return page;
}

Result<StatFsInfo> MetaClient::StatFs(const Cred& c) {
  ODFS_ASSIGN_OR_RETURN(
      Reply r, Invoke<fb::StatFsReply>(fb::MetaMethod::StatFs, Retry::kIdempotent,
                                       [&](fbs::FlatBufferBuilder& b) {
                                         auto caller = MakeCaller(b, c);
                                         return fb::CreateStatFsRequest(b, caller)
                                             .Union();
                                       }));
  const auto* s = r.As<fb::StatFsReply>();
  return StatFsInfo{s->capacity_bytes(), s->used_bytes(), s->free_bytes(),
                    s->inodes(),         s->block_size(), s->name_max()};
}

Status MetaClient::SetXattr(const Cred& c, uint64_t ino, std::string_view name,
                            std::string_view value, uint32_t flags) {
  // XATTR_CREATE/XATTR_REPLACE make a resend fail; plain sets are idempotent.
  Retry retry = flags == 0 ? Retry::kIdempotent : Retry::kExactlyOnce;
  return EmptyCall(fb::MetaMethod::SetXattr, retry, [&](fbs::FlatBufferBuilder& b) {
    auto caller = MakeCaller(b, c);
    auto n = b.CreateString(name);
    auto v = b.CreateVector(reinterpret_cast<const uint8_t*>(value.data()),
                            value.size());
    return fb::CreateSetXattrRequest(b, caller, ino, n, v, flags).Union();
  });
}

Result<std::string> MetaClient::GetXattr(const Cred& c, uint64_t ino,
                                         std::string_view name) {
  ODFS_ASSIGN_OR_RETURN(
      Reply r, Invoke<fb::GetXattrReply>(
                   fb::MetaMethod::GetXattr, Retry::kIdempotent,
                   [&](fbs::FlatBufferBuilder& b) {
                     auto caller = MakeCaller(b, c);
                     auto n = b.CreateString(name);
                     return fb::CreateGetXattrRequest(b, caller, ino, n).Union();
                   }));
  const auto* v = r.As<fb::GetXattrReply>()->value();
  if (v == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(v->data()), v->size());
}

Result<std::vector<std::string>> MetaClient::ListXattr(const Cred& c, uint64_t ino) {
  ODFS_ASSIGN_OR_RETURN(
      Reply r, Invoke<fb::ListXattrReply>(
                   fb::MetaMethod::ListXattr, Retry::kIdempotent,
                   [&](fbs::FlatBufferBuilder& b) {
                     auto caller = MakeCaller(b, c);
                     return fb::CreateListXattrRequest(b, caller, ino).Union();
                   }));
  std::vector<std::string> names;
  if (const auto* n = r.As<fb::ListXattrReply>()->names()) {
    for (const auto* s : *n) names.push_back(s->str());
  }
  return names;
}

Status MetaClient::RemoveXattr(const Cred& c, uint64_t ino, std::string_view name) {
  return EmptyCall(fb::MetaMethod::RemoveXattr, Retry::kExactlyOnce,
                   [&](fbs::FlatBufferBuilder& b) {
                     auto caller = MakeCaller(b, c);
                     auto n = b.CreateString(name);
                     return fb::CreateRemoveXattrRequest(b, caller, ino, n).Union();
                   });
}

Status MetaClient::Access(const Cred& c, uint64_t ino, uint32_t mask) {
  return EmptyCall(fb::MetaMethod::Access, Retry::kIdempotent,
                   [&](fbs::FlatBufferBuilder& b) {
                     auto caller = MakeCaller(b, c);
                     return fb::CreateAccessRequest(b, caller, ino, mask).Union();
                   });
}

Result<BlocksPage> MetaClient::GetBlocks(const Cred& c, uint64_t ino,
                                         uint64_t first_index, uint32_t count) {
  ODFS_ASSIGN_OR_RETURN(
      Reply r, Invoke<fb::GetBlocksReply>(
                   fb::MetaMethod::GetBlocks, Retry::kIdempotent,
                   [&](fbs::FlatBufferBuilder& b) {
                     auto caller = MakeCaller(b, c);
                     return fb::CreateGetBlocksRequest(b, caller, ino, first_index,
                                                       count)
                         .Union();
                   }));
  const auto* rep = r.As<fb::GetBlocksReply>();
  if (rep->attr() == nullptr) return Missing("attr");
  BlocksPage page;
  page.attr = *rep->attr();
  if (rep->blocks()) {
    for (const auto* l : *rep->blocks()) page.blocks.push_back(ToBlockLoc(*l));
  }
  if (rep->inline_data())
    page.inline_data.assign(reinterpret_cast<const char*>(rep->inline_data()->data()),
                            rep->inline_data()->size());
  return page;
}

Result<WriteGrant> MetaClient::WriteBlock(const Cred& c, uint64_t ino,
                                          uint64_t index, uint64_t handle) {
  // Not idempotent (a plain resend would open a second write: a new block,
  // or the version bumped again), so sent exactly-once: a resend after a
  // failover is answered with the write the first attempt opened
  // (metad/server/write_retry.h).
  ODFS_ASSIGN_OR_RETURN(
      Reply r, Invoke<fb::WriteBlockReply>(
                   fb::MetaMethod::WriteBlock, Retry::kExactlyOnce,
                   [&](fbs::FlatBufferBuilder& b) {
                     auto caller = MakeCaller(b, c);
                     return fb::CreateWriteBlockRequest(b, caller, ino, index, handle)
                         .Union();
                   }));
  const auto* rep = r.As<fb::WriteBlockReply>();
  if (rep->block() == nullptr) return Missing("block");
  WriteGrant g;
  g.block = ToBlockLoc(*rep->block());
  g.block_size = rep->block_size();
  g.new_block = rep->new_block();
  g.lease_ms = rep->lease_ms();
  return g;
}

Status MetaClient::ReassertBlockWrite(const Cred& c, uint64_t ino, uint64_t index,
                                      uint64_t version) {
  return Invoke<fb::WriteBlockReply>(
             fb::MetaMethod::WriteBlock, Retry::kIdempotent,
             [&](fbs::FlatBufferBuilder& b) {
               auto caller = MakeCaller(b, c);
               return fb::CreateWriteBlockRequest(b, caller, ino, index, 0, version).Union();
             })
      .status();
}

Result<fb::Attr> MetaClient::CommitBlock(const Cred& c, const CommitArgs& a) {
  // Same (block, version, length, replicas) twice records the same state.
  ODFS_ASSIGN_OR_RETURN(
      Reply r, Invoke<fb::CommitBlockReply>(
                   fb::MetaMethod::CommitBlock, Retry::kIdempotent,
                   [&](fbs::FlatBufferBuilder& b) {
                     auto caller = MakeCaller(b, c);
                     auto reps = StringVec(b, a.replicas);
                     return fb::CreateCommitBlockRequest(
                                b, caller, a.ino, a.index, a.block_id, a.version,
                                a.length, a.file_size, a.mtime_ns, reps)
                         .Union();
                   }));
  const fb::Attr* attr = r.As<fb::CommitBlockReply>()->attr();
  if (attr == nullptr) return Missing("attr");
  return *attr;
}

Result<fb::Attr> MetaClient::WriteInline(const Cred& c, uint64_t ino, uint64_t handle,
                                         const std::vector<InlineWriteArgs>& writes,
                                         uint64_t file_size, int64_t mtime_ns,
                                         const ExplicitTimes* times) {
  // Writing the same bytes again leaves the same data: safe to resend.
  return AttrCall(fb::MetaMethod::WriteInline, Retry::kIdempotent,
                  [&](fbs::FlatBufferBuilder& b) {
                    auto caller = MakeCaller(b, c);
                    std::vector<fbs::Offset<fb::InlineWrite>> ws;
                    ws.reserve(writes.size());
                    for (const InlineWriteArgs& w : writes) {
                      auto d = b.CreateVector(reinterpret_cast<const uint8_t*>(w.data.data()),
                                              w.data.size());
                      ws.push_back(fb::CreateInlineWrite(b, w.offset, d));
                    }
                    return fb::CreateWriteInlineRequest(
                               b, caller, ino, handle, b.CreateVector(ws), file_size,
                               times && times->mtime_ns ? *times->mtime_ns : mtime_ns,
                               times != nullptr,
                               times && times->atime_ns ? *times->atime_ns : 0,
                               times && !times->atime_ns, times && !times->mtime_ns)
                        .Union();
                  });
}

Result<uint64_t> MetaClient::SetGoal(const Cred& c, uint64_t ino,
                                     uint16_t replication, bool recursive) {
  ODFS_ASSIGN_OR_RETURN(
      Reply r, Invoke<fb::SetGoalReply>(
                   fb::MetaMethod::SetGoal, Retry::kIdempotent,
                   [&](fbs::FlatBufferBuilder& b) {
                     auto caller = MakeCaller(b, c);
                     return fb::CreateSetGoalRequest(b, caller, ino, replication,
                                                     recursive)
                         .Union();
                   }));
  return r.As<fb::SetGoalReply>()->changed();
}

Result<ClusterInfo> MetaClient::ClusterStatus(const Cred& c, bool with_metrics) {
  ODFS_ASSIGN_OR_RETURN(
      Reply r, Invoke<fb::ClusterStatusReply>(
                   fb::MetaMethod::ClusterStatus, Retry::kIdempotent,
                   [&](fbs::FlatBufferBuilder& b) {
                     auto caller = MakeCaller(b, c);
                     return fb::CreateClusterStatusRequest(b, caller, with_metrics).Union();
                   }));
  const auto* rep = r.As<fb::ClusterStatusReply>();
  auto str = [](const fbs::String* s) { return s ? s->str() : std::string(); };
  ClusterInfo info;
  info.files = rep->files();
  info.blocks = rep->blocks();
  info.under_replicated = rep->under_replicated();
  info.missing = rep->missing();
  info.corrupt = rep->corrupt();
  info.pending_copies = rep->pending_copies();
  info.pending_deletions = rep->pending_deletions();
  info.copies_completed = rep->copies_completed();
  info.waiting_for_reports = rep->waiting_for_reports();
  info.metrics_text = str(rep->metrics_text());
  if (rep->metads()) {
    for (const auto* m : *rep->metads()) {
      info.metads.push_back({str(m->address()), str(m->role()), str(m->ballot()),
                             m->committed_index(), m->applied_index(),
                             m->is_leader()});
    }
  }
  if (rep->blockds()) {
    for (const auto* d : *rep->blockds()) {
      info.blockds.push_back({str(d->address()), str(d->rack()), str(d->state()),
                              d->capacity_bytes(), d->used_bytes(), d->blocks(),
                              d->last_heartbeat_ms(), d->drained()});
    }
  }
  return info;
}

Result<BlockdAdminResult> MetaClient::Decommission(const Cred& c, std::string_view address,
                                                   bool on) {
  ODFS_ASSIGN_OR_RETURN(
      Reply r, Invoke<fb::BlockdAdminReply>(
                   fb::MetaMethod::BlockdAdmin, Retry::kIdempotent,
                   [&](fbs::FlatBufferBuilder& b) {
                     auto caller = MakeCaller(b, c);
                     auto addr = b.CreateString(address);
                     return fb::CreateBlockdAdminRequest(
                                b, caller, addr,
                                on ? fb::BlockdAdminAction::Decommission
                                   : fb::BlockdAdminAction::Recommission)
                         .Union();
                   }));
  const auto* rep = r.As<fb::BlockdAdminReply>();
  return BlockdAdminResult{rep->state() ? rep->state()->str() : "", rep->drained(),
                           rep->blocks()};
}

Result<FsckFileInfo> MetaClient::Fsck(const Cred& c, uint64_t ino) {
  ODFS_ASSIGN_OR_RETURN(
      Reply r, Invoke<fb::FsckReply>(fb::MetaMethod::Fsck, Retry::kIdempotent,
                                     [&](fbs::FlatBufferBuilder& b) {
                                       auto caller = MakeCaller(b, c);
                                       return fb::CreateFsckRequest(b, caller, ino).Union();
                                     }));
  const auto* rep = r.As<fb::FsckReply>();
  auto str = [](const fbs::String* s) { return s ? s->str() : std::string(); };
  FsckFileInfo out;
  out.goal = rep->goal();
  if (rep->blocks()) {
    for (const auto* b : *rep->blocks()) {
      FsckBlockInfo bi{b->index(), b->id(), b->version(), b->length(),
                       b->goal(),  b->good(), b->mis_replicated(), {}};
      if (b->replicas())
        for (const auto* x : *b->replicas())
          bi.replicas.push_back({str(x->address()), str(x->rack()), str(x->state()), x->version()});
      out.blocks.push_back(std::move(bi));
    }
  }
  return out;
}

Status MetaClient::ReportBadReplica(const Cred& c, uint64_t block_id,
                                    uint64_t version, std::string_view replica,
                                    std::string_view reason) {
  return EmptyCall(fb::MetaMethod::ReportBadReplica, Retry::kIdempotent,
                   [&](fbs::FlatBufferBuilder& b) {
                     auto caller = MakeCaller(b, c);
                     auto rep = b.CreateString(replica);
                     auto why = b.CreateString(reason);
                     return fb::CreateReportBadReplicaRequest(b, caller, block_id,
                                                              version, rep, why)
                         .Union();
                   });
}


// ---- cluster-wide locks ---------------------------------------------------

namespace {

fbs::Offset<fb::LockSpec> MakeLockSpec(fbs::FlatBufferBuilder& b, const LockArgs& l) {
  return fb::CreateLockSpec(b, static_cast<fb::LockKindWire>(l.kind),
                            static_cast<fb::LockTypeWire>(l.type), l.start, l.end, l.pid);
}

}  // namespace

Status MetaClient::SetLock(const Cred& c, uint64_t ino, uint64_t owner, const LockArgs& lock,
                           bool wait, bool reclaim) {
  // Setting the same lock twice leaves the same state: safe to resend.
  return EmptyCall(fb::MetaMethod::SetLock, Retry::kIdempotent, [&](fbs::FlatBufferBuilder& b) {
    auto caller = MakeCaller(b, c);
    auto spec = MakeLockSpec(b, lock);
    return fb::CreateSetLockRequest(b, caller, ino, owner, spec, wait, reclaim).Union();
  });
}

Result<std::optional<HeldLock>> MetaClient::GetLock(const Cred& c, uint64_t ino, uint64_t owner,
                                                    const LockArgs& lock) {
  ODFS_ASSIGN_OR_RETURN(
      Reply r, Invoke<fb::GetLockReply>(
                   fb::MetaMethod::GetLock, Retry::kIdempotent, [&](fbs::FlatBufferBuilder& b) {
                     auto caller = MakeCaller(b, c);
                     auto spec = MakeLockSpec(b, lock);
                     return fb::CreateGetLockRequest(b, caller, ino, owner, spec).Union();
                   }));
  const auto* g = r.As<fb::GetLockReply>();
  if (!g->found()) return std::optional<HeldLock>();
  if (g->lock() == nullptr) return Missing("lock");
  HeldLock h;
  h.lock.kind = static_cast<uint8_t>(g->lock()->kind());
  h.lock.type = static_cast<uint8_t>(g->lock()->type());
  h.lock.start = g->lock()->start();
  h.lock.end = g->lock()->end();
  h.lock.pid = g->lock()->pid();
  h.session = g->holder_session();
  return std::optional<HeldLock>(h);
}

Status MetaClient::ReleaseLocks(const Cred& c, uint64_t ino, uint64_t owner, bool flock) {
  return EmptyCall(fb::MetaMethod::ReleaseLocks, Retry::kIdempotent,
                   [&](fbs::FlatBufferBuilder& b) {
                     auto caller = MakeCaller(b, c);
                     return fb::CreateReleaseLocksRequest(
                                b, caller, ino, owner,
                                flock ? fb::LockKindWire::Flock : fb::LockKindWire::Posix)
                         .Union();
                   });
}

}  // namespace opendfs::client

namespace opendfs::client {

Result<CacheEventsPage> MetaClient::AwaitEvents(uint64_t epoch, uint64_t acked,
                                                milliseconds wait) {
  const Endpoint target = Target();
  const uint64_t session = session_.load();
  fbs::FlatBufferBuilder fbb(64);
  fbb.Finish(fb::CreateAwaitEventsRequest(fbb, session, epoch, acked,
                                          static_cast<uint32_t>(wait.count())));
  Result<Reply> r = rpc_.CallRaw(target, static_cast<uint16_t>(fb::MetaMethod::AwaitEvents),
                                 SharePayload(fbb), {}, wait + options_.call_timeout,
                                 &VerifyPayload<fb::AwaitEventsReply>);
  if (!r.ok()) {
    const Status& s = r.status();
    auto leader = Endpoint::Parse(s.message());
    if (s.code() == StatusCode::NotLeader && !s.message().empty() && leader.ok()) {
      SetLeader(*leader);
    } else if (s.code() == StatusCode::SessionExpired && session != 0) {
      ODFS_RETURN_IF_ERROR(RenewSession(session));
    } else if (s.code() != StatusCode::Busy) {
      NextTarget(target);
    }
    return s;
  }
  const auto* p = r->As<fb::AwaitEventsReply>();
  CacheEventsPage page;
  page.last_seq = p->last_seq();
  page.epoch = p->epoch();
  if (p->events()) {
    page.events.reserve(p->events()->size());
    for (const fb::CacheEvent* e : *p->events())
      page.events.push_back(CacheEventInfo{e->kind(), e->ino(), e->parent(),
                                           e->name() ? e->name()->str() : std::string(),
                                           e->gone()});
  }
  return page;
}

}  // namespace opendfs::client
