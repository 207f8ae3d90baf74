// Implementation of the seeded simulator (see sim_cluster.h). One global
// simulated clock in milliseconds; each replica sees it plus its own offset,
// which clock jumps move. Every random decision comes from the seed.
#include "tests/metad/paxos/sim_cluster.h"

#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <vector>

#include "metad/paxos/node.h"
#include "metad/paxos/pending_proposals.h"
#include "metad/paxos/ready_driver.h"
#include "tests/metad/paxos/mem_disk.h"

namespace opendfs::paxos::testing {
namespace {

uint64_t g_current_seed = 0;

constexpr int64_t kTickMs = 5;  // the driver ticks its core every 5 ms

Config SimConfig(NodeId self, const std::vector<NodeId>& members) {
  Config c;
  c.self_id = self;
  c.members = members;
  c.heartbeat_interval_ms = 25;
  // The tightest timers Config::Validate() allows: a follower campaigns the
  // moment its lease promise runs out, so the lease bound is really tested.
  c.election_timeout_ms = 200;
  c.lease_timeout_ms = 200;
  c.max_clock_jump_ms = 50;
  c.max_inflight_slots = 16;
  c.max_entries_per_message = 8;
  return c;
}

struct Packet {
  int64_t at_ms = 0;
  uint64_t seq = 0;
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  bool is_snapshot = false;
  Message msg;
  Slot snapshot_index = 0;
  std::vector<Value> snapshot_values;
};

struct PacketLater {
  bool operator()(const Packet& a, const Packet& b) const {
    return a.at_ms != b.at_ms ? a.at_ms > b.at_ms : a.seq > b.seq;
  }
};

struct Replica {
  NodeId id = kNoNode;
  std::unique_ptr<XorShiftRng> rng;
  std::unique_ptr<Node> node;  // null while crashed
  MemDisk disk;
  std::vector<Value> applied;  // the state machine: values of slots 1..n
  int64_t clock_offset_ms = 0;
  int64_t last_jump_ms = std::numeric_limits<int32_t>::min();
  int64_t restart_at_ms = 0;
  int64_t paused_until_ms = 0;  // a frozen process (GC pause, SIGSTOP)
  int64_t next_tick_ms = 0;
  PendingProposals<uint64_t> pending;  // slot -> client id proposed here
  ReadyDriver driver;                  // the shipped Ready order (ready_driver.h)
};

std::string ValueName(const Value& v) { return v.is_noop ? "noop" : v.bytes; }

class Sim {
 public:
  Sim(uint64_t seed, const SimOptions& o) : seed_(seed), opt_(o), rng_(seed) {
    std::vector<NodeId> members;
    for (int i = 1; i <= o.nodes; ++i) members.push_back(static_cast<NodeId>(i));
    for (NodeId id : members) {
      Replica r;
      r.id = id;
      r.rng = std::make_unique<XorShiftRng>(seed * 7919 + id);
      r.clock_offset_ms = static_cast<int64_t>(rng_.Uniform(0, 10000));  // unrelated clocks
      r.next_tick_ms = static_cast<int64_t>(rng_.Uniform(0, kTickMs));
      replicas_.push_back(std::move(r));
    }
    members_ = members;
    config_ = SimConfig(1, members);
    // Each seed draws its own fault mix, so seeds differ in kind, not only
    // in schedule.
    static const uint64_t kLoss[] = {0, 1, 5, 15};
    static const uint64_t kDup[] = {0, 2, 10};
    static const int64_t kDelayMax[] = {2, 10, 40};
    static const uint64_t kCrashDen[] = {0, 3000, 800};
    static const uint64_t kProposeDen[] = {3, 10, 30};
    static const uint64_t kCompactEvery[] = {0, 8, 30};
    if (o.lossy_network) {
      loss_pct_ = kLoss[rng_.Uniform(0, 4)];
      dup_pct_ = kDup[rng_.Uniform(0, 3)];
      long_delay_pct_ = rng_.Uniform(0, 3);
    }
    delay_max_ms_ = kDelayMax[rng_.Uniform(0, 3)];
    crash_den_ = o.crashes ? kCrashDen[rng_.Uniform(0, 3)] : 0;
    crash_in_ready_den_ = o.crashes ? 400 : 0;
    propose_den_ = kProposeDen[rng_.Uniform(0, 3)];
    compact_every_ = o.compaction ? kCompactEvery[rng_.Uniform(0, 3)] : 0;
    partition_den_ = o.partitions ? 600 : 0;
    jump_den_ = o.clock_jumps ? 100 : 0;
    pause_den_ = o.crashes ? 4000 : 0;
  }

