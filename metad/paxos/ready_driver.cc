#include "metad/paxos/ready_driver.h"

#include <variant>

namespace opendfs::paxos {

bool ReadyDriver::SentBeforePersist(const Message& m) {
  return std::holds_alternative<Accept>(m.body);
}

bool ReadyDriver::Drive(const Ready& rd, ReadyHost& host) {
  for (const Message& m : rd.messages)
    if (SentBeforePersist(m)) host.Send(m);
  if (rd.hard_state || !rd.entries.empty()) {
    const bool sync =
        !rd.entries.empty() || (rd.hard_state && rd.hard_state->promised != persisted_promise_);
    if (!host.Persist(rd.hard_state, rd.entries, sync)) return false;
    if (rd.hard_state) persisted_promise_ = rd.hard_state->promised;
  }
  for (const Message& m : rd.messages)
    if (!SentBeforePersist(m)) host.Send(m);
  if (!rd.committed.empty()) host.Apply(rd.committed);
  host.AfterApply();
  for (const SnapshotNeeded& s : rd.snapshots_needed) host.ShipSnapshot(s);
  if (rd.soft_state) host.RoleChanged(*rd.soft_state);
  return true;
}

}  // namespace opendfs::paxos
