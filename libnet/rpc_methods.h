// Method ids of the transport itself (range 1..99, see schema/README.md).
// Every Server answers Ping (fb::PingRequest -> fb::PingReply echoing text)
// unless a service registers its own handler for it.
#pragma once

#include <cstdint>

namespace opendfs {

enum class NetMethod : uint16_t {
  kPing = 1,
  // The cluster-key handshake (peer_auth.h); handled inside the connection,
  // never by a registered handler.
  kPeerHello = 2,
  kPeerChallenge = 3,
  kPeerProof = 4,
};

inline constexpr uint16_t kPingMethod = static_cast<uint16_t>(NetMethod::kPing);

}  // namespace opendfs
