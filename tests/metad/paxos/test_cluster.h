// TestCluster: a deterministic fixture for scripted Paxos scenarios. The test
// decides which node ticks, which messages are delivered, dropped or held,
// and who crashes; nothing happens on its own. Every Ready is handled per the
// driver contract (persist, then send, then apply).
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "metad/paxos/node.h"
#include "tests/metad/paxos/mem_disk.h"

namespace opendfs::paxos::testing {

class TestCluster {
 public:
  explicit TestCluster(int n, uint64_t seed = 1) {
    for (int i = 1; i <= n; ++i) members_.push_back(static_cast<NodeId>(i));
    for (NodeId id : members_) {
      rngs_[id] = std::make_unique<XorShiftRng>(seed * 1000 + id);
      nodes_[id] = std::make_unique<Node>(MakeConfig(id), *rngs_[id], now_);
    }
  }

  Config MakeConfig(NodeId id) const {
    Config c;
    c.self_id = id;
    c.members = members_;
    c.heartbeat_interval_ms = 50;
    c.election_timeout_ms = 600;
    c.lease_timeout_ms = 500;
    c.max_clock_jump_ms = 100;
    c.max_inflight_slots = 8;
    c.max_entries_per_message = 4;
    return c;
  }

  Node& node(NodeId id) { return *nodes_.at(id); }
  bool up(NodeId id) const { return nodes_.at(id) != nullptr; }
  int64_t now() const { return now_; }
  const std::vector<Value>& applied(NodeId id) { return applied_[id]; }
  MemDisk& disk(NodeId id) { return disks_[id]; }
  std::deque<Message>& network() { return net_; }
  std::vector<SnapshotNeeded>& snapshots_needed(NodeId id) { return snapshots_needed_[id]; }
  std::vector<std::string>& trace() { return trace_; }

  // Handle node `id`'s Ready: persist, queue messages, apply.
  void Process(NodeId id) {
    if (!up(id)) return;
    Ready rd = node(id).TakeReady();
    disks_[id].Persist(rd);
    for (Message& m : rd.messages) net_.push_back(std::move(m));
    for (const LogEntry& e : rd.committed) {
      ASSERT_EQ(e.slot, applied_[id].size() + 1) << "node " << id;
      applied_[id].push_back(e.value);
    }
    for (const SnapshotNeeded& s : rd.snapshots_needed) snapshots_needed_[id].push_back(s);
  }
  void ProcessAll() {
    for (NodeId id : members_) Process(id);
  }

  // Deliver queued messages (FIFO) until the network is quiet. A message for
  // which `drop` returns true is discarded; messages to a crashed or isolated
  // node are discarded too.
  void Deliver(const std::function<bool(const Message&)>& drop = nullptr) {
    ProcessAll();
    for (int guard = 0; !net_.empty(); ++guard) {
      ASSERT_LT(guard, 100000) << "message storm";
      Message m = std::move(net_.front());
      net_.pop_front();
      if (!up(m.to) || isolated_.count(m.to) || isolated_.count(m.from)) continue;
      if (drop && drop(m)) continue;
      trace_.push_back(Describe(m));
      node(m.to).Step(m, now_);
      Process(m.to);
    }
  }

  // Move the clock; tick only `who` (all live nodes when empty).
  void Advance(int64_t ms, std::vector<NodeId> who = {}) {
    now_ += ms;
    if (who.empty()) who = members_;
    for (NodeId id : who)
      if (up(id)) {
        node(id).Tick(now_);
        Process(id);
      }
  }

  // Make `id` campaign now and deliver everything: the usual way to pick the
  // leader of a scenario. Only `id` ticks, so nobody else campaigns.
  void Elect(NodeId id) {
    Advance(2 * MakeConfig(id).election_timeout_ms, {id});
    Deliver();
  }

  // One heartbeat round from the leader, delivered.
  void Heartbeat(NodeId leader) {
    Advance(MakeConfig(leader).heartbeat_interval_ms, {leader});
    Deliver();
  }

  void Crash(NodeId id) {
    nodes_[id].reset();  // volatile state and un-taken Ready are lost
    applied_[id].clear();
  }

  void Restart(NodeId id) {
    const MemDisk& d = disks_[id];
    nodes_[id] = std::make_unique<Node>(MakeConfig(id), *rngs_[id], now_, d.Restore());
    applied_[id] = d.snapshot_values;
    Process(id);
  }

  // The driver of `to` received `from`'s snapshot: persist it, reset the
  // state machine to it, then tell the core.
  bool ShipSnapshot(NodeId from, NodeId to) {
    const MemDisk& src = disks_[from];
    if (!node(to).InstallSnapshot(src.snapshot_index)) return false;
    disks_[to].SaveSnapshot(src.snapshot_index, src.snapshot_values);
    applied_[to] = src.snapshot_values;
    Process(to);
    return true;
  }

  void Isolate(NodeId id) { isolated_.insert(id); }
  void Heal() { isolated_.clear(); }

  std::vector<NodeId> Leaders() const {
    std::vector<NodeId> out;
    for (NodeId id : members_)
      if (nodes_.at(id) && nodes_.at(id)->role() == Role::kLeader) out.push_back(id);
    return out;
  }

  // Propose on `id` and process its Ready; returns the slot.
  Slot Propose(NodeId id, const std::string& bytes) {
    ProposeResult r = node(id).Propose(Value::Of(bytes));
    EXPECT_EQ(r.status, ProposeStatus::kOk);
    Process(id);
    return r.slot;
  }

 private:
  std::vector<NodeId> members_;
  int64_t now_ = 0;
  std::map<NodeId, std::unique_ptr<XorShiftRng>> rngs_;
  std::map<NodeId, std::unique_ptr<Node>> nodes_;
  std::map<NodeId, MemDisk> disks_;
  std::map<NodeId, std::vector<Value>> applied_;
  std::map<NodeId, std::vector<SnapshotNeeded>> snapshots_needed_;
  std::set<NodeId> isolated_;
  std::deque<Message> net_;
  std::vector<std::string> trace_;
};

// "noop" or the bytes, for readable assertions.
inline std::vector<std::string> Render(const std::vector<Value>& vs) {
  std::vector<std::string> out;
  for (const Value& v : vs) out.push_back(v.is_noop ? "noop" : v.bytes);
  return out;
}

}  // namespace opendfs::paxos::testing
