// RequestTable: see request_table.h.
#include "metad/namespace/request_table.h"

#include <algorithm>

namespace opendfs::metad {

const StoredResult* RequestTable::Find(uint64_t client_id, uint64_t request_id) const {
  auto it = clients_.find(client_id);
  if (it == clients_.end()) return nullptr;
  for (const StoredResult& r : it->second.recent) {
    if (r.request_id == request_id) return &r;
  }
  return nullptr;
}

void RequestTable::EvictOldestClient() {
  auto oldest = clients_.begin();
  for (auto it = clients_.begin(); it != clients_.end(); ++it) {
    // Ties cannot happen (each record has its own sequence); the id breaks
    // them anyway so that every replica evicts the same client.
    if (it->second.last_used < oldest->second.last_used ||
        (it->second.last_used == oldest->second.last_used && it->first < oldest->first))
      oldest = it;
  }
  if (oldest != clients_.end()) clients_.erase(oldest);
}

void RequestTable::Remember(uint64_t client_id, StoredResult result) {
  if (client_id == 0 || result.request_id == 0) return;
  auto it = clients_.find(client_id);
  if (it == clients_.end()) {
    if (clients_.size() >= kMaxClients) EvictOldestClient();
    it = clients_.emplace(client_id, Client{}).first;
  }
  Client& c = it->second;
  c.last_used = ++sequence_;
  c.recent.push_back(std::move(result));
  while (c.recent.size() > kPerClient) c.recent.pop_front();
}

void RequestTable::Restore(uint64_t client_id, Client client) {
  while (client.recent.size() > kPerClient) client.recent.pop_front();
  sequence_ = std::max(sequence_, client.last_used);
  if (clients_.size() >= kMaxClients) EvictOldestClient();
  clients_[client_id] = std::move(client);
}

size_t RequestTable::size() const {
  size_t n = 0;
  for (const auto& [id, c] : clients_) n += c.recent.size();
  return n;
}

}  // namespace opendfs::metad