  SimResult Run() {
    Log("seed %" PRIu64 " nodes=%d loss=%" PRIu64 "%% dup=%" PRIu64 "%% delay<=%" PRId64
        " crash_den=%" PRIu64 " compact_every=%" PRIu64,
        seed_, opt_.nodes, loss_pct_, dup_pct_, delay_max_ms_, crash_den_, compact_every_);
    for (Replica& r : replicas_) Start(r);
    for (now_ = 0; error_.empty() && !done_; ++now_) {
      if (now_ == opt_.chaos_ms) Heal();
      DeliverDue();
      if (!healed_) Faults();
      if (opt_.isolate_leader) IsolatedLeader();
      CheckLease();  // clock jumps move leases too
      CheckReads();
      if (!healed_) Clients();
      Ticks();
      if (healed_) CheckLiveness();
    }
    if (error_.empty()) FinalChecks();
    if (error_.empty() && opt_.isolate_leader) IsolatedLeaderFinalChecks();
    SimResult res;
    res.ok = error_.empty();
    res.error = error_;
    res.stats = stats_;
    return res;
  }

 private:
  // ---- plumbing ----
  void Log(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
    if (!opt_.verbose) return;
    std::printf("[t=%" PRId64 "] ", now_);
    va_list ap;
    va_start(ap, fmt);
    std::vprintf(fmt, ap);
    va_end(ap);
    std::printf("\n");
  }

  void Fail(const std::string& what) {
    if (!error_.empty()) return;
    error_ = "t=" + std::to_string(now_) + "ms: " + what;
    Log("FAIL %s", what.c_str());
  }

  Replica& R(NodeId id) { return replicas_[id - 1]; }
  int64_t Local(const Replica& r) const { return now_ + r.clock_offset_ms; }
  bool Up(NodeId id) { return R(id).node != nullptr; }
  bool Paused(const Replica& r) const { return r.node && now_ < r.paused_until_ms; }
  bool Cut(NodeId a, NodeId b) const {
    return partition_active_ && side_[a - 1] != side_[b - 1];
  }

  Config ConfigFor(NodeId id) const {
    Config c = config_;
    c.self_id = id;
    return c;
  }

  void Start(Replica& r) {
    PersistedState ps = r.disk.Restore();
    r.driver = ReadyDriver(ps.hard_state.promised);
    r.node = std::make_unique<Node>(ConfigFor(r.id), *r.rng, Local(r), std::move(ps));
    r.applied = r.disk.snapshot_values;
    r.pending.TakeAll();
    HandleReady(r);
  }

  void Crash(Replica& r, const char* why) {
    Log("crash node=%u (%s)", r.id, why);
    r.node.reset();
    // Writes not yet synced: the disk kept some prefix of them.
    const size_t kept = rng_.Uniform(0, r.disk.volatile_writes.size() + 1);
    stats_.unsynced_lost += r.disk.volatile_writes.size() - kept;
    r.disk.LoseUnsynced(kept);
    r.applied.clear();
    r.pending.TakeAll();
    r.restart_at_ms = now_ + static_cast<int64_t>(rng_.Uniform(10, 1000));
    ++stats_.crashes;
  }

  // ---- the driver: paxos::ReadyDriver, the order the Replicator ships ----
  // Crash points: in Persist before the write (the Ready is lost, though the
  // leader's Accepts already left), after the write before the other
  // messages, and right after the whole Ready (replies are out). A crash also
  // loses a suffix of the unsynced writes (MemDisk::LoseUnsynced).
  class Host final : public ReadyHost {
   public:
    Host(Sim& sim, Replica& r) : sim_(sim), r_(r) {}

