// Block access tokens; see block_token.h.
#include "libnet/block_token.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include <array>
#include <cstring>
#include <vector>

#include "libnet/check.h"

namespace opendfs {

namespace {

// Layout of the signed bytes (little endian): block_id u64, access u8,
// session u64, expires i64, epoch u64; then a 16-byte tag over them.
constexpr size_t kClaimBytes = 8 + 1 + 8 + 8 + 8;
constexpr size_t kTagBytes = 16;
constexpr size_t kTokenBytes = kClaimBytes + kTagBytes;
constexpr std::string_view kLabel = "opendfs block token v1";

void Put64(std::vector<uint8_t>& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
uint64_t Get64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

std::array<uint8_t, 32> Hmac(const uint8_t* key, size_t key_len, const uint8_t* msg,
                             size_t msg_len) {
  std::array<uint8_t, 32> out{};
  unsigned len = 0;
  ODFS_CHECK(HMAC(EVP_sha256(), key, static_cast<int>(key_len), msg, msg_len, out.data(), &len) !=
             nullptr);
  ODFS_CHECK(len == out.size());
  return out;
}

std::array<uint8_t, 32> EpochKey(const ClusterKey& key, uint64_t epoch) {
  std::vector<uint8_t> msg(kLabel.begin(), kLabel.end());
  Put64(msg, epoch);
  return Hmac(key.bytes.data(), key.bytes.size(), msg.data(), msg.size());
}

std::array<uint8_t, 32> Tag(const ClusterKey& key, uint64_t epoch, const uint8_t* claims) {
  auto k = EpochKey(key, epoch);
  auto tag = Hmac(k.data(), k.size(), claims, kClaimBytes);
  OPENSSL_cleanse(k.data(), k.size());
  return tag;
}

constexpr char kHex[] = "0123456789abcdef";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

Status Refused(std::string_view why) {
  return Status(StatusCode::Unauthenticated, "block token " + std::string(why));
}

uint64_t EpochOf(int64_t unix_ms, int64_t epoch_ms) {
  return unix_ms <= 0 ? 0 : static_cast<uint64_t>(unix_ms / epoch_ms);
}

}  // namespace

BlockTokens::BlockTokens(std::shared_ptr<const ClusterKey> key, int64_t epoch_ms,
                         int64_t lifetime_ms)
    : key_(std::move(key)), epoch_ms_(epoch_ms), lifetime_ms_(lifetime_ms) {
  ODFS_CHECK(key_ != nullptr && !key_->bytes.empty());
  ODFS_CHECK(epoch_ms_ > 0 && lifetime_ms_ > 0);
}

std::string BlockTokens::Sign(uint64_t block_id, BlockAccess access, uint64_t session,
                              int64_t now_unix_ms) const {
  const uint64_t epoch = EpochOf(now_unix_ms, epoch_ms_);
  std::vector<uint8_t> b;
  b.reserve(kTokenBytes);
  Put64(b, block_id);
  b.push_back(static_cast<uint8_t>(access));
  Put64(b, session);
  Put64(b, static_cast<uint64_t>(now_unix_ms + lifetime_ms_));
  Put64(b, epoch);
  auto tag = Tag(*key_, epoch, b.data());
  b.insert(b.end(), tag.begin(), tag.begin() + kTagBytes);
  std::string hex;
  hex.reserve(2 * b.size());
  for (uint8_t c : b) {
    hex.push_back(kHex[c >> 4]);
    hex.push_back(kHex[c & 15]);
  }
  return hex;
}

Result<BlockTokenClaims> BlockTokens::Decode(std::string_view token) const {
  if (token.empty()) return Refused("missing");
  if (token.size() != 2 * kTokenBytes) return Refused("malformed (wrong length)");
  std::array<uint8_t, kTokenBytes> b{};
  for (size_t i = 0; i < kTokenBytes; ++i) {
    int hi = HexValue(token[2 * i]), lo = HexValue(token[2 * i + 1]);
    if (hi < 0 || lo < 0) return Refused("malformed (not hex)");
    b[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  BlockTokenClaims c;
  c.block_id = Get64(&b[0]);
  const uint8_t access = b[8];
  c.session = Get64(&b[9]);
  c.expires_unix_ms = static_cast<int64_t>(Get64(&b[17]));
  c.epoch = Get64(&b[25]);
  auto tag = Tag(*key_, c.epoch, b.data());
  if (CRYPTO_memcmp(tag.data(), &b[kClaimBytes], kTagBytes) != 0)
    return Refused("signature does not match (another cluster key?)");
  if (access != static_cast<uint8_t>(BlockAccess::kRead) &&
      access != static_cast<uint8_t>(BlockAccess::kWrite))
    return Refused("malformed (access)");
  c.access = static_cast<BlockAccess>(access);
  return c;
}

Status BlockTokens::Check(std::string_view token, uint64_t block_id, BlockAccess access,
                          int64_t now_unix_ms) const {
  ODFS_ASSIGN_OR_RETURN(BlockTokenClaims c, Decode(token));
  if (c.block_id != block_id) return Refused("is for another block");
  if (access == BlockAccess::kWrite && c.access != BlockAccess::kWrite)
    return Refused("allows reading only");
  if (now_unix_ms >= c.expires_unix_ms) return Refused("expired");
  const uint64_t now_epoch = EpochOf(now_unix_ms, epoch_ms_);
  if (c.epoch + 1 < now_epoch || c.epoch > now_epoch + 1) return Refused("epoch out of range");
  return Status::Ok();
}

}  // namespace opendfs
