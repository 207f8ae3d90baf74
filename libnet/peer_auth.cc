// Cluster-key handshake and per-frame MACs (see peer_auth.h). All the crypto
// is OpenSSL's: HMAC-SHA-256 through EVP_MAC, RAND_bytes, CRYPTO_memcmp.
#include "libnet/peer_auth.h"

#include <string_view>

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "libnet/check.h"

namespace opendfs {
namespace {

using Mac32 = std::array<uint8_t, kPeerMacSize>;

// HMAC-SHA-256(key, parts...) in one go (handshake and key derivation).
Mac32 Hmac(std::span<const uint8_t> key, std::initializer_list<std::span<const uint8_t>> parts) {
  std::vector<uint8_t> msg;
  for (auto p : parts) msg.insert(msg.end(), p.begin(), p.end());
  Mac32 out{};
  unsigned len = 0;
  ODFS_CHECK(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), msg.data(), msg.size(),
                  out.data(), &len) != nullptr);
  ODFS_CHECK(len == out.size());
  return out;
}

std::span<const uint8_t> Label(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

HandshakePayload Finish(flatbuffers::FlatBufferBuilder& b) {
  return std::make_shared<const flatbuffers::DetachedBuffer>(b.Release());
}

template <class T>
const T* Verified(std::span<const uint8_t> payload) {
  if (!VerifyPayload<T>(payload.data(), payload.size())) return nullptr;
  return flatbuffers::GetRoot<T>(payload.data());
}

bool Fixed(const flatbuffers::Vector<uint8_t>* v, size_t n) { return v != nullptr && v->size() == n; }

}  // namespace

PeerNonce RandomPeerNonce() {
  PeerNonce n{};
  ODFS_CHECK(RAND_bytes(n.data(), static_cast<int>(n.size())) == 1);
  return n;
}

// A keyed HMAC context; each frame re-initialises it with the same key.
struct FrameMac::Ctx {
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* ctx = nullptr;
};

FrameMac::FrameMac(std::span<const uint8_t> key) : ctx_(std::make_unique<Ctx>()) {
  ctx_->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  ODFS_CHECK(ctx_->mac != nullptr);
  ctx_->ctx = EVP_MAC_CTX_new(ctx_->mac);
  ODFS_CHECK(ctx_->ctx != nullptr);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  ODFS_CHECK(EVP_MAC_init(ctx_->ctx, key.data(), key.size(), params) == 1);
}

FrameMac::~FrameMac() {
  EVP_MAC_CTX_free(ctx_->ctx);
  EVP_MAC_free(ctx_->mac);
}

FrameTag FrameMac::Compute(const uint8_t header[kFrameHeaderSize],
                           std::span<const uint8_t> payload,
                           std::span<const uint8_t> data) const {
  uint8_t seq[8];
  for (int i = 0; i < 8; ++i) seq[i] = uint8_t(seq_ >> (8 * i));
  // A null key re-uses the one set in the constructor.
  ODFS_CHECK(EVP_MAC_init(ctx_->ctx, nullptr, 0, nullptr) == 1);
  ODFS_CHECK(EVP_MAC_update(ctx_->ctx, seq, sizeof seq) == 1);
  ODFS_CHECK(EVP_MAC_update(ctx_->ctx, header, kFrameHeaderSize) == 1);
  if (!payload.empty()) ODFS_CHECK(EVP_MAC_update(ctx_->ctx, payload.data(), payload.size()) == 1);
  if (!data.empty()) ODFS_CHECK(EVP_MAC_update(ctx_->ctx, data.data(), data.size()) == 1);
  uint8_t full[EVP_MAX_MD_SIZE];
  size_t len = 0;
  ODFS_CHECK(EVP_MAC_final(ctx_->ctx, full, &len, sizeof full) == 1);
  ODFS_CHECK(len >= kFrameTagSize);
  FrameTag tag{};
  std::copy(full, full + kFrameTagSize, tag.begin());
  return tag;
}

FrameTag FrameMac::Seal(const uint8_t header[kFrameHeaderSize], std::span<const uint8_t> payload,
                        std::span<const uint8_t> data) {
  FrameTag t = Compute(header, payload, data);
  ++seq_;
  return t;
}

Status FrameMac::Open(const uint8_t header[kFrameHeaderSize], std::span<const uint8_t> payload,
                      std::span<const uint8_t> data, const FrameTag& tag) {
  FrameTag want = Compute(header, payload, data);
  if (CRYPTO_memcmp(want.data(), tag.data(), want.size()) != 0)
    return Status(StatusCode::Unauthenticated,
                  fmt::format("frame {} failed its MAC check (tampered, replayed or reordered)",
                              seq_));
  ++seq_;
  return Status::Ok();
}

PeerHandshake::PeerHandshake(Side side, const ClusterKey& key, fb::PeerRole self,
                             PeerNonce nonce, std::vector<fb::PeerRole> accept_roles)
    : side_(side), key_(key), self_(self), nonce_(nonce), accept_roles_(std::move(accept_roles)) {}

Status PeerHandshake::Fail(std::string why) {
  step_ = Step::kFailed;
  return Status(StatusCode::Unauthenticated, std::move(why));
}

