// Replicator: the Multi-Paxos driver of a metad group. It wires the pure core
// (metad/paxos Node) to libnet, to its PaxosStore and to the metad's EditLog,
// and replaces the single-node GroupCommitter when ot_paxos names >1 metad.
//
// Happy path (leader): Submit(record, done) queues a record; the driver thread
// takes everything queued (one batch = one Paxos value, at most
// max_batches_in_flight values in flight, so records submitted while a round
// is out ride together), proposes it, and for each Ready of the core:
//   1. persists accepted entries + hard state in ONE WriteBatch (synced when
//      the promise or entries changed) — before any message leaves;
//   2. sends the messages one-way (PaxosAck replies are ignored);
//   3. appends every committed value's records to the EditLog in ONE synced
//      Append (dense indices, as the single-node metad), then for each record
//      apply(index, bytes) and right after it the record's done callback;
//   4. after_batch(last index) (the Checkpointer hooks in there).
// Every member applies committed values the same way, in slot order.
//
// Serving: Submit is accepted once this node is leader, holds its read lease
// (so its read barrier committed) and applied everything committed, and
// until it stops being leader (a lapsed lease alone does not stop it);
// on_serving() runs on the transition (the metad resets its id counters from
// the namespace there). Otherwise Submit returns NotLeader (empty message: the
// caller adds the leader's address from leader()). lease_held() is the
// stricter test for answering clients at all: serving AND the lease valid
// now, so an isolated leader answers nothing from its state once its lease
// ran out, although it leads until the core steps it down (an election
// timeout without a majority).
//
// Failure modes: a record whose slot was taken by another leader's value is
// completed with NotLeader (it was never committed: the client may retry);
// losing leadership fails records not yet proposed, and proposed records
// whose slot is above the commit index, with NotLeader (PendingProposals:
// an isolated leader cannot learn their outcome, so the client must move on;
// a record that was chosen anyway is answered to the retry from the
// request table); a
// PaxosStore or EditLog write failure aborts the process (Paxos must not speak
// after a lost write; restart recovers from disk).
//
// Snapshots: the log keeps `retain_slots` slots below the applied one for
// followers' catch-up. A follower needing older slots gets the leader's
// applied state instead: the leader's driver takes it (take_snapshot, a
// framed fsimage, between batches) and one sender thread streams it in
// chunks (PaxosInstallSnapshot, each acknowledged before the next); the
// follower collects the chunks and its driver installs the whole image
// (install_snapshot: fsimage store, then namespace), restarts its EditLog
// after the image's index, compacts its Paxos log through the image's slot
// and tells the core. A transfer that fails is dropped; the follower's next
// catch-up request makes the leader ship again. A crash in the middle of an
// install leaves the old image current or the new one (atomic flip), and the
// follower asks again.
//
// Threads: Submit/status/GroupStatus from any thread; hooks and done
// callbacks run on the driver thread only, one at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "libnet/client.h"
#include "libnet/endpoint.h"
#include "libnet/log.h"
#include "libnet/server.h"
#include "metad/paxos/node.h"
#include "metad/paxos/pending_proposals.h"
#include "metad/paxos/ready_driver.h"
#include "metad/replication/commit_trace.h"
#include "metad/replication/paxos_inbox.h"
#include "metad/replication/paxos_store.h"
#include "metad/store/edit_log.h"
#include "metad/store/group_committer.h"
#include "paxos_generated.h"

