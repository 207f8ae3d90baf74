// MetaClient: typed calls to the metad group (schema/meta.fbs).
//
// Happy path: StartSession() sends Hello to the leader and starts a thread
// that sends KeepAlive every lease/3; each wrapper (Lookup, Create, ...)
// builds its request with the caller's Cred and the session, sends it to the
// current leader and decodes the reply.
//
// Leader discovery and retries (Invoke):
//   NotLeader     go to the leader named in the error (or the next metad when
//                 none is named); the request did not run, so every call
//                 follows redirects.
//   ConnRefused, Unreachable, Busy
//                 the request never ran: try the next metad (Busy: the same
//                 one) after a backoff once every metad was tried.
//   TimedOut, ConnReset
//                 the request may have run: retried (on the next metad) for
//                 idempotent calls and for mutations sent exactly-once (the
//                 Caller carries this client's random id and one request id
//                 reused by every attempt; the leader answers a duplicate
//                 from its replicated request table); others fail.
//   SessionExpired
//                 a new session is opened with Hello and the call retried once.
//   anything else is the answer (NotFound, AccessDenied, ...).
// Every call is bounded by options.deadline across all attempts; each attempt
// by min(call_timeout, time left).
//
// Threads: every method may be called concurrently from any thread except the
// rpc Client's loop thread. The Client and Logger must outlive the MetaClient.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "libnet/client.h"
#include "libnet/endpoint.h"
#include "libnet/log.h"
#include "libnet/status.h"
#include "meta_generated.h"
#include "mount/client/types.h"

namespace opendfs::client {

struct MetaClientOptions {
  std::vector<Endpoint> metads;
  std::chrono::milliseconds call_timeout{10000};  // one attempt
  std::chrono::milliseconds deadline{60000};      // all attempts of one call
  std::chrono::milliseconds backoff_min{50};
  std::chrono::milliseconds backoff_max{2000};
  // Caller.host, for nearest-replica ordering; empty lets metad use the
  // connection's address (what blockd addresses are compared with).
  std::string host;
  std::string mountpoint;  // Hello.mountpoint ("" for the CLI)
  std::string version = "opendfs-client/0.1";
};

class MetaClient {
 public:
  MetaClient(MetaClientOptions options, Client& rpc, Logger& log);
  ~MetaClient();  // StopSession()
  MetaClient(const MetaClient&) = delete;
  MetaClient& operator=(const MetaClient&) = delete;

  // Hello, then a KeepAlive thread. Without a session, requests carry
  // session 0 (one-shot CLI calls that open no file).
  Status StartSession();
  // Stops the KeepAlive thread (the session then expires on metad).
  void StopSession();
  uint64_t session() const { return session_.load(); }
  const MetaClientOptions& options() const { return options_; }
  // The metad last known to be the leader, "host:port".
  std::string leader() const;