Mac32 PeerHandshake::Proof(std::string_view label) const {
  const PeerNonce& ni = side_ == Side::kInitiator ? nonce_ : peer_nonce_;
  const PeerNonce& na = side_ == Side::kInitiator ? peer_nonce_ : nonce_;
  uint8_t roles[2] = {static_cast<uint8_t>(side_ == Side::kInitiator ? self_ : peer_role_),
                      static_cast<uint8_t>(side_ == Side::kInitiator ? peer_role_ : self_)};
  return Hmac(key_.bytes, {Label(label), ni, na, std::span<const uint8_t>(roles, 2)});
}

void PeerHandshake::Establish() {
  const PeerNonce& ni = side_ == Side::kInitiator ? nonce_ : peer_nonce_;
  const PeerNonce& na = side_ == Side::kInitiator ? peer_nonce_ : nonce_;
  Mac32 i2a = Hmac(key_.bytes, {Label("odfs-i2a"), ni, na});
  Mac32 a2i = Hmac(key_.bytes, {Label("odfs-a2i"), ni, na});
  bool initiator = side_ == Side::kInitiator;
  send_ = std::make_unique<FrameMac>(initiator ? i2a : a2i);
  recv_ = std::make_unique<FrameMac>(initiator ? a2i : i2a);
  step_ = Step::kEstablished;
}

HandshakePayload PeerHandshake::Hello() {
  ODFS_CHECK(side_ == Side::kInitiator);
  ODFS_CHECK(step_ == Step::kStart);
  step_ = Step::kHelloSent;
  flatbuffers::FlatBufferBuilder b(96);
  auto n = b.CreateVector(nonce_.data(), nonce_.size());
  b.Finish(fb::CreatePeerHello(b, self_, n));
  return Finish(b);
}

Result<HandshakePayload> PeerHandshake::OnChallenge(std::span<const uint8_t> payload) {
  if (side_ != Side::kInitiator || step_ != Step::kHelloSent)
    return Fail("unexpected PeerChallenge");
  const auto* c = Verified<fb::PeerChallenge>(payload);
  if (c == nullptr || !Fixed(c->nonce(), kPeerNonceSize) || !Fixed(c->mac(), kPeerMacSize))
    return Fail("malformed PeerChallenge");
  peer_role_ = c->role();
  std::copy(c->nonce()->begin(), c->nonce()->end(), peer_nonce_.begin());
  if (peer_nonce_ == nonce_) return Fail("PeerChallenge echoes our own nonce");
  Mac32 want = Proof("odfs-accept");
  if (CRYPTO_memcmp(want.data(), c->mac()->data(), want.size()) != 0)
    return Fail("peer does not hold the cluster key (its challenge proof is wrong)");
  Mac32 mine = Proof("odfs-initiate");
  flatbuffers::FlatBufferBuilder b(64);
  auto m = b.CreateVector(mine.data(), mine.size());
  b.Finish(fb::CreatePeerProof(b, m));
  Establish();
  return Finish(b);
}

Result<HandshakePayload> PeerHandshake::OnHello(std::span<const uint8_t> payload) {
  if (side_ != Side::kAcceptor || step_ != Step::kStart) return Fail("unexpected PeerHello");
  const auto* h = Verified<fb::PeerHello>(payload);
  if (h == nullptr || !Fixed(h->nonce(), kPeerNonceSize)) return Fail("malformed PeerHello");
  peer_role_ = h->role();
  if (peer_role_ == fb::PeerRole::None ||
      (!accept_roles_.empty() &&
       std::find(accept_roles_.begin(), accept_roles_.end(), peer_role_) == accept_roles_.end()))
    return Fail(fmt::format("peer role {} is not accepted here",
                            static_cast<int>(peer_role_)));
  std::copy(h->nonce()->begin(), h->nonce()->end(), peer_nonce_.begin());
  if (peer_nonce_ == nonce_) return Fail("PeerHello echoes our own nonce");
  Mac32 mine = Proof("odfs-accept");
  flatbuffers::FlatBufferBuilder b(128);
  auto n = b.CreateVector(nonce_.data(), nonce_.size());
  auto m = b.CreateVector(mine.data(), mine.size());
  b.Finish(fb::CreatePeerChallenge(b, self_, n, m));
  step_ = Step::kChallengeSent;
  return Finish(b);
}

Status PeerHandshake::OnProof(std::span<const uint8_t> payload) {
  if (side_ != Side::kAcceptor || step_ != Step::kChallengeSent)
    return Fail("unexpected PeerProof");
  const auto* p = Verified<fb::PeerProof>(payload);
  if (p == nullptr || !Fixed(p->mac(), kPeerMacSize)) return Fail("malformed PeerProof");
  Mac32 want = Proof("odfs-initiate");
  if (CRYPTO_memcmp(want.data(), p->mac()->data(), want.size()) != 0)
    return Fail("peer does not hold the cluster key (its proof is wrong)");
  Establish();
  return Status::Ok();
}

std::unique_ptr<FrameMac> PeerHandshake::TakeSendMac() {
  ODFS_CHECK(established());
  return std::move(send_);
}

std::unique_ptr<FrameMac> PeerHandshake::TakeRecvMac() {
  ODFS_CHECK(established());
  return std::move(recv_);
}

}  // namespace opendfs
