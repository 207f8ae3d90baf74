// Peer authentication with the cluster key (issue 15 §1): the handshake that
// opens every daemon-to-daemon connection and the MAC every later frame carries.
// Pure (no I/O, no clock; nonces are passed in), so every step is unit-tested.
//
// Handshake, three frames in clear (schema/rpc.fbs):
//   initiator -> PeerHello{role_i, nonce_i}
//   acceptor  -> PeerChallenge{role_a, nonce_a,
//                 HMAC-SHA-256(K, "odfs-accept"   | nonce_i | nonce_a | role_i | role_a)}
//   initiator -> PeerProof{HMAC-SHA-256(K, "odfs-initiate" | nonce_i | nonce_a | role_i | role_a)}
// Both sides prove the key and bind both fresh nonces and both roles, so a
// recorded handshake cannot be replayed into a new connection. Then each
// direction gets its own key, K_dir = HMAC-SHA-256(K, "odfs-i2a"|"odfs-a2i" |
// nonce_i | nonce_a), and every frame is followed by a 16-byte tag:
//   HMAC-SHA-256(K_dir, u64 seq | header | payload | data)[0..16)
// with seq counting that direction's frames from 0 (never sent): a replayed,
// dropped, reordered or changed frame fails the check and closes the
// connection.
//
// Failure modes: every refusal is Status Unauthenticated with the reason
// (wrong key, unexpected role, malformed handshake message, step out of order).
// Not thread-safe: one per connection, on its loop thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "libnet/cluster_key.h"
#include "libnet/frame.h"
#include "libnet/status.h"
#include "rpc_generated.h"

namespace opendfs {

inline constexpr size_t kPeerNonceSize = 32;
inline constexpr size_t kPeerMacSize = 32;      // full HMAC-SHA-256 in the handshake
static_assert(kFrameTagSize == 16);            // truncated HMAC-SHA-256 per frame (frame.h)

using PeerNonce = std::array<uint8_t, kPeerNonceSize>;
using FrameTag = std::array<uint8_t, kFrameTagSize>;
using HandshakePayload = std::shared_ptr<const flatbuffers::DetachedBuffer>;

// How one side of a connection (a Server's listener, a Client) uses the key.
struct PeerAuthOptions {
  enum class Mode {
    kInitiate,  // Client: open every connection with the handshake
    kRequire,   // Server: a connection that does not complete it is closed
    kAllow,     // Server: a connection whose first frame is a PeerHello must
                // complete it (and is then a peer); any other is a client
  };
  std::shared_ptr<const ClusterKey> key;  // null: no authentication at all
  fb::PeerRole role = fb::PeerRole::None;  // this side's role
  Mode mode = Mode::kRequire;
  std::vector<fb::PeerRole> accept_roles;  // acceptor: admitted roles (empty = any)
};

// A fresh nonce from the OpenSSL CSPRNG (ODFS_CHECK on its failure: without
// randomness there is no safe way on).
PeerNonce RandomPeerNonce();

// The MAC of one direction of a sealed connection; counts its frames.
class FrameMac {
 public:
  explicit FrameMac(std::span<const uint8_t> key);
  ~FrameMac();
  FrameMac(const FrameMac&) = delete;
  FrameMac& operator=(const FrameMac&) = delete;

  // Tag of the next frame (advances the sequence number).
  FrameTag Seal(const uint8_t header[kFrameHeaderSize], std::span<const uint8_t> payload,
                std::span<const uint8_t> data);
  // Ok when `tag` is the next frame's tag (then advances); Unauthenticated otherwise.
  Status Open(const uint8_t header[kFrameHeaderSize], std::span<const uint8_t> payload,
              std::span<const uint8_t> data, const FrameTag& tag);
  uint64_t seq() const { return seq_; }

 private:
  FrameTag Compute(const uint8_t header[kFrameHeaderSize], std::span<const uint8_t> payload,
                   std::span<const uint8_t> data) const;
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
  uint64_t seq_ = 0;
};

class PeerHandshake {
 public:
  enum class Side { kInitiator, kAcceptor };

  // `accept_roles`: for an acceptor, the initiator roles it admits (empty =
  // any peer role). `key` must outlive the handshake.
  PeerHandshake(Side side, const ClusterKey& key, fb::PeerRole self, PeerNonce nonce,
                std::vector<fb::PeerRole> accept_roles = {});

  // Initiator, first: the PeerHello payload.
  HandshakePayload Hello();
  // Initiator: checks the acceptor's proof; returns the PeerProof payload and
  // the connection is established.
  Result<HandshakePayload> OnChallenge(std::span<const uint8_t> payload);
  // Acceptor: takes the PeerHello; returns the PeerChallenge payload.
  Result<HandshakePayload> OnHello(std::span<const uint8_t> payload);
  // Acceptor: checks the initiator's proof; Ok = established.
  Status OnProof(std::span<const uint8_t> payload);

  bool established() const { return step_ == Step::kEstablished; }
  fb::PeerRole peer_role() const { return peer_role_; }
  // After established(): the MACs of this side's outgoing and incoming frames.
  std::unique_ptr<FrameMac> TakeSendMac();
  std::unique_ptr<FrameMac> TakeRecvMac();

 private:
  enum class Step { kStart, kHelloSent, kChallengeSent, kEstablished, kFailed };
  std::array<uint8_t, kPeerMacSize> Proof(std::string_view label) const;
  void Establish();
  Status Fail(std::string why);

  Side side_;
  const ClusterKey& key_;
  fb::PeerRole self_;
  fb::PeerRole peer_role_ = fb::PeerRole::None;
  PeerNonce nonce_;
  PeerNonce peer_nonce_{};
  std::vector<fb::PeerRole> accept_roles_;
  Step step_ = Step::kStart;
  std::unique_ptr<FrameMac> send_;
  std::unique_ptr<FrameMac> recv_;
};

}  // namespace opendfs
