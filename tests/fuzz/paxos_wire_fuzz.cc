// Paxos messages from a hostile peer: each piece is a u16 method and a
// payload, verified as the Replicator's server verifies it, decoded
// (paxos_wire) and stepped into a live core (node 1 of 3), with ticks and
// Ready draining between them. A forged message may be ignored or refused;
// it must never abort the node.
#include <cstdint>
#include <algorithm>
#include <vector>

#include "libnet/frame.h"
#include "metad/paxos/node.h"
#include "metad/paxos/rng.h"
#include "metad/replication/batch.h"
#include "metad/replication/paxos_wire.h"
#include "paxos_generated.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using namespace opendfs;
using PM = fb::PaxosMethod;

bool Verify(uint16_t method, const uint8_t* p, size_t n) {
  switch (static_cast<PM>(method)) {
    case PM::PaxosPrepare: return VerifyPayload<fb::PaxosPrepare>(p, n);
    case PM::PaxosPromise: return VerifyPayload<fb::PaxosPromise>(p, n);
    case PM::PaxosAccept: return VerifyPayload<fb::PaxosAccept>(p, n);
    case PM::PaxosAccepted: return VerifyPayload<fb::PaxosAccepted>(p, n);
    case PM::PaxosReject: return VerifyPayload<fb::PaxosReject>(p, n);
    case PM::PaxosHeartbeat: return VerifyPayload<fb::PaxosHeartbeat>(p, n);
    case PM::PaxosHeartbeatAck: return VerifyPayload<fb::PaxosHeartbeatAck>(p, n);
    case PM::PaxosCatchupRequest: return VerifyPayload<fb::PaxosCatchupRequest>(p, n);
    case PM::PaxosCatchupReply: return VerifyPayload<fb::PaxosCatchupReply>(p, n);
    case PM::PaxosPreVote: return VerifyPayload<fb::PaxosPreVote>(p, n);
    case PM::PaxosPreVoteReply: return VerifyPayload<fb::PaxosPreVoteReply>(p, n);
    default: return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  paxos::Config c;
  c.self_id = 1;
  c.members = {1, 2, 3};
  paxos::XorShiftRng rng(7);
  int64_t now = 1000;
  paxos::Node node(c, rng, now);
  for (std::string_view view : fuzz::Pieces(data, size)) {
    if (view.size() < 2) continue;
    // The transport hands handlers payloads in their own allocation (Bytes),
    // so aligned: give the decoder the same. Byte 2 is then aligned too.
    std::vector<uint64_t> storage(view.size() / 8 + 2);
    auto* p = reinterpret_cast<uint8_t*>(storage.data()) + 6;
    std::copy(view.begin(), view.end(), reinterpret_cast<char*>(p));
    std::string_view piece(reinterpret_cast<const char*>(p), view.size());
    uint16_t method = static_cast<uint16_t>(p[0] | (p[1] << 8));
    if (method == 0) {  // a committed value's batch, as every member decodes it
      (void)replication::DecodeBatch(piece.substr(2));
      continue;
    }
    if (!Verify(method, p + 2, piece.size() - 2)) continue;
    std::optional<paxos::Message> m = replication::DecodeMessage(method, p + 2, 1);
    if (!m) continue;
    node.Step(*m, now);
    now += 7;
    node.Tick(now);
    while (node.HasReady()) (void)node.TakeReady();
  }
  return 0;
}
