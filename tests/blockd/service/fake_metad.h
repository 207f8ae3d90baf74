// FakeMetad: a libnet Server answering registry.fbs the way a metad would,
// recording what blockds send and handing out scripted replies (report
// wanted, commands on the next heartbeat, reregister).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "blockd/service/replica_events.h"
#include "libnet/server.h"

namespace opendfs::blockd::testing {

struct FakeCommand {
  bool copy = false;
  uint64_t block_id = 0;
  uint64_t version = 0;
  std::vector<std::string> targets;
};

class FakeMetad {
 public:
  explicit FakeMetad(std::string bind = "127.0.0.1:0");
  ~FakeMetad();
  Status Start();
  void Stop();
  Endpoint bound() const { return server_.bound(); }

  // Scripting (any thread).
  void set_report_wanted(bool v);
  void QueueCommand(FakeCommand c);
  void RequestReregister();

  // Observations.
  int registrations() const;
  int heartbeats() const;
  int full_reports() const;  // completed (last chunk seen)
  std::string last_uuid() const;
  std::string last_data_address() const;
  uint64_t last_heartbeat_block_count() const;
  uint32_t last_heartbeat_bad_blocks() const;
  // Latest full report's replicas by block id.
  std::map<uint64_t, ReplicaState> full_report() const;
  std::vector<ReplicaState> added() const;
  std::vector<ReplicaState> removed() const;
  std::vector<ReplicaState> corrupt() const;

  // Polls `pred` (under no lock) until true or `timeout`.
  static bool WaitFor(const std::function<bool()>& pred,
                      std::chrono::milliseconds timeout = std::chrono::seconds(20));

 private:
  Server server_;
  mutable std::mutex mu_;
  bool report_wanted_ = true;
  bool reregister_ = false;
  std::vector<FakeCommand> commands_;
  int registrations_ = 0;
  int heartbeats_ = 0;
  int full_reports_ = 0;
  std::string uuid_, data_address_;
  uint64_t hb_blocks_ = 0;
  uint32_t hb_bad_ = 0;
  std::map<uint64_t, ReplicaState> building_, full_;
  std::vector<ReplicaState> added_, removed_, corrupt_;
};

}  // namespace opendfs::blockd::testing