    bool Persist(const std::optional<HardState>& hs, const std::vector<LogEntry>& entries,
                 bool sync) override {
      if (sim_.CrashInReady()) {
        sim_.Crash(r_, sync ? "before sync: the Ready is lost" : "before an unsynced write");
        return false;
      }
      r_.disk.Write(hs, entries, sync);
      if (sim_.CrashInReady()) {
        sim_.Crash(r_, "after the write, before the other messages");
        return false;
      }
      return true;
    }
    void Send(const Message& m) override { sim_.Send(m); }
    void Apply(const std::vector<LogEntry>& committed) override {
      for (const LogEntry& e : committed) sim_.Apply(r_, e);
    }
    void AfterApply() override {
      for (const auto& [slot, id] : r_.pending.TakeLost(*r_.node)) {
        ++sim_.stats_.failed;
        sim_.Log("fail client=%" PRIu64 " slot=%" PRIu64 " node=%u (stopped leading)", id, slot,
                 r_.id);
      }
    }
    void ShipSnapshot(const SnapshotNeeded& s) override { sim_.ShipSnapshot(r_, s.peer); }
    void RoleChanged(const SoftState& ss) override {
      sim_.Log("node=%u role=%s leader=%u ballot=(%" PRIu64 ",%u)", r_.id, RoleName(ss.role),
               ss.leader_hint, ss.ballot.round, ss.ballot.node_id);
      if (ss.role == Role::kLeader) ++sim_.stats_.leaders_elected;
    }

   private:
    Sim& sim_;
    Replica& r_;
  };

  bool CrashInReady() { return crash_in_ready_den_ && rng_.OneIn(crash_in_ready_den_); }

  void HandleReady(Replica& r) {
    if (!r.node || !r.node->HasReady()) return;
    Ready rd = r.node->TakeReady();
    Host host(*this, r);
    if (!r.driver.Drive(rd, host)) return;  // crashed inside
    MaybeCompact(r);
    CheckLease();
    if (CrashInReady()) Crash(r, "right after a Ready");
  }

  void Apply(Replica& r, const LogEntry& e) {
    if (e.slot != r.applied.size() + 1) {
      Fail("node " + std::to_string(r.id) + " applied slot " + std::to_string(e.slot) +
           " after " + std::to_string(r.applied.size()));
      return;
    }
    if (canonical_.size() < e.slot) canonical_.resize(e.slot);
    std::optional<Value>& c = canonical_[e.slot - 1];
    if (c && !(*c == e.value)) {
      Fail("AGREEMENT: node " + std::to_string(r.id) + " committed " + ValueName(e.value) +
           " in slot " + std::to_string(e.slot) + " where another committed " + ValueName(*c));
      return;
    }
    c = e.value;
    r.applied.push_back(e.value);
    if (std::optional<uint64_t> id = r.pending.TakeCommitted(e.slot)) {
      if (!e.value.is_noop && e.value.bytes == std::to_string(*id)) {
        acked_[*id] = e.slot;
        max_acked_slot_ = std::max(max_acked_slot_, e.slot);
        ++stats_.acked;
        Log("ack client=%" PRIu64 " slot=%" PRIu64 " node=%u", *id, e.slot, r.id);
      }
    }
  }

  void MaybeCompact(Replica& r) {
    if (!compact_every_ || !r.node) return;
    const Slot applied = r.applied.size();
    if (applied < r.disk.snapshot_index + compact_every_) return;
    const Slot idx = applied - rng_.Uniform(0, 4);
    if (idx <= r.disk.snapshot_index) return;
    // Durable snapshot first, then the core may forget the log behind it.
    r.disk.SaveSnapshot(idx, r.applied);
    r.node->Compact(idx);
    Log("compact node=%u through=%" PRIu64, r.id, idx);
  }

