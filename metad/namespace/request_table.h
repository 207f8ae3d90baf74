// RequestTable: the results of clients' recent mutations, for exactly-once
// retries (DESIGN §5).
//
// Happy path: a client mutation's editlog record carries (client id, request
// id). Namespace::Apply looks the pair up first: absent, it applies the record
// and Remember()s the result; present, the record is a retry of one already
// applied (the mount resent it after a failover or a lost reply) and the
// stored result is returned without applying anything. Every replica applies
// the same records in the same order, so every replica holds the same table,
// and it is part of the fsimage (a restarted metad, a snapshot install keep it).
//
// Bounds (deterministic: they depend only on the applied records):
//   * per client the kPerClient most recent requests (a mount has far fewer
//     mutations in flight: a retry always names one of its latest);
//   * at most kMaxClients clients; a new client evicts the one whose latest
//     record is the oldest (apply sequence, not time).
// A retry older than that is applied again (as before this table existed).
//
// Thread-safety: none (the Namespace's owner serialises every call).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

#include "libnet/status.h"

namespace opendfs::metad {

struct StoredResult {
  uint64_t request_id = 0;
  StatusCode code = StatusCode::Ok;
  std::string message;
  uint64_t inode = 0;  // ApplyResult.attr.ino
};

class RequestTable {
 public:
  static constexpr size_t kPerClient = 256;
  static constexpr size_t kMaxClients = 4096;

  struct Client {
    uint64_t last_used = 0;           // apply sequence of its latest record
    std::deque<StoredResult> recent;  // oldest first, at most kPerClient
  };

  // The stored result of (client, request), or nullptr.
  const StoredResult* Find(uint64_t client_id, uint64_t request_id) const;
  // Records the result of a newly applied request (client_id != 0).
  void Remember(uint64_t client_id, StoredResult result);

  const std::unordered_map<uint64_t, Client>& clients() const { return clients_; }
  uint64_t sequence() const { return sequence_; }
  // Image load: one client's saved state (kept within the bounds).
  void Restore(uint64_t client_id, Client client);
  size_t size() const;

 private:
  void EvictOldestClient();

  std::unordered_map<uint64_t, Client> clients_;
  uint64_t sequence_ = 0;  // highest last_used
};

}  // namespace opendfs::metad
