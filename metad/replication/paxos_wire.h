// paxos_wire: core paxos::Message <-> schema/paxos.fbs frames (one method id
// per message kind, 400..408). The core never sees flatbuffers.
//
// Happy path: EncodeMessage fills a builder and returns the method id; the
// receiving server's handler for that id (payload already verified as the
// registered table) calls DecodeMessage. Failure modes: an unknown method, a
// missing required field, a sender outside 1..64 or a ballot round above
// 2^62 (anywhere in the message) decodes to nullopt (the
// driver drops it: the core copes with lost messages).
#pragma once

#include <cstdint>
#include <optional>

#include <flatbuffers/flatbuffers.h>

#include "metad/paxos/message.h"

namespace opendfs::replication {

uint16_t EncodeMessage(const paxos::Message& m, flatbuffers::FlatBufferBuilder& b);
std::optional<paxos::Message> DecodeMessage(uint16_t method, const uint8_t* payload,
                                            paxos::NodeId to);

}  // namespace opendfs::replication
