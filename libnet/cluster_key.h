// The cluster key (issue 15 §1): one secret shared by every metad and blockd of
// a cluster, read from `cluster_key_file` in namenode.conf / datanode.conf.
//
// Happy path: `opendfs key generate --out FILE` (or opendfs-local) writes 32
// random bytes as 64 hex digits into a new 0600 file; each daemon loads it at
// start and authenticates every daemon-to-daemon connection with it
// (peer_auth.h).
//
// Failure modes, each one Status naming the file: missing or unreadable
// (the errno), not a regular file, readable or writable by group or others
// (chmod 600), shorter than kClusterKeyMinBytes after trailing whitespace is
// trimmed. A daemon refuses to start on any of them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "libnet/status.h"

namespace opendfs {

inline constexpr size_t kClusterKeyMinBytes = 32;

// The secret bytes. Immutable once loaded; shared by every connection.
struct ClusterKey {
  std::vector<uint8_t> bytes;
};

Result<std::shared_ptr<const ClusterKey>> LoadClusterKey(const std::string& path);

// 32 bytes from the OpenSSL CSPRNG as 64 lowercase hex digits and a newline.
Result<std::string> GenerateClusterKeyText();

// Creates `path` with mode 0600 (never overwriting: Exists if it is there)
// holding a fresh key.
Status WriteNewClusterKeyFile(const std::string& path);

}  // namespace opendfs