  // ---- network ----
  void Enqueue(Packet p) {
    if (Cut(p.from, p.to)) return;
    if (rng_.Uniform(0, 100) < loss_pct_) return;
    const bool dup = rng_.Uniform(0, 100) < dup_pct_;
    int64_t delay = static_cast<int64_t>(rng_.Uniform(1, delay_max_ms_ + 1));
    if (rng_.Uniform(0, 100) < long_delay_pct_) delay += static_cast<int64_t>(rng_.Uniform(50, 400));
    p.at_ms = now_ + delay;
    p.seq = next_seq_++;
    if (dup) {
      Packet copy = p;
      copy.at_ms = now_ + static_cast<int64_t>(rng_.Uniform(1, delay_max_ms_ + 50));
      copy.seq = next_seq_++;
      net_.push(std::move(copy));
    }
    net_.push(std::move(p));
  }

  void Send(Message m) {
    ++stats_.messages;
    Packet p;
    p.from = m.from;
    p.to = m.to;
    p.msg = std::move(m);
    Enqueue(std::move(p));
  }

  void ShipSnapshot(Replica& from, NodeId to) {
    Packet p;
    p.from = from.id;
    p.to = to;
    p.is_snapshot = true;
    p.snapshot_index = from.disk.snapshot_index;
    p.snapshot_values = from.disk.snapshot_values;
    Log("ship snapshot %u->%u index=%" PRIu64, from.id, to, p.snapshot_index);
    Enqueue(std::move(p));
  }

  void DeliverDue() {
    while (error_.empty() && !net_.empty() && net_.top().at_ms <= now_) {
      Packet p = net_.top();
      net_.pop();
      if (!Up(p.to) || Cut(p.from, p.to)) continue;
      Replica& r = R(p.to);
      if (Paused(r)) {  // the kernel buffers it until the process runs again
        p.at_ms = r.paused_until_ms;
        p.seq = next_seq_++;
        net_.push(std::move(p));
        continue;
      }
      if (p.is_snapshot) {
        InstallSnapshot(r, p);
      } else {
        if (opt_.verbose) Log("deliver %s", Describe(p.msg).c_str());
        r.node->Step(p.msg, Local(r));
      }
      HandleReady(r);
    }
  }

  void InstallSnapshot(Replica& r, const Packet& p) {
    if (p.snapshot_index <= r.node->commit_index() || r.node->role() == Role::kLeader) return;
    for (Slot s = 1; s <= p.snapshot_index; ++s) {
      if (canonical_.size() < s || !canonical_[s - 1] || !(*canonical_[s - 1] == p.snapshot_values[s - 1])) {
        Fail("snapshot from node " + std::to_string(p.from) + " disagrees at slot " + std::to_string(s));
        return;
      }
    }
    r.disk.SaveSnapshot(p.snapshot_index, p.snapshot_values);  // durable first
    r.applied = p.snapshot_values;
    if (!r.node->InstallSnapshot(p.snapshot_index)) Fail("InstallSnapshot refused a newer snapshot");
    ++stats_.snapshots_installed;
    Log("install snapshot node=%u index=%" PRIu64, r.id, p.snapshot_index);
  }