namespace opendfs::replication {

struct ReplicatorOptions {
  std::string bind;                  // this node's paxos endpoint (my_paxos)
  // Set: peers must prove the cluster key and every Paxos frame is MACed.
  std::shared_ptr<const ClusterKey> cluster_key;
  std::vector<std::string> members;  // every member's paxos endpoint; node id = position + 1
  paxos::NodeId self_id = paxos::kNoNode;
  std::string paxos_dir;             // the PaxosStore's RocksDB
  int64_t heartbeat_interval_ms = 50;
  int64_t election_timeout_ms = 500;
  int64_t lease_timeout_ms = 400;
  int64_t max_clock_jump_ms = 100;
  size_t queue_records_max = 8192;
  size_t batch_records_max = 4096;
  size_t batch_bytes_max = 4 << 20;
  size_t record_bytes_max = 1 << 20;
  size_t max_batches_in_flight = 2;
  paxos::Slot retain_slots = 200000;  // slots kept for followers' catch-up
  // Largest shipped snapshot a follower buffers (issue 15 §5: a bound on
  // what a peer can make us hold). An fsimage above it cannot be shipped.
  uint64_t snapshot_bytes_max = 8ull << 30;
  // Received Paxos messages waiting for the driver (PaxosInbox): past these
  // the newest are dropped (Paxos resends), never unbounded memory.
  size_t inbox_messages_max = 65536;
  size_t inbox_bytes_max = 256u << 20;
};

struct ReplicatorHooks {
  std::function<Status(uint64_t index, std::string_view record)> apply;
  std::function<void(uint64_t last_index)> after_batch;
  std::function<void()> on_serving;
  // Leader: the applied state as framed (key, value) pairs.
  std::function<Status(std::string* image)> take_snapshot;
  // Follower: replace the applied state with a shipped image that covers
  // editlog index `log_index`.
  std::function<Status(uint64_t log_index, std::string_view image)> install_snapshot;
};

struct ReplicaStatus {
  paxos::NodeId node = paxos::kNoNode;
  paxos::Role role = paxos::Role::kFollower;
  paxos::Ballot ballot;
  paxos::Slot commit_index = 0;
  paxos::Slot applied_index = 0;
  paxos::NodeId leader = paxos::kNoNode;
  bool serving = false;
  uint64_t log_index = 0;  // EditLog last index
};

class Replicator {
 public:
  using DoneFn = std::function<void(const store::Committed&)>;

  // Opens the PaxosStore and restores the core from it; `log` (already
  // recovered into the namespace by the caller) must outlive the replicator.
  static Result<std::unique_ptr<Replicator>> Open(store::EditLog& log, ReplicatorOptions options,
                                                  ReplicatorHooks hooks, Logger& logger);
  ~Replicator();  // Shutdown()
  Replicator(const Replicator&) = delete;
  Replicator& operator=(const Replicator&) = delete;

  // Binds the paxos endpoint and starts the driver thread.
  Status Start();
  // Stops the thread and the server; queued and in-flight records complete
  // with ShuttingDown (index 0). Idempotent.
  void Shutdown();

  // OK: done is called exactly once. Otherwise (NotLeader, TooBig, Busy,
  // ShuttingDown) done is never called.
  Status Submit(std::string record, DoneFn done);

  bool serving() const { return serving_.load(); }
  // Serving with a read lease valid right now (see the file comment).
  bool lease_held() const { return serving_.load() && NowMs() < lease_expiry_ms_.load(); }
  paxos::NodeId leader() const;
  paxos::NodeId self_id() const { return options_.self_id; }
  ReplicaStatus status() const;
  // Every member's status in member order (self answered locally); nullopt
  // for a member that did not answer within `timeout`.
  std::vector<std::optional<ReplicaStatus>> GroupStatus(std::chrono::milliseconds timeout);

 private:
  struct Pending {
    std::string record;
    DoneFn done;
    int64_t submit_ns = 0;  // tracing only
  };
  struct Proposal {
    uint64_t seq = 0;
    std::vector<DoneFn> dones;
    // Tracing only (CommitTrace): when each record was submitted, when the
    // batch left the queue, its Accepts left, and the leader's fsync ended.
    std::vector<int64_t> submit_ns;
    int64_t pickup_ns = 0;
    int64_t accepts_out_ns = 0;
    int64_t fsynced_ns = 0;
  };
  struct Snapshot {
    paxos::NodeId from = paxos::kNoNode;
    paxos::Slot slot = 0;     // covers slots <= slot
    uint64_t log_index = 0;   // and editlog records <= log_index
    std::string bytes;        // framed pairs
  };

  class DriverHost;  // replicator.cc: its paxos::ReadyHost

