// The cluster-key handshake and frame MACs as a pure state machine
// (libnet/peer_auth.h): a good key establishes both sides with matching
// per-direction MACs; a wrong key, a replayed handshake, a tampered,
// replayed, reordered or truncated frame or message is refused.
#include "libnet/peer_auth.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "libnet/cluster_key.h"

namespace opendfs {
namespace {

ClusterKey Key(char fill) { return ClusterKey{std::vector<uint8_t>(32, uint8_t(fill))}; }

PeerNonce Nonce(uint8_t fill) {
  PeerNonce n;
  n.fill(fill);
  return n;
}

std::span<const uint8_t> Span(const HandshakePayload& p) { return {p->data(), p->size()}; }

struct Pair {
  PeerHandshake initiator;
  PeerHandshake acceptor;
  Pair(const ClusterKey& ki, const ClusterKey& ka, std::vector<fb::PeerRole> roles = {})
      : initiator(PeerHandshake::Side::kInitiator, ki, fb::PeerRole::Blockd, Nonce(1)),
        acceptor(PeerHandshake::Side::kAcceptor, ka, fb::PeerRole::Metad, Nonce(2),
                 std::move(roles)) {}
};

// Runs the three messages; returns the first refusal.
Status Handshake(Pair& p) {
  HandshakePayload hello = p.initiator.Hello();
  Result<HandshakePayload> challenge = p.acceptor.OnHello(Span(hello));
  if (!challenge.ok()) return challenge.status();
  Result<HandshakePayload> proof = p.initiator.OnChallenge(Span(challenge.value()));
  if (!proof.ok()) return proof.status();
  return p.acceptor.OnProof(Span(proof.value()));
}

uint8_t kHeader[kFrameHeaderSize] = {'O', 'D', 'F', 'S', 1, 0, 50, 0};

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST(PeerAuthTest, GoodKeyEstablishesBothSidesWithMatchingMacs) {
  ClusterKey k = Key('k');
  Pair p(k, k);
  ASSERT_TRUE(Handshake(p).ok());
  EXPECT_TRUE(p.initiator.established());
  EXPECT_TRUE(p.acceptor.established());
  EXPECT_EQ(p.acceptor.peer_role(), fb::PeerRole::Blockd);
  EXPECT_EQ(p.initiator.peer_role(), fb::PeerRole::Metad);
  auto i_send = p.initiator.TakeSendMac(), a_recv = p.acceptor.TakeRecvMac();
  auto a_send = p.acceptor.TakeSendMac(), i_recv = p.initiator.TakeRecvMac();
  std::vector<uint8_t> payload = Bytes("payload"), data = Bytes("block bytes");
  for (int i = 0; i < 3; ++i) {
    FrameTag t = i_send->Seal(kHeader, payload, data);
    EXPECT_TRUE(a_recv->Open(kHeader, payload, data, t).ok()) << i;
    FrameTag r = a_send->Seal(kHeader, payload, {});
    EXPECT_TRUE(i_recv->Open(kHeader, payload, {}, r).ok()) << i;
  }
  // The two directions use different keys: a frame reflected back fails.
  FrameTag t = i_send->Seal(kHeader, payload, data);
  EXPECT_EQ(i_recv->Open(kHeader, payload, data, t).code(), StatusCode::Unauthenticated);
}

TEST(PeerAuthTest, WrongKeyIsRefusedByTheInitiatorFirst) {
  ClusterKey a = Key('a'), b = Key('b');
  Pair p(a, b);
  Status st = Handshake(p);
  EXPECT_EQ(st.code(), StatusCode::Unauthenticated);
  EXPECT_NE(st.message().find("cluster key"), std::string::npos) << st.ToString();
  EXPECT_FALSE(p.initiator.established());
  EXPECT_FALSE(p.acceptor.established());
}

TEST(PeerAuthTest, AcceptorRefusesAWrongProof) {
  ClusterKey a = Key('a'), b = Key('b');
  // An initiator that ignores the acceptor's (wrong) challenge still cannot
  // forge the proof: replay a proof from a good handshake with other nonces.
  Pair good(a, a);
  HandshakePayload hello = good.initiator.Hello();
  auto ch = good.acceptor.OnHello(Span(hello));
  ASSERT_TRUE(ch.ok());
  auto proof = good.initiator.OnChallenge(Span(ch.value()));
  ASSERT_TRUE(proof.ok());
  // A second acceptor with a different nonce: the recorded proof is refused.
  PeerHandshake other(PeerHandshake::Side::kAcceptor, a, fb::PeerRole::Metad, Nonce(3));
  ASSERT_TRUE(other.OnHello(Span(hello)).ok());
  EXPECT_EQ(other.OnProof(Span(proof.value())).code(), StatusCode::Unauthenticated);
  // And an acceptor holding another key refuses the good initiator's proof.
  PeerHandshake wrong(PeerHandshake::Side::kAcceptor, b, fb::PeerRole::Metad, Nonce(2));
  ASSERT_TRUE(wrong.OnHello(Span(hello)).ok());
  EXPECT_EQ(wrong.OnProof(Span(proof.value())).code(), StatusCode::Unauthenticated);
}

TEST(PeerAuthTest, RoleOutsideTheAcceptedSetIsRefused) {
  ClusterKey k = Key('k');
  Pair p(k, k, {fb::PeerRole::MetadPaxos});
  EXPECT_EQ(Handshake(p).code(), StatusCode::Unauthenticated);
  Pair q(k, k, {fb::PeerRole::Blockd});
  EXPECT_TRUE(Handshake(q).ok());
}

TEST(PeerAuthTest, MessagesOutOfOrderOrTruncatedAreRefused) {
  ClusterKey k = Key('k');
  PeerHandshake acc(PeerHandshake::Side::kAcceptor, k, fb::PeerRole::Metad, Nonce(2));
  EXPECT_EQ(acc.OnProof({}).code(), StatusCode::Unauthenticated);  // proof before hello
  PeerHandshake ini(PeerHandshake::Side::kInitiator, k, fb::PeerRole::Blockd, Nonce(1));
  HandshakePayload hello = ini.Hello();
  PeerHandshake acc2(PeerHandshake::Side::kAcceptor, k, fb::PeerRole::Metad, Nonce(2));
  // Truncated hello: the verifier refuses it, nothing crashes.
  EXPECT_EQ(acc2.OnHello(Span(hello).first(hello->size() / 2)).status().code(),
            StatusCode::Unauthenticated);
  PeerHandshake acc3(PeerHandshake::Side::kAcceptor, k, fb::PeerRole::Metad, Nonce(2));
  auto ch = acc3.OnHello(Span(hello));
  ASSERT_TRUE(ch.ok());
  EXPECT_EQ(ini.OnChallenge(Span(ch.value()).first(ch.value()->size() - 5)).status().code(),
            StatusCode::Unauthenticated);
  // A hello echoing the acceptor's own nonce (a reflection) is refused.
  PeerHandshake mirror(PeerHandshake::Side::kInitiator, k, fb::PeerRole::Blockd, Nonce(2));
  PeerHandshake acc4(PeerHandshake::Side::kAcceptor, k, fb::PeerRole::Metad, Nonce(2));
  EXPECT_EQ(acc4.OnHello(Span(mirror.Hello())).status().code(), StatusCode::Unauthenticated);
}

class SealedFrames : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Handshake(p_).ok());
    send_ = p_.initiator.TakeSendMac();
    recv_ = p_.acceptor.TakeRecvMac();
  }
  ClusterKey k_ = Key('k');
  Pair p_{k_, k_};
  std::unique_ptr<FrameMac> send_, recv_;
  std::vector<uint8_t> payload_ = Bytes("payload"), data_ = Bytes("data");
};