  // ---- faults, clients, time ----
  void Faults() {
    for (Replica& r : replicas_) {
      if (!r.node) {
        if (now_ >= r.restart_at_ms) {
          Log("restart node=%u", r.id);
          Start(r);
        }
      } else if (crash_den_ && rng_.OneIn(crash_den_ * replicas_.size())) {
        Crash(r, "scheduled");
      } else if (pause_den_ && !Paused(r) && rng_.OneIn(pause_den_)) {
        r.paused_until_ms = now_ + static_cast<int64_t>(rng_.Uniform(50, 800));
        Log("pause node=%u until=%" PRId64, r.id, r.paused_until_ms);
      }
      // A jump of at most half the bound, at most once per two lease
      // timeouts per node: a follower's forward jump plus the leader's
      // backward jump within one lease stay within max_clock_jump_ms.
      if (jump_den_ && now_ - r.last_jump_ms >= 2 * config_.lease_timeout_ms &&
          rng_.OneIn(jump_den_)) {
        const auto half = static_cast<uint64_t>(config_.max_clock_jump_ms / 2);
        int64_t j = static_cast<int64_t>(rng_.Uniform(0, 2 * half + 1)) - static_cast<int64_t>(half);
        // Half the jumps are adversarial: a leader's clock goes back (its
        // lease looks longer), a follower's forward (its promise ends early).
        if (r.node && rng_.OneIn(2)) {
          const int64_t mag = static_cast<int64_t>(rng_.Uniform(half / 2, half + 1));
          j = r.node->role() == Role::kLeader ? -mag : mag;
        }
        r.clock_offset_ms += j;
        r.last_jump_ms = now_;
        Log("clock jump node=%u by=%" PRId64 "ms", r.id, j);
      }
    }
    if (partition_den_) {
      if (!partition_active_ && rng_.OneIn(partition_den_)) {
        partition_active_ = true;
        side_.assign(replicas_.size(), 0);
        for (auto& s : side_) s = static_cast<int>(rng_.Uniform(0, 2));
        partition_heal_ms_ = now_ + static_cast<int64_t>(rng_.Uniform(50, 1500));
        std::string desc;
        for (int s : side_) desc += std::to_string(s);
        Log("partition sides=%s", desc.c_str());
      } else if (partition_active_ && now_ >= partition_heal_ms_) {
        partition_active_ = false;
        Log("partition healed");
      }
    }
  }

  void Clients() {
    if (!rng_.OneIn(propose_den_)) return;
    const NodeId first = static_cast<NodeId>(rng_.Uniform(1, replicas_.size() + 1));
    if (!Up(first) || Paused(R(first))) return;
    const uint64_t id = next_client_id_++;
    ProposeResult pr = R(first).node->Propose(Value::Of(std::to_string(id)));
    NodeId at = first;
    if (pr.status == ProposeStatus::kNotLeader && pr.leader_hint != kNoNode &&
        Up(pr.leader_hint) && !Paused(R(pr.leader_hint))) {
      at = pr.leader_hint;  // the client follows the redirect once
      pr = R(at).node->Propose(Value::Of(std::to_string(id)));
    }
    if (pr.status != ProposeStatus::kOk) return;
    ++stats_.proposals;
    R(at).pending.Add(pr.slot, id);
    Log("propose client=%" PRIu64 " node=%u slot=%" PRIu64, id, at, pr.slot);
    HandleReady(R(at));
  }

  void Ticks() {
    for (Replica& r : replicas_) {
      if (!error_.empty()) return;
      if (!r.node || Paused(r) || now_ < r.next_tick_ms) continue;
      r.next_tick_ms = now_ + kTickMs;
      r.node->Tick(Local(r));
      HandleReady(r);
    }
  }

  // At most one replica may hold a valid lease at any simulated instant.
  void CheckLease() {
    NodeId holder = kNoNode;
    for (Replica& r : replicas_) {
      if (!r.node || !r.node->LeaseValid(Local(r))) continue;
      if (holder != kNoNode) {
        Fail("LEASE: nodes " + std::to_string(holder) + " and " + std::to_string(r.id) +
             " both hold a valid lease");
        return;
      }
      holder = r.id;
    }
  }

  // A replica whose lease is valid may answer reads from its applied state
  // (the driver's gate): that state must hold every acknowledged value.
  void CheckReads() {
    for (Replica& r : replicas_) {
      if (!r.node || !r.node->LeaseValid(Local(r))) continue;
      if (r.applied.size() < max_acked_slot_)
        Fail("STALE READ: node " + std::to_string(r.id) + " holds a lease with " +
             std::to_string(r.applied.size()) + " slots applied, but slot " +
             std::to_string(max_acked_slot_) + " was acknowledged");
    }
  }