  Result<fb::Attr> Lookup(const Cred& c, uint64_t parent, std::string_view name);
  Result<fb::Attr> GetAttr(const Cred& c, uint64_t ino);
  Result<fb::Attr> SetAttr(const Cred& c, uint64_t ino, const SetAttrArgs& a);
  Result<fb::Attr> Mknod(const Cred& c, uint64_t parent, std::string_view name,
                         uint32_t mode, uint64_t rdev, uint32_t umask);
  Result<fb::Attr> Mkdir(const Cred& c, uint64_t parent, std::string_view name,
                         uint32_t mode, uint32_t umask);
  Result<OpenResult> Create(const Cred& c, uint64_t parent, std::string_view name,
                            uint32_t mode, uint32_t umask, uint32_t flags,
                            uint32_t block_size, uint16_t replication);
  Result<fb::Attr> Symlink(const Cred& c, uint64_t parent, std::string_view name,
                           std::string_view target);
  Result<std::string> ReadLink(const Cred& c, uint64_t ino);
  Result<fb::Attr> Link(const Cred& c, uint64_t ino, uint64_t new_parent,
                        std::string_view new_name);
  Status Unlink(const Cred& c, uint64_t parent, std::string_view name);
  Status Rmdir(const Cred& c, uint64_t parent, std::string_view name);
  Status Rename(const Cred& c, uint64_t parent, std::string_view name,
                uint64_t new_parent, std::string_view new_name, uint32_t flags);
  Result<OpenResult> Open(const Cred& c, uint64_t ino, uint32_t flags);
  Status Release(const Cred& c, uint64_t ino, uint64_t handle);
  Result<DirPage> ReadDir(const Cred& c, uint64_t ino, uint64_t cookie,
                          uint32_t max_entries, bool plus);
  Result<StatFsInfo> StatFs(const Cred& c);
  Status SetXattr(const Cred& c, uint64_t ino, std::string_view name,
                  std::string_view value, uint32_t flags);
  Result<std::string> GetXattr(const Cred& c, uint64_t ino, std::string_view name);
  Result<std::vector<std::string>> ListXattr(const Cred& c, uint64_t ino);
  Status RemoveXattr(const Cred& c, uint64_t ino, std::string_view name);
  Status Access(const Cred& c, uint64_t ino, uint32_t mask);
  Result<BlocksPage> GetBlocks(const Cred& c, uint64_t ino, uint64_t first_index,
                               uint32_t count);
  Result<WriteGrant> WriteBlock(const Cred& c, uint64_t ino, uint64_t index,
                                uint64_t handle);
  // After a leader change: takes back, on the current session, the write
  // lock of block `index` opened at `version` under the old leader
  // (StaleVersion: the write was settled meanwhile). Idempotent.
  Status ReassertBlockWrite(const Cred& c, uint64_t ino, uint64_t index, uint64_t version);
  Result<fb::Attr> CommitBlock(const Cred& c, const CommitArgs& a);
  // A small file's writes, applied in order to its inline data (Stale once
  // the file has blocks; FileTooBig past the metad's inline_max).
  // `times`: also set atime/mtime (owner or root, else NotPermitted and
  // nothing written).
  Result<fb::Attr> WriteInline(const Cred& c, uint64_t ino, uint64_t handle,
                               const std::vector<InlineWriteArgs>& writes,
                               uint64_t file_size, int64_t mtime_ns,
                               const ExplicitTimes* times = nullptr);
  Result<uint64_t> SetGoal(const Cred& c, uint64_t ino, uint16_t replication,
                           bool recursive);
  // with_metrics: ClusterInfo.metrics_text gets the answering metad's metrics.
  Result<ClusterInfo> ClusterStatus(const Cred& c, bool with_metrics = false);
  // Admin: start (true) or stop draining the blockd at `address`.
  Result<BlockdAdminResult> Decommission(const Cred& c, std::string_view address, bool on);
  Result<FsckFileInfo> Fsck(const Cred& c, uint64_t ino);
  Status ReportBadReplica(const Cred& c, uint64_t block_id, uint64_t version,
                          std::string_view replica, std::string_view reason);

  // ---- cluster-wide locks (schema/meta.fbs SetLock..ReleaseLocks) ----
  // Takes, converts or drops a lock for kernel lock owner `owner` under this
  // session: LockHeld when another owner holds a conflicting one, Deadlock
  // for a waiter (`wait`) whose holder waits for it. `reclaim` re-asserts a
  // lock held under a previous leader (NoLocks once its grace is over).
  Status SetLock(const Cred& c, uint64_t ino, uint64_t owner, const LockArgs& lock,
                 bool wait, bool reclaim);
  // F_GETLK: the conflicting lock, or nullopt.
  Result<std::optional<HeldLock>> GetLock(const Cred& c, uint64_t ino, uint64_t owner,
                                          const LockArgs& lock);
  // close(2): drops every lock of `owner` on `ino` of that kind.
  Status ReleaseLocks(const Cred& c, uint64_t ino, uint64_t owner, bool flock);
  // ---- cache invalidation (schema/meta.fbs AwaitEvents) ----
  // One long poll of the leader, one attempt (the caller drops its caches
  // on any failure, so it must learn of one at once): the events after
  // `acked` of subscription `epoch`, or none after up to `wait`. A redirect
  // or a dead metad moves the leader guess for the next poll; an expired
  // session is renewed before the failure is returned.
  Result<CacheEventsPage> AwaitEvents(uint64_t epoch, uint64_t acked,
                                      std::chrono::milliseconds wait);

