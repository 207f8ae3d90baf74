// registry.fbs <-> registry structs; see registry_wire.h.
#include "metad/registry/registry_wire.h"

namespace opendfs::metad {
namespace {

std::string Str(const flatbuffers::String* s) { return s == nullptr ? std::string() : s->str(); }

}  // namespace

RegisterRequest RegisterRequestFromWire(const fb::BlockdRegisterRequest& req,
                                        std::string peer_host) {
  RegisterRequest r;
  r.uuid = Str(req.uuid());
  r.data_address = Str(req.data_address());
  r.rack_hint = Str(req.rack_hint());
  r.peer_host = std::move(peer_host);
  r.stats.capacity_bytes = req.capacity_bytes();
  r.stats.used_bytes = req.used_bytes();
  return r;
}

BlockdStats HeartbeatStatsFromWire(const fb::BlockdHeartbeatRequest& req) {
  BlockdStats s;
  s.capacity_bytes = req.capacity_bytes();
  s.used_bytes = req.used_bytes();
  s.active_connections = req.active_connections();
  s.block_count = req.block_count();
  s.bad_blocks = req.bad_blocks();
  s.inflight_copies = req.inflight_copies();
  return s;
}

std::vector<ReportedReplica> ReplicasFromWire(
    const flatbuffers::Vector<const fb::ReplicaReport*>* v) {
  std::vector<ReportedReplica> out;
  if (v == nullptr) return out;
  out.reserve(v->size());
  for (const fb::ReplicaReport* r : *v)
    out.push_back(ReportedReplica{r->block_id(), r->version(), r->length()});
  return out;
}

flatbuffers::Offset<fb::BlockdRegisterReply> BuildRegisterReply(
    flatbuffers::FlatBufferBuilder& fbb, const RegisterResult& r,
    uint32_t heartbeat_interval_s) {
  return fb::CreateBlockdRegisterReply(fbb, r.id, heartbeat_interval_s, r.block_report_wanted);
}

flatbuffers::Offset<fb::BlockdHeartbeatReply> BuildHeartbeatReply(
    flatbuffers::FlatBufferBuilder& fbb, const HeartbeatResult& r) {
  std::vector<flatbuffers::Offset<fb::BlockdCommand>> commands;
  commands.reserve(r.commands.size());
  for (const BlockdCommand& c : r.commands) {
    std::vector<flatbuffers::Offset<flatbuffers::String>> targets;
    for (const std::string& t : c.targets) targets.push_back(fbb.CreateString(t));
    auto kind = c.kind == BlockdCommand::Kind::kCopy ? fb::BlockdCommandKind::Copy
                                                     : fb::BlockdCommandKind::Delete;
    commands.push_back(fb::CreateBlockdCommand(fbb, kind, c.block_id, c.version, c.length,
                                               targets.empty() ? 0 : fbb.CreateVector(targets)));
  }
  return fb::CreateBlockdHeartbeatReply(fbb, r.reregister,
                                        commands.empty() ? 0 : fbb.CreateVector(commands));
}

}  // namespace opendfs::metad
