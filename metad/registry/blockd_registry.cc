// BlockdRegistry implementation; see blockd_registry.h.
#include "metad/registry/blockd_registry.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace opendfs::metad {
namespace {

constexpr size_t kMaxUuidLength = 128;

Status ValidateUuid(std::string_view uuid) {
  if (uuid.empty() || uuid.size() > kMaxUuidLength)
    return Status(StatusCode::Invalid,
                  fmt::format("blockd uuid must be 1..{} characters", kMaxUuidLength));
  for (char c : uuid) {
    if (!std::isgraph(static_cast<unsigned char>(c)))
      return Status(StatusCode::Invalid, "blockd uuid has a blank or control character");
  }
  return Status::Ok();
}

}  // namespace

std::string_view BlockdStateName(BlockdState s) {
  switch (s) {
    case BlockdState::kLive: return "live";
    case BlockdState::kDead: return "dead";
    case BlockdState::kDecommissioning: return "decommissioning";
  }
  return "unknown";
}

BlockdRegistry::BlockdRegistry(const Topology* topology, RegistryOptions options)
    : topology_(topology), options_(options) {
  ODFS_CHECK(topology_ != nullptr);
  ODFS_CHECK(options_.dn_timeout_ms > 0);
  ODFS_CHECK(options_.max_commands_per_heartbeat > 0);
}

Result<RegisterResult> BlockdRegistry::Register(const RegisterRequest& req,
                                                int64_t now_ms) {
  ODFS_RETURN_IF_ERROR(ValidateUuid(req.uuid));
  ODFS_ASSIGN_OR_RETURN(HostPort hp, SplitHostPort(req.data_address));
  if (IsWildcardHost(hp.host)) {
    if (IsWildcardHost(req.peer_host))
      return Status(StatusCode::Invalid,
                    fmt::format("blockd {}: data address '{}' has no reachable host",
                                req.uuid, req.data_address));
    hp.host = req.peer_host;
  }
  std::string address = JoinHostPort(hp.host, hp.port);
  std::string rack;
  if (auto configured = topology_->Lookup(hp.host)) {
    rack = std::string(*configured);
  } else if (!req.rack_hint.empty()) {
    ODFS_RETURN_IF_ERROR(ValidateRack(req.rack_hint).Annotate(
        fmt::format("blockd {} rack hint", req.uuid)));
    rack = req.rack_hint;
  } else {
    rack = topology_->default_rack();
  }

  RegisterResult result;
  // A different uuid serving the same address is an old incarnation whose data
  // dir is gone: it can no longer hold anything.
  for (BlockdInfo& other : blockds_) {
    if (other.state != BlockdState::kDead && other.address == address &&
        other.uuid != req.uuid) {
      MarkDead(other);
      result.replaced.push_back(other.id);
    }
  }

  BlockdInfo* b = nullptr;
  if (auto it = by_uuid_.find(req.uuid); it != by_uuid_.end()) {
    b = Mutable(it->second);
    if (b->state == BlockdState::kDead) b->state = BlockdState::kLive;
  } else {
    ODFS_CHECK_MSG(blockds_.size() < kMaxBlockdId, "blockd id space exhausted");
    BlockdId id = static_cast<BlockdId>(blockds_.size() + 1);
    blockds_.emplace_back();
    commands_.emplace_back();
    b = &blockds_.back();
    b->id = id;
    b->uuid = req.uuid;
    b->state = BlockdState::kLive;
    by_uuid_.emplace(req.uuid, id);
  }
  b->address = std::move(address);
  b->host = std::move(hp.host);
  b->rack_id = rack_ids_.emplace(rack, static_cast<uint32_t>(rack_ids_.size())).first->second;
  b->rack = std::move(rack);
  b->stats = req.stats;
  b->registered_ms = now_ms;
  b->last_heartbeat_ms = now_ms;
  // A registration means the blockd (re)started or we forgot it: its block
  // list must be (re)learnt. Always asked for today; a later change may
  // stagger reports when thousands of blockds register at once.
  b->last_full_report_ms = -1;
  result.id = b->id;
  result.block_report_wanted = true;
  return result;
}

