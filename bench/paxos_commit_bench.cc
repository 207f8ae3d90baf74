// Committed operations per second and commit latency (p50/p99) through a
// running metad group: N concurrent clients each issue Mkdir in a loop (one
// editlog record per call, replicated by Paxos before the reply).
//
//   deploy/opendfs-local up --metads 3 --blockds 1 --root /var/tmp/b
//   ./build/bench/bench_paxos_commit 127.0.1.1:8000,127.0.1.2:8000,127.0.1.3:8000 5 1 16 256
//
// Arguments: the metads' client addresses, seconds per run, client counts.
// The leader is found by following NotLeader replies. Before the runs, one
// client pings the leader for a second: the RPC round trip (client library,
// loopback, the leader's loop thread) without any commit, the floor under a
// commit's latency. Runs are 1.5 s apart, so that a metad started with
// OPENDFS_COMMIT_TRACE=1 logs one per-stage breakdown per run
// (bench/commit_breakdown.sh runs it that way and prints them).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <mutex>
#include <thread>
#include <vector>

#include "libnet/client.h"
#include "libnet/rpc_methods.h"
#include "meta_generated.h"
#include "rpc_generated.h"

namespace opendfs {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uint16_t kMkdir = static_cast<uint16_t>(fb::MetaMethod::Mkdir);
std::atomic<uint64_t> g_name{0};

Result<Reply> Mkdir(Client& c, const Endpoint& ep, const std::string& name) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateMkdirRequest(b, fb::CreateCaller(b), 1, b.CreateString(name), 0755, 0));
  return c.Call<fb::AttrReply>(ep, kMkdir, b, {}, std::chrono::milliseconds(30000));
}

double Pct(std::vector<double>& v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

// One client's Ping round trips to `ep` for `seconds`.
void PrintPing(Client& c, const Endpoint& ep, int seconds) {
  std::vector<double> lat;
  const auto end = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < end) {
    flatbuffers::FlatBufferBuilder b;
    b.Finish(fb::CreatePingRequest(b));
    auto t0 = Clock::now();
    if (!c.Call<fb::PingReply>(ep, kPingMethod, b, {}, std::chrono::milliseconds(2000)).ok())
      continue;
    lat.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::printf("ping round trip (no commit): n=%zu p50_ms=%.3f p99_ms=%.3f\n", lat.size(),
              Pct(lat, 0.5), Pct(lat, 0.99));
}

int Run(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s host:port[,host:port...] seconds clients...\n", argv[0]);
    return 2;
  }
  std::vector<Endpoint> metads;
  std::string list = argv[1];
  for (size_t pos = 0; pos <= list.size();) {
    size_t comma = list.find(',', pos);
    if (comma == std::string::npos) comma = list.size();
    Result<Endpoint> ep = Endpoint::Parse(list.substr(pos, comma - pos));
    if (!ep.ok()) return std::fprintf(stderr, "%s\n", ep.status().ToString().c_str()), 2;
    metads.push_back(*ep);
    pos = comma + 1;
  }
  const int seconds = std::atoi(argv[2]);
  ClientOptions co;
  co.conns_per_endpoint = 4;
  Client client(co, Logger::Quiet());
  const std::string run = std::to_string(::getpid());

  // Find the leader.
  Endpoint leader = metads[0];
  std::mutex leader_mu;
  bool found = false;
  for (int attempt = 0; attempt < 50 && !found; ++attempt) {
    for (const Endpoint& ep : metads) {
      Result<Reply> r = Mkdir(client, ep, "probe" + run + "-" + std::to_string(attempt));
      if (r.ok()) {
        leader = ep;
        found = true;
        break;
      }
      if (r.status().code() == StatusCode::NotLeader && !r.status().message().empty()) {
        Result<Endpoint> l = Endpoint::Parse(r.status().message());
        if (l.ok() && Mkdir(client, *l, "probe" + run + "-l" + std::to_string(attempt)).ok()) {
          leader = *l;
          found = true;
          break;
        }
      }
    }
    if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (!found) return std::fprintf(stderr, "no metad accepted a mkdir\n"), 1;
  std::printf("leader %s, %d s per run\n", leader.ToString().c_str(), seconds);
  PrintPing(client, leader, 1);
  std::printf("%8s %12s %10s %10s %8s\n", "clients", "commits/s", "p50_ms", "p99_ms", "errors");

  for (int a = 3; a < argc; ++a) {
    const int clients = std::atoi(argv[a]);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a trace window ends
    std::vector<std::vector<double>> lat(clients);
    std::atomic<uint64_t> errors{0};
    const auto end = Clock::now() + std::chrono::seconds(seconds);
    std::vector<std::thread> threads;
    for (int t = 0; t < clients; ++t) {
      threads.emplace_back([&, t] {
        while (Clock::now() < end) {
          auto t0 = Clock::now();
          Endpoint target;
          {
            std::lock_guard l(leader_mu);
            target = leader;
          }
          Result<Reply> r = Mkdir(client, target, "b" + run + "-" + std::to_string(g_name++));
          auto t1 = Clock::now();
          if (!r.ok()) {
            if (r.status().code() == StatusCode::NotLeader) {
              Result<Endpoint> l = Endpoint::Parse(r.status().message());
              std::lock_guard g(leader_mu);
              if (l.ok()) leader = *l;
              std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
            if (errors++ == 0)
              std::fprintf(stderr, "first error: %s\n", r.status().ToString().c_str());
            continue;
          }
          lat[t].push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        }
      });
    }
    for (auto& th : threads) th.join();
    std::vector<double> all;
    for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
    const double n = static_cast<double>(all.size());
    const double p50 = Pct(all, 0.50), p99 = Pct(all, 0.99);
    std::printf("%8d %12.0f %10.3f %10.3f %8llu\n", clients, n / seconds, p50, p99,
                static_cast<unsigned long long>(errors.load()));
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace opendfs

int main(int argc, char** argv) { return opendfs::Run(argc, argv); }