  // ---- scenario: a leader cut off from every other replica ----
  void IsolatedLeader() {
    if (cut_leader_ == kNoNode) {
      if (now_ < 300 || healed_) return;
      for (Replica& r : replicas_) {
        if (!r.node || !r.node->LeaseValid(Local(r))) continue;
        // Values open at the leader when the cut starts.
        for (int k = 0; k < 3; ++k) {
          const uint64_t id = next_client_id_++;
          ProposeResult pr = r.node->Propose(Value::Of(std::to_string(id)));
          if (pr.status == ProposeStatus::kOk) r.pending.Add(pr.slot, id);
        }
        HandleReady(r);
        cut_leader_ = r.id;
        cut_ms_ = now_;
        cut_open_ = r.pending.size();
        acked_at_cut_ = stats_.acked;
        partition_active_ = true;
        side_.assign(replicas_.size(), 0);
        side_[r.id - 1] = 1;
        Log("isolate leader node=%u with %zu proposals open", r.id, cut_open_);
        return;
      }
      return;
    }
    Replica& old = R(cut_leader_);
    const int64_t since = now_ - cut_ms_;
    if (!stepped_down_ms_ && old.node && old.node->role() != Role::kLeader) {
      stepped_down_ms_ = since;
      if (!old.pending.empty())
        Fail("isolated leader stopped leading with " + std::to_string(old.pending.size()) +
             " proposals still open");
    }
    if (!stepped_down_ms_ && since > config_.lease_timeout_ms + config_.election_timeout_ms)
      Fail("isolated leader node " + std::to_string(cut_leader_) + " still leads " +
           std::to_string(since) + "ms after the cut");
    if (!new_leader_ms_) {
      for (Replica& r : replicas_)
        if (r.id != cut_leader_ && r.node && r.node->LeaseValid(Local(r))) new_leader_ms_ = since;
    }
    if (!healed_) {
      // Clients that reach the old leader keep proposing there.
      if (old.node && rng_.OneIn(20)) {
        const uint64_t id = next_client_id_++;
        ProposeResult pr = old.node->Propose(Value::Of(std::to_string(id)));
        if (pr.status == ProposeStatus::kOk) old.pending.Add(pr.slot, id);
        HandleReady(old);
      }
      partition_active_ = true;  // until Heal()
    } else if (!heal_checked_) {
      heal_checked_ = true;
      if (!new_leader_ms_) Fail("no other replica held a lease during the cut");
      if (acked_after_cut_ == 0) Fail("nothing acknowledged during the cut");
      elections_at_heal_ = stats_.leaders_elected;
    }
    if (!healed_ && new_leader_ms_) acked_after_cut_ = stats_.acked - acked_at_cut_;
  }

  void IsolatedLeaderFinalChecks() {
    if (cut_leader_ == kNoNode) return Fail("no leader was ever isolated");
    if (R(cut_leader_).node->role() == Role::kLeader)
      Fail("the isolated leader leads again after the heal");
    if (stats_.leaders_elected != elections_at_heal_)
      Fail("an election after the heal: the rejoining replica disrupted the leader");
    stats_.stepdown_ms = std::max(stats_.stepdown_ms, stepped_down_ms_);
    stats_.new_lease_ms = std::max(stats_.new_lease_ms, new_leader_ms_);
  }

  // ---- the end: heal, then liveness and convergence ----
  void Heal() {
    healed_ = true;
    heal_ms_ = now_;
    partition_active_ = false;
    loss_pct_ = dup_pct_ = long_delay_pct_ = 0;
    delay_max_ms_ = std::min<int64_t>(delay_max_ms_, 10);
    crash_den_ = crash_in_ready_den_ = 0;
    Log("heal: no more faults");
    for (Replica& r : replicas_) {
      r.paused_until_ms = 0;
      if (!r.node) Start(r);
    }
  }