HeartbeatResult BlockdRegistry::Heartbeat(BlockdId id, std::string_view uuid,
                                          const BlockdStats& stats, int64_t now_ms) {
  HeartbeatResult out;
  BlockdInfo* b = Mutable(id);
  if (b == nullptr || b->uuid != uuid || b->state == BlockdState::kDead) {
    out.reregister = true;
    return out;
  }
  b->stats = stats;
  b->last_heartbeat_ms = std::max(b->last_heartbeat_ms, now_ms);
  std::deque<BlockdCommand>& q = commands_[id - 1];
  size_t n = std::min(q.size(), options_.max_commands_per_heartbeat);
  out.commands.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    out.commands.push_back(std::move(q.front()));
    q.pop_front();
  }
  return out;
}

std::vector<BlockdId> BlockdRegistry::Tick(int64_t now_ms) {
  std::vector<BlockdId> died;
  for (BlockdInfo& b : blockds_) {
    if (b.state == BlockdState::kDead) continue;
    if (now_ms - b.last_heartbeat_ms > options_.dn_timeout_ms) {
      MarkDead(b);
      died.push_back(b.id);
    }
  }
  return died;
}

Status BlockdRegistry::QueueCommand(BlockdId id, BlockdCommand command) {
  BlockdInfo* b = Mutable(id);
  if (b == nullptr || b->state == BlockdState::kDead)
    return Status(StatusCode::NotFound, fmt::format("blockd {} is not live", id));
  std::deque<BlockdCommand>& q = commands_[id - 1];
  if (q.size() >= options_.max_queued_commands)
    return Status(StatusCode::Busy,
                  fmt::format("blockd {} has {} queued commands", id, q.size()));
  q.push_back(std::move(command));
  return Status::Ok();
}

Status BlockdRegistry::SetDecommissioning(BlockdId id, bool on) {
  BlockdInfo* b = Mutable(id);
  if (b == nullptr || b->state == BlockdState::kDead)
    return Status(StatusCode::NotFound, fmt::format("blockd {} is not live", id));
  b->state = on ? BlockdState::kDecommissioning : BlockdState::kLive;
  return Status::Ok();
}

void BlockdRegistry::MarkFullReport(BlockdId id, int64_t now_ms) {
  if (BlockdInfo* b = Mutable(id)) b->last_full_report_ms = now_ms;
}

const BlockdInfo* BlockdRegistry::Find(BlockdId id) const {
  if (id == kNoBlockd || id > blockds_.size()) return nullptr;
  return &blockds_[id - 1];
}

BlockdInfo* BlockdRegistry::Mutable(BlockdId id) {
  if (id == kNoBlockd || id > blockds_.size()) return nullptr;
  return &blockds_[id - 1];
}

const BlockdInfo* BlockdRegistry::FindByUuid(std::string_view uuid) const {
  auto it = by_uuid_.find(std::string(uuid));
  return it == by_uuid_.end() ? nullptr : Find(it->second);
}

BlockdId BlockdRegistry::LiveIdOf(std::string_view uuid) const {
  const BlockdInfo* b = FindByUuid(uuid);
  return b != nullptr && b->state != BlockdState::kDead ? b->id : kNoBlockd;
}

size_t BlockdRegistry::live_count() const {
  return static_cast<size_t>(std::count_if(blockds_.begin(), blockds_.end(), [](const BlockdInfo& b) {
    return b.state != BlockdState::kDead;
  }));
}

size_t BlockdRegistry::queued_commands(BlockdId id) const {
  if (id == kNoBlockd || id > commands_.size()) return 0;
  return commands_[id - 1].size();
}

std::vector<BlockdStatusRow> BlockdRegistry::List(int64_t now_ms) const {
  std::vector<BlockdStatusRow> rows;
  rows.reserve(blockds_.size());
  for (const BlockdInfo& b : blockds_) {
    BlockdStatusRow r;
    r.id = b.id;
    r.uuid = b.uuid;
    r.address = b.address;
    r.rack = b.rack;
    r.state = b.state;
    r.capacity_bytes = b.stats.capacity_bytes;
    r.used_bytes = b.stats.used_bytes;
    r.block_count = b.stats.block_count;
    r.last_heartbeat_age_ms = std::max<int64_t>(0, now_ms - b.last_heartbeat_ms);
    r.queued_commands = commands_[b.id - 1].size();
    rows.push_back(std::move(r));
  }
  return rows;
}

void BlockdRegistry::MarkDead(BlockdInfo& b) {
  b.state = BlockdState::kDead;
  b.last_full_report_ms = -1;
  commands_[b.id - 1].clear();
  commands_[b.id - 1].shrink_to_fit();
}

}  // namespace opendfs::metad