TEST_F(SealedFrames, TamperedHeaderPayloadDataOrTagIsRefused) {
  FrameTag t = send_->Seal(kHeader, payload_, data_);
  uint8_t header[kFrameHeaderSize];
  std::copy(kHeader, kHeader + kFrameHeaderSize, header);
  header[6] ^= 1;
  EXPECT_FALSE(recv_->Open(header, payload_, data_, t).ok());
  std::vector<uint8_t> p = payload_;
  p[0] ^= 0x80;
  EXPECT_FALSE(recv_->Open(kHeader, p, data_, t).ok());
  std::vector<uint8_t> d = data_;
  d.back() ^= 1;
  EXPECT_FALSE(recv_->Open(kHeader, payload_, d, t).ok());
  FrameTag bad = t;
  bad[15] ^= 1;
  EXPECT_FALSE(recv_->Open(kHeader, payload_, data_, bad).ok());
  // Truncated data (moving bytes between payload and data is also a change).
  EXPECT_FALSE(recv_->Open(kHeader, payload_, std::span(data_).first(3), t).ok());
  // Refusals do not advance: the genuine frame still opens.
  EXPECT_TRUE(recv_->Open(kHeader, payload_, data_, t).ok());
}

TEST_F(SealedFrames, ReplayedAndReorderedFramesAreRefused) {
  FrameTag t0 = send_->Seal(kHeader, payload_, data_);
  FrameTag t1 = send_->Seal(kHeader, payload_, data_);
  EXPECT_FALSE(recv_->Open(kHeader, payload_, data_, t1).ok());  // t1 before t0
  ASSERT_TRUE(recv_->Open(kHeader, payload_, data_, t0).ok());
  EXPECT_FALSE(recv_->Open(kHeader, payload_, data_, t0).ok());  // t0 again
  EXPECT_TRUE(recv_->Open(kHeader, payload_, data_, t1).ok());
  EXPECT_EQ(recv_->seq(), 2u);
}

