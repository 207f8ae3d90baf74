// BlockdRegistry: the metad's soft-state list of block servers.
//
// Happy path: a blockd registers (uuid, data address, stats) and gets a small
// id; it heartbeats every heartbeat_interval_s with fresh stats and receives
// up to max_commands_per_heartbeat queued commands (delete, copy). The driver
// calls Tick(now_ms) periodically; a blockd silent for dn_timeout_ms is
// declared dead and returned, so the caller can drop its replicas.
// Failure modes: a heartbeat from an id this registry does not know (metad
// restarted), from a uuid that does not match the id, or from a dead blockd
// gets `reregister`; a registration with a bad uuid or address is Invalid; a
// new uuid taking over the address of a live blockd (data dir wiped and
// restarted) declares the old uuid dead; a full command queue refuses more
// commands with Busy (deletes are found again at the next full report).
//
// Nothing here is persisted: after a metad restart everything is rebuilt from
// registrations. Pure and single-threaded: no clocks (time is `now_ms`, any
// monotonic milliseconds), no I/O, no locks — the owner serialises calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "libnet/status.h"
#include "metad/registry/topology.h"
#include "metad/registry/types.h"

namespace opendfs::metad {

struct RegistryOptions {
  int64_t dn_timeout_ms = 600'000;            // seed: dn_timeout = 600 (s)
  uint32_t heartbeat_interval_s = 3;          // told to blockds at registration
  size_t max_commands_per_heartbeat = 1000;   // per reply
  size_t max_queued_commands = 100'000;       // per blockd
};

struct BlockdInfo {
  BlockdId id = kNoBlockd;
  std::string uuid;
  std::string address;  // "host:port" clients connect to
  std::string host;     // host part of address (distinct-IP rule, topology)
  std::string rack;
  uint32_t rack_id = 0;  // dense index of `rack` in this registry (see rack_count)
  BlockdState state = BlockdState::kLive;
  BlockdStats stats;
  int64_t registered_ms = 0;
  int64_t last_heartbeat_ms = 0;  // registration counts as a heartbeat
  int64_t last_full_report_ms = -1;  // -1: none since registration

  bool accepts_new_replicas() const { return state == BlockdState::kLive; }
  bool serves_reads() const { return state != BlockdState::kDead; }
};

struct RegisterRequest {
  std::string uuid;
  std::string data_address;  // "host:port"; wildcard host -> peer_host
  std::string rack_hint;     // used when the topology has no entry
  std::string peer_host;     // IP the registration arrived from (service fills it)
  BlockdStats stats;
};

struct RegisterResult {
  BlockdId id = kNoBlockd;
  bool block_report_wanted = true;
  // Other uuids that held this address and were declared dead because of it;
  // the caller drops their replicas like Tick's.
  std::vector<BlockdId> replaced;
};

struct HeartbeatResult {
  bool reregister = false;
  std::vector<BlockdCommand> commands;
};

// One row of `opendfs cluster status`.
struct BlockdStatusRow {
  BlockdId id = kNoBlockd;
  std::string uuid;
  std::string address;
  std::string rack;
  BlockdState state = BlockdState::kLive;
  uint64_t capacity_bytes = 0;
  uint64_t used_bytes = 0;
  uint64_t block_count = 0;
  int64_t last_heartbeat_age_ms = 0;
  size_t queued_commands = 0;
};

class BlockdRegistry {
 public:
  // `topology` must outlive the registry.
  BlockdRegistry(const Topology* topology, RegistryOptions options);

  // Registers a new uuid or re-registers a known one (new address, rack and
  // stats replace the old; the id stays). A dead blockd comes back live; a
  // decommissioning one stays decommissioning.
  Result<RegisterResult> Register(const RegisterRequest& req, int64_t now_ms);

  // Updates stats and drains queued commands, oldest first.
  HeartbeatResult Heartbeat(BlockdId id, std::string_view uuid,
                            const BlockdStats& stats, int64_t now_ms);

  // Declares blockds silent for longer than dn_timeout_ms dead; returns the
  // ones that died in this call, in id order. Their command queues are dropped.
  std::vector<BlockdId> Tick(int64_t now_ms);

  // Queues a command for a live or decommissioning blockd. NotFound for an
  // unknown or dead id, Busy when its queue holds max_queued_commands.
  Status QueueCommand(BlockdId id, BlockdCommand command);

  // Admin: start or stop decommissioning a live blockd (NotFound if not live).
  Status SetDecommissioning(BlockdId id, bool on);

  // Records that a full block report from `id` completed.
  void MarkFullReport(BlockdId id, int64_t now_ms);

  // nullptr when unknown. Pointers stay valid until the next Register.
  const BlockdInfo* Find(BlockdId id) const;
  const BlockdInfo* FindByUuid(std::string_view uuid) const;
  // The id for `uuid` if it is registered and not dead, else kNoBlockd.
  BlockdId LiveIdOf(std::string_view uuid) const;

  // Every blockd ever registered in this metad's lifetime, by id.
  const std::vector<BlockdInfo>& all() const { return blockds_; }
  size_t live_count() const;
  // Distinct racks ever seen; rack ids are 0..rack_count()-1.
  size_t rack_count() const { return rack_ids_.size(); }
  size_t queued_commands(BlockdId id) const;

  std::vector<BlockdStatusRow> List(int64_t now_ms) const;

  const Topology& topology() const { return *topology_; }
  const RegistryOptions& options() const { return options_; }

 private:
  BlockdInfo* Mutable(BlockdId id);
  void MarkDead(BlockdInfo& b);

  const Topology* topology_;
  RegistryOptions options_;
  std::vector<BlockdInfo> blockds_;                      // index id - 1
  std::vector<std::deque<BlockdCommand>> commands_;      // index id - 1
  std::unordered_map<std::string, BlockdId> by_uuid_;
  std::unordered_map<std::string, uint32_t> rack_ids_;
};

}  // namespace opendfs::metad
