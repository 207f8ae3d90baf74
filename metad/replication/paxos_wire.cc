#include "metad/replication/paxos_wire.h"

#include <cstring>

#include "paxos_generated.h"

namespace opendfs::replication {
namespace {

namespace fb = opendfs::fb;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

fb::PaxosBallot ToWire(const paxos::Ballot& b) { return fb::PaxosBallot(b.round, b.node_id); }
// Rounds above this are refused: no honest member gets near it (one round per
// election), and one near UINT64_MAX would wrap the next election's max + 1.
constexpr uint64_t kMaxBallotRound = 1ull << 62;

// Sets *bad for a ballot no member may send.
paxos::Ballot FromWire(const fb::PaxosBallot* b, bool* bad) {
  if (b == nullptr) return {};
  if (b->round() > kMaxBallotRound) *bad = true;
  return paxos::Ballot{b->round(), b->node_id()};
}

Offset<flatbuffers::Vector<Offset<fb::PaxosLogEntry>>> Entries(
    FlatBufferBuilder& b, const std::vector<paxos::LogEntry>& es) {
  std::vector<Offset<fb::PaxosLogEntry>> out;
  out.reserve(es.size());
  for (const paxos::LogEntry& e : es) {
    fb::PaxosBallot ballot = ToWire(e.ballot);
    auto value = b.CreateVector(reinterpret_cast<const uint8_t*>(e.value.bytes.data()),
                                e.value.bytes.size());
    out.push_back(fb::CreatePaxosLogEntry(b, e.slot, &ballot, e.value.is_noop, value));
  }
  return b.CreateVector(out);
}

std::vector<paxos::LogEntry> Entries(
    const flatbuffers::Vector<Offset<fb::PaxosLogEntry>>* es, bool* bad) {
  std::vector<paxos::LogEntry> out;
  if (es == nullptr) return out;
  out.reserve(es->size());
  for (const fb::PaxosLogEntry* e : *es) {
    paxos::LogEntry le;
    le.slot = e->slot();
    le.ballot = FromWire(e->ballot(), bad);
    le.value.is_noop = e->noop();
    if (e->value() != nullptr)
      le.value.bytes.assign(reinterpret_cast<const char*>(e->value()->data()), e->value()->size());
    out.push_back(std::move(le));
  }
  return out;
}

template <class T>
paxos::Ballot body_ballot(const T& body) {
  if constexpr (requires { body.ballot; }) {
    return body.ballot;
  } else {
    return {};
  }
}

constexpr uint16_t M(fb::PaxosMethod m) { return static_cast<uint16_t>(m); }

}  // namespace

uint16_t EncodeMessage(const paxos::Message& m, FlatBufferBuilder& b) {
  const uint32_t from = m.from;
  return std::visit(
      [&](const auto& body) -> uint16_t {
        using T = std::decay_t<decltype(body)>;
        fb::PaxosBallot ballot = ToWire(body_ballot(body));
        if constexpr (std::is_same_v<T, paxos::Prepare>) {
          b.Finish(fb::CreatePaxosPrepare(b, from, &ballot, body.from_slot));
          return M(fb::PaxosMethod::PaxosPrepare);
        } else if constexpr (std::is_same_v<T, paxos::Promise>) {
          auto es = Entries(b, body.accepted);
          b.Finish(fb::CreatePaxosPromise(b, from, &ballot, body.commit_index, es));
          return M(fb::PaxosMethod::PaxosPromise);
        } else if constexpr (std::is_same_v<T, paxos::Accept>) {
          auto es = Entries(b, body.entries);
          b.Finish(fb::CreatePaxosAccept(b, from, &ballot, es, body.commit_index));
          return M(fb::PaxosMethod::PaxosAccept);
        } else if constexpr (std::is_same_v<T, paxos::Accepted>) {
          auto slots = b.CreateVector(body.slots);
          b.Finish(fb::CreatePaxosAccepted(b, from, &ballot, slots));
          return M(fb::PaxosMethod::PaxosAccepted);
        } else if constexpr (std::is_same_v<T, paxos::Reject>) {
          fb::PaxosBallot promised = ToWire(body.promised);
          b.Finish(fb::CreatePaxosReject(b, from, &ballot, &promised,
                                         static_cast<fb::PaxosRejectReason>(body.reason),
                                         body.snapshot_index));
          return M(fb::PaxosMethod::PaxosReject);
        } else if constexpr (std::is_same_v<T, paxos::Heartbeat>) {
          b.Finish(fb::CreatePaxosHeartbeat(b, from, &ballot, body.commit_index, body.sent_ms));
          return M(fb::PaxosMethod::PaxosHeartbeat);
        } else if constexpr (std::is_same_v<T, paxos::HeartbeatAck>) {
          b.Finish(fb::CreatePaxosHeartbeatAck(b, from, &ballot, body.echo_sent_ms));
          return M(fb::PaxosMethod::PaxosHeartbeatAck);
        } else if constexpr (std::is_same_v<T, paxos::CatchupRequest>) {
          b.Finish(fb::CreatePaxosCatchupRequest(b, from, body.from_slot, body.to_slot));
          return M(fb::PaxosMethod::PaxosCatchupRequest);
        } else if constexpr (std::is_same_v<T, paxos::PreVote>) {
          b.Finish(fb::CreatePaxosPreVote(b, from, &ballot));
          return M(fb::PaxosMethod::PaxosPreVote);
        } else if constexpr (std::is_same_v<T, paxos::PreVoteReply>) {
          fb::PaxosBallot promised = ToWire(body.promised);
          b.Finish(fb::CreatePaxosPreVoteReply(b, from, &ballot, body.granted, &promised));
          return M(fb::PaxosMethod::PaxosPreVoteReply);
        } else {
          static_assert(std::is_same_v<T, paxos::CatchupReply>);
          auto es = Entries(b, body.entries);
          b.Finish(fb::CreatePaxosCatchupReply(b, from, body.commit_index, es));
          return M(fb::PaxosMethod::PaxosCatchupReply);
        }
      },
      m.body);
}

std::optional<paxos::Message> DecodeMessage(uint16_t method, const uint8_t* p,
                                            paxos::NodeId to) {
  paxos::Message m;
  m.to = to;
  bool bad = false;  // a ballot above kMaxBallotRound anywhere in the message
  auto done = [&](uint32_t from, paxos::MessageBody body) -> std::optional<paxos::Message> {
    if (bad || from == paxos::kNoNode || from > 64 || from == to) return std::nullopt;
    m.from = from;
    m.body = std::move(body);
    return m;
  };
  switch (static_cast<fb::PaxosMethod>(method)) {
    case fb::PaxosMethod::PaxosPrepare: {
      auto* r = flatbuffers::GetRoot<fb::PaxosPrepare>(p);
      return done(r->from(), paxos::Prepare{FromWire(r->ballot(), &bad), r->from_slot()});
    }
    case fb::PaxosMethod::PaxosPromise: {
      auto* r = flatbuffers::GetRoot<fb::PaxosPromise>(p);
      return done(r->from(), paxos::Promise{FromWire(r->ballot(), &bad), r->commit_index(),
                                            Entries(r->accepted(), &bad)});
    }
    case fb::PaxosMethod::PaxosAccept: {
      auto* r = flatbuffers::GetRoot<fb::PaxosAccept>(p);
      return done(r->from(),
                  paxos::Accept{FromWire(r->ballot(), &bad), Entries(r->entries(), &bad),
                                r->commit_index()});
    }
    case fb::PaxosMethod::PaxosAccepted: {
      auto* r = flatbuffers::GetRoot<fb::PaxosAccepted>(p);
      paxos::Accepted a{FromWire(r->ballot(), &bad), {}};
      if (r->slots() != nullptr) {
        // The verifier checks a vector's length word (4-byte aligned), not
        // that its 8-byte elements are: copy them out bytewise.
        const uint8_t* at = r->slots()->Data();
        a.slots.resize(r->slots()->size());
        for (size_t i = 0; i < a.slots.size(); ++i)
          std::memcpy(&a.slots[i], at + i * sizeof(uint64_t), sizeof(uint64_t));
      }
      return done(r->from(), std::move(a));
    }
    case fb::PaxosMethod::PaxosReject: {
      auto* r = flatbuffers::GetRoot<fb::PaxosReject>(p);
      if (static_cast<uint8_t>(r->reason()) > 2) return std::nullopt;
      return done(r->from(), paxos::Reject{FromWire(r->ballot(), &bad),
                                           FromWire(r->promised(), &bad),
                                           static_cast<paxos::RejectReason>(r->reason()),
                                           r->snapshot_index()});
    }
    case fb::PaxosMethod::PaxosHeartbeat: {
      auto* r = flatbuffers::GetRoot<fb::PaxosHeartbeat>(p);
      return done(r->from(),
                  paxos::Heartbeat{FromWire(r->ballot(), &bad), r->commit_index(), r->sent_ms()});
    }
    case fb::PaxosMethod::PaxosHeartbeatAck: {
      auto* r = flatbuffers::GetRoot<fb::PaxosHeartbeatAck>(p);
      return done(r->from(), paxos::HeartbeatAck{FromWire(r->ballot(), &bad), r->echo_sent_ms()});
    }
    case fb::PaxosMethod::PaxosCatchupRequest: {
      auto* r = flatbuffers::GetRoot<fb::PaxosCatchupRequest>(p);
      return done(r->from(), paxos::CatchupRequest{r->from_slot(), r->to_slot()});
    }
    case fb::PaxosMethod::PaxosCatchupReply: {
      auto* r = flatbuffers::GetRoot<fb::PaxosCatchupReply>(p);
      return done(r->from(), paxos::CatchupReply{r->commit_index(), Entries(r->entries(), &bad)});
    }
    case fb::PaxosMethod::PaxosPreVote: {
      auto* r = flatbuffers::GetRoot<fb::PaxosPreVote>(p);
      return done(r->from(), paxos::PreVote{FromWire(r->ballot(), &bad)});
    }
    case fb::PaxosMethod::PaxosPreVoteReply: {
      auto* r = flatbuffers::GetRoot<fb::PaxosPreVoteReply>(p);
      return done(r->from(), paxos::PreVoteReply{FromWire(r->ballot(), &bad), r->granted(),
                                                 FromWire(r->promised(), &bad)});
    }
    default:
      return std::nullopt;
  }
}

}  // namespace opendfs::replication