  Replicator(store::EditLog& log, ReplicatorOptions options, ReplicatorHooks hooks,
             Logger& logger);
  void Loop();
  void ProposeQueued();
  void Drain();
  void ApplyCommitted(const std::vector<paxos::LogEntry>& committed);
  void UpdateServing(int64_t now_ms);
  // Syncs the editlog if records were appended since the last sync and
  // moves durable_mark_ to mark_ (on the calling thread).
  void SyncEditLog();
  // The periodic sync, off the driver thread: RequestLogSync hands mark_ to
  // the syncer thread (unless a sync is running), which syncs the editlog
  // and publishes the mark; AdoptLogSync moves durable_mark_ forward to the
  // newest published one. An fsync stalled behind other I/O then delays no
  // Accept, Accepted or answer.
  void RequestLogSync();
  void AdoptLogSync();
  void SyncLoop();
  void PublishStatus();
  void Send(const paxos::Message& m);
  void FailQueued(const Status& s);
  // After a Ready: proposals a node that stopped leading cannot answer.
  void FailLost();
  // Leader: take the applied state and start streaming it to `peer`.
  void ShipSnapshot(paxos::NodeId peer);
  void SendSnapshot(paxos::NodeId peer, const Snapshot& snap);  // sender thread
  // Follower: the server thread received a chunk; true when it completed one.
  uint64_t ReceiveChunk(const fb::PaxosInstallSnapshot& chunk, bool* complete);
  void InstallShipped(Snapshot snap);  // driver thread
  // CommitTrace hooks (driver thread; only called while tracing).
  void TraceArrivals(const std::vector<std::pair<uint16_t, int64_t>>& arrivals);
  void TracePersisted(const std::vector<paxos::LogEntry>& entries, int64_t start_ns);
  void TraceSent(const paxos::Message& m);
  void TraceChosen(const Proposal& p, int64_t chosen_ns);
  [[noreturn]] void Fatal(const Status& s, const char* what);
  int64_t NowMs() const;

  store::EditLog& log_;
  const ReplicatorOptions options_;
  const ReplicatorHooks hooks_;
  Logger& logger_;

  CommitTrace trace_;
  // Tracing, driver thread only: when the Accepts this loop stepped arrived.
  int64_t first_accept_arrival_ns_ = 0;
  std::unique_ptr<PaxosStore> store_;
  std::unique_ptr<paxos::XorShiftRng> rng_;
  std::unique_ptr<paxos::Node> node_;  // driver thread only (after Start)
  AppliedMark mark_;                   // driver thread only: applied
  AppliedMark durable_mark_;           // driver thread only: in the synced editlog
  int64_t last_log_sync_ms_ = 0;       // driver thread only
  paxos::Slot compacted_ = 0;          // driver thread only
  paxos::ReadyDriver driver_;          // driver thread only
  paxos::PendingProposals<Proposal> proposals_;  // driver thread only
  uint64_t next_seq_ = 1;              // driver thread only
  std::vector<Endpoint> peers_;        // index = node id - 1

  std::unique_ptr<Server> server_;
  std::unique_ptr<Client> client_;

  mutable std::mutex mu_;
  std::condition_variable cv_;         // driver waits: inbox, proposable queue, stop
  std::condition_variable has_room_;   // submitters wait: queue below its limit
  std::deque<Pending> queue_;          // GUARDED_BY(mu_)
  PaxosInbox inbox_;                   // GUARDED_BY(mu_)
  // Tracing only: (method, receive time) of Accepts/Accepteds in inbox_.
  std::vector<std::pair<uint16_t, int64_t>> arrivals_;  // GUARDED_BY(mu_)
  bool stopping_ = false;              // GUARDED_BY(mu_)
  std::optional<Snapshot> incoming_;   // GUARDED_BY(mu_): chunks so far
  std::optional<Snapshot> to_install_; // GUARDED_BY(mu_): complete, for the driver
  std::atomic<bool> serving_{false};
  // The lease's end (NowMs clock) while serving, else INT64_MIN; published
  // by the driver thread after every loop (an older value is only earlier).
  std::atomic<int64_t> lease_expiry_ms_{INT64_MIN};
  std::atomic<size_t> in_flight_{0};

  mutable std::mutex status_mu_;
  ReplicaStatus status_;               // GUARDED_BY(status_mu_)

  std::once_flag shutdown_once_;
  std::thread thread_;
  std::thread sender_;                 // one snapshot transfer at a time
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  std::optional<AppliedMark> sync_request_;  // GUARDED_BY(sync_mu_)
  std::optional<AppliedMark> synced_;        // GUARDED_BY(sync_mu_)
  bool sync_busy_ = false;                   // GUARDED_BY(sync_mu_)
  bool sync_stop_ = false;                   // GUARDED_BY(sync_mu_)
  std::thread syncer_;
  std::atomic<bool> sending_{false};
};

}  // namespace opendfs::replication
