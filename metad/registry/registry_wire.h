// Conversions between schema/registry.fbs tables and the registry's structs,
// for the metad's blockd-facing service. The caller has already run the
// flatbuffers Verifier over the payload; these functions only copy fields
// (absent strings and vectors read as empty).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "metad/registry/blockd_registry.h"
#include "metad/registry/types.h"
#include "registry_generated.h"

namespace opendfs::metad {

// `peer_host` is the IP the request arrived from (replaces a wildcard host).
RegisterRequest RegisterRequestFromWire(const fb::BlockdRegisterRequest& req,
                                        std::string peer_host);
BlockdStats HeartbeatStatsFromWire(const fb::BlockdHeartbeatRequest& req);
std::vector<ReportedReplica> ReplicasFromWire(
    const flatbuffers::Vector<const fb::ReplicaReport*>* v);

flatbuffers::Offset<fb::BlockdRegisterReply> BuildRegisterReply(
    flatbuffers::FlatBufferBuilder& fbb, const RegisterResult& r,
    uint32_t heartbeat_interval_s);
flatbuffers::Offset<fb::BlockdHeartbeatReply> BuildHeartbeatReply(
    flatbuffers::FlatBufferBuilder& fbb, const HeartbeatResult& r);

}  // namespace opendfs::metad