  // Called (on the thread that renewed it) after a new session replaced an
  // old one, so the owner of locks can re-assert them; `lapsed` = the old
  // session went without a KeepAlive for a lease (its locks are gone).
  void SetSessionRenewedHook(std::function<void(bool lapsed)> hook) {
    std::lock_guard<std::mutex> lock(hello_mu_);
    renewed_hook_ = std::move(hook);
  }
  // Calls resent after a failure or redirect (Invoke's loop), since start.
  uint64_t retries() const { return retries_.load(std::memory_order_relaxed); }

 private:
  enum class Retry {
    kIdempotent,   // safe to resend after a timeout
    kUndelivered,  // resend only when the request surely did not run
    kExactlyOnce,  // a mutation with a request id: resent like kIdempotent,
                   // the leader's request table drops a duplicate
  };
  using BuildFn =
      std::function<flatbuffers::Offset<void>(flatbuffers::FlatBufferBuilder&)>;

  template <class Resp>
  Result<Reply> Invoke(fb::MetaMethod method, Retry retry, const BuildFn& build) {
    return InvokeRaw(method, retry, build, &VerifyPayload<Resp>);
  }
  Result<Reply> InvokeRaw(fb::MetaMethod method, Retry retry,
                          const BuildFn& build, PayloadVerifier verify);
  flatbuffers::Offset<fb::Caller> MakeCaller(flatbuffers::FlatBufferBuilder& b,
                                             const Cred& c) const;
  Result<fb::Attr> AttrCall(fb::MetaMethod method, Retry retry,
                            const BuildFn& build);
  Result<OpenResult> OpenCall(fb::MetaMethod method, Retry retry,
                              const BuildFn& build);
  Status EmptyCall(fb::MetaMethod method, Retry retry, const BuildFn& build);

  Status Hello();
  // Hello again unless another thread already replaced session `expired`.
  Status RenewSession(uint64_t expired);
  void KeepAliveLoop();
  Endpoint Target();
  void SetLeader(const Endpoint& ep);
  void NextTarget(const Endpoint& failed);

  const MetaClientOptions options_;
  Client& rpc_;
  Logger& log_;
  std::atomic<uint64_t> session_{0};
  const uint64_t client_id_;                   // Caller.client_id, random
  std::atomic<uint64_t> next_request_id_{1};   // Caller.request_id
  std::atomic<uint64_t> retries_{0};
  std::atomic<uint32_t> lease_ms_{0};

  mutable std::mutex mu_;
  std::vector<Endpoint> targets_;  // GUARDED_BY(mu_): configured + learnt
  size_t current_ = 0;             // GUARDED_BY(mu_): index of the leader guess

  std::mutex hello_mu_;  // serialises session renewals

  std::mutex ka_mu_;
  std::condition_variable ka_cv_;
  bool ka_stop_ = false;  // GUARDED_BY(ka_mu_)
  std::thread ka_thread_;

  std::function<void(bool)> renewed_hook_;  // GUARDED_BY(hello_mu_)
  // Monotonic ms of the last KeepAlive (or Hello) the leader accepted.
  std::atomic<int64_t> last_renewal_ms_{0};
  // Held by RenewSession across Hello and the renewed hook, so that a call
  // which finds its session already replaced by another thread waits until
  // the hook re-registered the open files and locks before it is resent (an
  // unlink must not reach the new leader before the file's re-open).
  // Recursive: the hook's own calls may renew again on this thread.
  std::recursive_mutex renew_mu_;
};

}  // namespace opendfs::client
