// Benchmarks of the pure Multi-Paxos core (metad/paxos), no I/O: how many
// slots per second the state machines themselves can commit when the
// "network" is an in-memory queue and "disk" is free. This is the ceiling the
// driver's RocksDB syncs and sockets sit under.
//
//   ninja -C build bench/bench_paxos && ./build/bench/bench_paxos
//
// Baseline (2-core shared VM under load ~13, g++ 12 -O2 -g, 3 nodes,
// 256-byte values; items/s are per CPU second):
//   BM_CommitPipelined/1      ~300 k slots/s   (one slot per round)
//   BM_CommitPipelined/16     ~340 k slots/s
//   BM_CommitPipelined/128    ~330 k slots/s   (Accepts carry many slots)
//   BM_FollowerAccept8        ~1.0 M entries/s
// i.e. ~3 us of core CPU per committed slot across all three nodes; the
// driver's fsync per batch (milliseconds) dominates by three orders of
// magnitude, which is why the driver batches many records into one value.
#include <benchmark/benchmark.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "metad/paxos/node.h"

namespace {

using namespace opendfs::paxos;

struct Group {
  std::vector<std::unique_ptr<XorShiftRng>> rngs;
  std::vector<std::unique_ptr<Node>> nodes;
  std::deque<Message> net;
  int64_t now = 0;
  uint64_t committed = 0;

  explicit Group(int n) {
    std::vector<NodeId> members;
    for (int i = 1; i <= n; ++i) members.push_back(static_cast<NodeId>(i));
    for (NodeId id : members) {
      Config c;
      c.self_id = id;
      c.members = members;
      c.max_inflight_slots = 1024;
      c.max_entries_per_message = 256;
      rngs.push_back(std::make_unique<XorShiftRng>(id));
      nodes.push_back(std::make_unique<Node>(c, *rngs.back(), now));
    }
    now = 10000;
    nodes[0]->Tick(now);  // node 1 campaigns
    Settle();
  }

  void Drain(Node& n) {
    Ready rd = n.TakeReady();
    for (Message& m : rd.messages) net.push_back(std::move(m));
    if (n.id() == 1) committed += rd.committed.size();
  }

  void Settle() {
    for (auto& n : nodes) Drain(*n);
    while (!net.empty()) {
      Message m = std::move(net.front());
      net.pop_front();
      Node& to = *nodes[m.to - 1];
      to.Step(m, now);
      Drain(to);
    }
    // The driver checkpoints now and then; keep the logs short likewise.
    for (auto& n : nodes)
      if (n->applied_index() > n->snapshot_index() + 4096) n->Compact(n->applied_index());
  }
};

void BM_CommitPipelined(benchmark::State& state) {
  Group g(3);
  const std::string payload(256, 'x');
  const auto batch = static_cast<int>(state.range(0));
  const uint64_t before = g.committed;
  for (auto _ : state) {
    for (int i = 0; i < batch; ++i)
      if (g.nodes[0]->Propose(Value::Of(payload)).status != ProposeStatus::kOk)
        state.SkipWithError("propose failed");
    g.Settle();
  }
  state.SetItemsProcessed(static_cast<int64_t>(g.committed - before));
}
BENCHMARK(BM_CommitPipelined)->Arg(1)->Arg(16)->Arg(128);

void BM_FollowerAccept8(benchmark::State& state) {
  Group g(3);
  Node& follower = *g.nodes[1];
  const Ballot b = g.nodes[0]->ballot();
  Slot slot = g.nodes[0]->commit_index() + 1;
  const std::string payload(256, 'x');
  for (auto _ : state) {
    Accept a{b, {}, 0};
    for (int i = 0; i < 8; ++i) a.entries.push_back(LogEntry{slot++, b, Value::Of(payload)});
    follower.Step(Message{1, 2, std::move(a)}, g.now);
    benchmark::DoNotOptimize(follower.TakeReady());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 8);
}
BENCHMARK(BM_FollowerAccept8);

}  // namespace

BENCHMARK_MAIN();