TEST_F(SealedFrames, AnotherConnectionsTagsDoNotOpen) {
  // Same key, different nonces: a frame recorded on one connection is
  // refused on the next.
  PeerHandshake ini(PeerHandshake::Side::kInitiator, k_, fb::PeerRole::Blockd, Nonce(7));
  PeerHandshake acc(PeerHandshake::Side::kAcceptor, k_, fb::PeerRole::Metad, Nonce(8));
  auto ch = acc.OnHello(Span(ini.Hello()));
  ASSERT_TRUE(ch.ok());
  auto pr = ini.OnChallenge(Span(ch.value()));
  ASSERT_TRUE(pr.ok());
  ASSERT_TRUE(acc.OnProof(Span(pr.value())).ok());
  auto recv2 = acc.TakeRecvMac();
  FrameTag t = send_->Seal(kHeader, payload_, data_);
  EXPECT_FALSE(recv2->Open(kHeader, payload_, data_, t).ok());
}

// --- the key file ---

std::string TempPath(const char* name) {
  return std::string(::testing::TempDir()) + "/" + name + std::to_string(getpid());
}

void WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  std::remove(path.c_str());
  std::ofstream(path) << text;
  ASSERT_EQ(chmod(path.c_str(), mode), 0);
}

TEST(ClusterKeyFileTest, GeneratedFileLoadsAndIsPrivate) {
  std::string path = TempPath("key_gen");
  std::remove(path.c_str());
  ASSERT_TRUE(WriteNewClusterKeyFile(path).ok());
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto k = LoadClusterKey(path);
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_EQ(k.value()->bytes.size(), 64u);  // 64 hex digits, newline trimmed
  EXPECT_EQ(WriteNewClusterKeyFile(path).code(), StatusCode::Exists);  // never overwrites
  std::remove(path.c_str());
}

TEST(ClusterKeyFileTest, MissingWorldReadableAndShortFilesAreRefused) {
  std::string path = TempPath("key_bad");
  std::remove(path.c_str());
  Status missing = LoadClusterKey(path).status();
  EXPECT_EQ(missing.code(), StatusCode::NotFound);
  EXPECT_NE(missing.message().find(path), std::string::npos);
  WriteFile(path, std::string(64, 'a'), 0644);
  Status open = LoadClusterKey(path).status();
  EXPECT_EQ(open.code(), StatusCode::AccessDenied);
  EXPECT_NE(open.message().find("chmod 600"), std::string::npos) << open.ToString();
  WriteFile(path, std::string(64, 'a'), 0640);
  EXPECT_EQ(LoadClusterKey(path).status().code(), StatusCode::AccessDenied);
  WriteFile(path, "short\n", 0600);
  EXPECT_EQ(LoadClusterKey(path).status().code(), StatusCode::Invalid);
  WriteFile(path, std::string(31, 'a') + "\n\n", 0600);
  EXPECT_EQ(LoadClusterKey(path).status().code(), StatusCode::Invalid);
  WriteFile(path, std::string(32, 'a') + "\n", 0600);
  EXPECT_TRUE(LoadClusterKey(path).ok());
  std::remove(path.c_str());
  EXPECT_EQ(LoadClusterKey(::testing::TempDir()).status().code(), StatusCode::Invalid);  // a dir
}

}  // namespace
}  // namespace opendfs