  void CheckLiveness() {
    // Probe: one fresh value proposed on the current leader (again on every
    // new leader) must be acknowledged.
    if (!probe_acked_) {
      for (Replica& r : replicas_) {
        if (!r.node || r.node->role() != Role::kLeader || r.node->ballot() == probe_ballot_) continue;
        const uint64_t id = next_client_id_++;
        ProposeResult pr = r.node->Propose(Value::Of(std::to_string(id)));
        if (pr.status != ProposeStatus::kOk) continue;
        probe_ballot_ = r.node->ballot();
        probe_ids_.push_back(id);
        r.pending.Add(pr.slot, id);
        Log("probe client=%" PRIu64 " node=%u slot=%" PRIu64, id, r.id, pr.slot);
        HandleReady(r);
      }
      for (uint64_t id : probe_ids_)
        if (acked_.count(id)) probe_acked_ = true;
    }
    if (probe_acked_) {
      Slot max_commit = 0;
      for (Replica& r : replicas_) max_commit = std::max(max_commit, r.node->commit_index());
      bool quiet = true;
      for (Replica& r : replicas_) quiet = quiet && r.applied.size() == max_commit;
      if (quiet) {
        done_ = true;
        stats_.final_commit = max_commit;
        stats_.heal_to_quiet_ms = now_ - heal_ms_;
        return;
      }
    }
    if (now_ - heal_ms_ > opt_.liveness_bound_ms) {
      std::string state;
      for (Replica& r : replicas_)
        state += " [node " + std::to_string(r.id) + " " + RoleName(r.node->role()) +
                 " commit=" + std::to_string(r.node->commit_index()) +
                 " applied=" + std::to_string(r.applied.size()) +
                 " snap=" + std::to_string(r.node->snapshot_index()) + "]";
      Fail("LIVENESS: not converged " + std::to_string(opt_.liveness_bound_ms) +
           "ms after healing (probe acked=" + std::to_string(probe_acked_) + "):" + state);
    }
  }

  void FinalChecks() {
    const std::vector<Value>& ref = replicas_[0].applied;
    for (Replica& r : replicas_)
      if (r.applied != ref) Fail("CONVERGENCE: node " + std::to_string(r.id) + " applied state differs");
    for (const auto& [id, slot] : acked_) {
      if (slot > ref.size() || ref[slot - 1] != Value::Of(std::to_string(id)))
        Fail("DURABILITY: acknowledged client value " + std::to_string(id) + " (slot " +
             std::to_string(slot) + ") is not applied");
    }
  }

  const uint64_t seed_;
  const SimOptions opt_;
  XorShiftRng rng_;
  std::vector<NodeId> members_;
  Config config_;
  std::vector<Replica> replicas_;
  std::priority_queue<Packet, std::vector<Packet>, PacketLater> net_;
  uint64_t next_seq_ = 0;
  int64_t now_ = 0;

  uint64_t loss_pct_ = 0, dup_pct_ = 0, long_delay_pct_ = 0;
  int64_t delay_max_ms_ = 10;
  uint64_t crash_den_ = 0, crash_in_ready_den_ = 0, propose_den_ = 10;
  uint64_t compact_every_ = 0, partition_den_ = 0, jump_den_ = 0, pause_den_ = 0;
  bool partition_active_ = false;
  int64_t partition_heal_ms_ = 0;
  std::vector<int> side_;

  std::vector<std::optional<Value>> canonical_;  // slot-1 -> the chosen value
  std::map<uint64_t, Slot> acked_;                // client id -> slot
  Slot max_acked_slot_ = 0;

  // Scenario isolate_leader.
  NodeId cut_leader_ = kNoNode;
  int64_t cut_ms_ = 0;
  size_t cut_open_ = 0;
  int64_t stepped_down_ms_ = 0;  // after the cut; 0 = not yet
  int64_t new_leader_ms_ = 0;    // after the cut: another replica held a lease
  uint64_t acked_at_cut_ = 0;
  uint64_t acked_after_cut_ = 0;
  bool heal_checked_ = false;
  uint64_t elections_at_heal_ = 0;
  uint64_t next_client_id_ = 1;

  bool healed_ = false;
  int64_t heal_ms_ = 0;
  bool probe_acked_ = false;
  Ballot probe_ballot_;
  std::vector<uint64_t> probe_ids_;
  bool done_ = false;

  std::string error_;
  SimStats stats_;
};

}  // namespace

uint64_t CurrentSimSeed() { return g_current_seed; }

SimResult RunSimulation(uint64_t seed, const SimOptions& options) {
  g_current_seed = seed;
  Sim sim(seed, options);
  SimResult r = sim.Run();
  g_current_seed = 0;
  return r;
}

}  // namespace opendfs::paxos::testing
