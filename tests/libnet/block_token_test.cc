// Block access tokens: what a token allows, and every way one is refused.
#include "libnet/block_token.h"

#include <gtest/gtest.h>

namespace opendfs {
namespace {

std::shared_ptr<const ClusterKey> Key(char fill) {
  return std::make_shared<const ClusterKey>(ClusterKey{std::vector<uint8_t>(32, uint8_t(fill))});
}

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kNow = 1'765'000'000'000;  // a Unix time in ms

StatusCode Code(const Status& s) { return s.code(); }

TEST(BlockTokens, ATokenAllowsItsBlockAndAccess) {
  BlockTokens t(Key('a'));
  std::string read = t.Sign(42, BlockAccess::kRead, 7, kNow);
  std::string write = t.Sign(42, BlockAccess::kWrite, 7, kNow);
  EXPECT_TRUE(t.Check(read, 42, BlockAccess::kRead, kNow + 1).ok());
  EXPECT_TRUE(t.Check(write, 42, BlockAccess::kWrite, kNow + 1).ok());
  EXPECT_TRUE(t.Check(write, 42, BlockAccess::kRead, kNow + 1).ok()) << "a writer may read";
  auto c = t.Decode(write);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->block_id, 42u);
  EXPECT_EQ(c->session, 7u);
  EXPECT_EQ(c->expires_unix_ms, kNow + t.lifetime_ms());
}

TEST(BlockTokens, AnotherDaemonWithTheSameKeyAcceptsIt) {
  // metad signs, blockd checks: nothing but the cluster key is shared.
  BlockTokens metad(Key('a')), blockd(Key('a'));
  EXPECT_TRUE(blockd.Check(metad.Sign(1, BlockAccess::kRead, 0, kNow), 1, BlockAccess::kRead, kNow)
                  .ok());
}

TEST(BlockTokens, RefusedForAnotherBlockAccessKeyOrAfterExpiry) {
  BlockTokens t(Key('a'), kHour, 60'000);
  std::string read = t.Sign(42, BlockAccess::kRead, 7, kNow);
  EXPECT_EQ(Code(t.Check(read, 43, BlockAccess::kRead, kNow)), StatusCode::Unauthenticated);
  EXPECT_EQ(Code(t.Check(read, 42, BlockAccess::kWrite, kNow)), StatusCode::Unauthenticated);
  EXPECT_EQ(Code(t.Check(read, 42, BlockAccess::kRead, kNow + 60'000)),
            StatusCode::Unauthenticated);
  BlockTokens other(Key('b'));
  Status s = other.Check(read, 42, BlockAccess::kRead, kNow);
  EXPECT_EQ(Code(s), StatusCode::Unauthenticated);
  EXPECT_NE(s.message().find("signature"), std::string::npos) << s.ToString();
}

TEST(BlockTokens, ForgedOrMalformedTokensAreRefused) {
  BlockTokens t(Key('a'));
  std::string good = t.Sign(42, BlockAccess::kRead, 7, kNow);
  EXPECT_EQ(Code(t.Check("", 42, BlockAccess::kRead, kNow)), StatusCode::Unauthenticated);
  EXPECT_EQ(Code(t.Check("xyz", 42, BlockAccess::kRead, kNow)), StatusCode::Unauthenticated);
  std::string not_hex = good;
  not_hex[3] = 'g';
  EXPECT_EQ(Code(t.Check(not_hex, 42, BlockAccess::kRead, kNow)), StatusCode::Unauthenticated);
  // Every single flipped digit (claims or tag) breaks the signature: a
  // client cannot widen its token (another block, write access, a later
  // expiry) without the key.
  for (size_t i = 0; i < good.size(); ++i) {
    std::string forged = good;
    forged[i] = forged[i] == '0' ? '1' : '0';
    EXPECT_FALSE(t.Check(forged, 42, BlockAccess::kRead, kNow).ok()) << "digit " << i;
  }
}

TEST(BlockTokens, KeysRollOverByEpochAndNeighboursAreAccepted) {
  BlockTokens t(Key('a'), kHour, 10 * kHour);
  const int64_t start = (kNow / kHour) * kHour;
  std::string old = t.Sign(5, BlockAccess::kRead, 0, start + kHour - 1);  // just before the roll
  EXPECT_TRUE(t.Check(old, 5, BlockAccess::kRead, start + kHour + 1).ok());
  // Two epochs on, still unexpired, it is refused: its key is retired.
  EXPECT_EQ(Code(t.Check(old, 5, BlockAccess::kRead, start + 3 * kHour)),
            StatusCode::Unauthenticated);
  // The epoch is part of what is signed: tokens of different epochs differ.
  EXPECT_NE(t.Sign(5, BlockAccess::kRead, 0, start), t.Sign(5, BlockAccess::kRead, 0, start + kHour));
  // A signer whose clock is one epoch ahead is still accepted.
  EXPECT_TRUE(t.Check(t.Sign(5, BlockAccess::kRead, 0, start + kHour), 5, BlockAccess::kRead,
                      start + kHour - 10)
                  .ok());
}

}  // namespace
}  // namespace opendfs
