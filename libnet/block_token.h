// Block access tokens (issue 15 §3, the HDFS model): metad signs what one
// client session may do with one block; blockd checks the signature before
// serving a request that did not come from an authenticated daemon.
//
// Happy path: metad's BlockTokens::Sign() goes with each block location
// (read) and each write grant (write); the mount passes the token along in
// ReadBlockData / WriteBlockData; blockd's BlockTokens::Check() verifies
// it: the HMAC, that it names this block, allows this access and has not
// expired.
//
// Keys: no key travels. Every daemon derives the signing key of epoch E as
// HMAC-SHA-256(cluster key, "opendfs block token v1" || E), where E is the
// Unix time divided by `epoch_ms`. So the key rotates by itself, with no
// restart and no message. A token names its epoch. Check() accepts the
// current epoch and its two neighbours (a token signed just before the
// rollover, and clocks a little apart).
//
// Failure modes: Check() answers Unauthenticated with the reason (malformed,
// bad signature, another block, read-only, expired, epoch out of range).
// The reason never contains the key.
//
// Thread-safety: immutable after construction; Sign and Check may run on any
// thread. Each call derives its epoch key (one HMAC, ~1 us).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "libnet/cluster_key.h"
#include "libnet/status.h"

namespace opendfs {

enum class BlockAccess : uint8_t {
  kRead = 1,
  kWrite = 2,  // also allows reading: a writer rereads partial chunks
};

struct BlockTokenClaims {
  uint64_t block_id = 0;
  BlockAccess access = BlockAccess::kRead;
  uint64_t session = 0;         // the client session it was issued to (audit)
  int64_t expires_unix_ms = 0;
  uint64_t epoch = 0;           // filled in by Sign
};

class BlockTokens {
 public:
  static constexpr int64_t kDefaultEpochMs = 3600 * 1000;
  static constexpr int64_t kDefaultLifetimeMs = 3600 * 1000;

  BlockTokens(std::shared_ptr<const ClusterKey> key, int64_t epoch_ms = kDefaultEpochMs,
              int64_t lifetime_ms = kDefaultLifetimeMs);

  // A token (hex text, fits a flatbuffers string) for `block`, valid for the
  // lifetime from now_unix_ms.
  std::string Sign(uint64_t block_id, BlockAccess access, uint64_t session,
                   int64_t now_unix_ms) const;
  // Ok when `token` allows `access` to `block_id` at now_unix_ms.
  Status Check(std::string_view token, uint64_t block_id, BlockAccess access,
               int64_t now_unix_ms) const;
  // The claims of a token, signature checked (tests, logs).
  Result<BlockTokenClaims> Decode(std::string_view token) const;

  int64_t lifetime_ms() const { return lifetime_ms_; }

 private:
  std::shared_ptr<const ClusterKey> key_;
  const int64_t epoch_ms_;
  const int64_t lifetime_ms_;
};

}  // namespace opendfs
