#include "mount/client/reassert_gate.h"

namespace opendfs::client {
namespace {

// Per thread: unlocks this thread has in flight (0 or 1: FUSE handlers do
// not nest) and re-assertions it is running (nesting through renewals).
thread_local size_t t_unlocks = 0;
thread_local size_t t_reasserts = 0;

}  // namespace

bool ReassertGate::BeginUnlock() {
  std::unique_lock l(mu_);
  bool ok = true;
  if (t_reasserts == 0)  // not the re-asserting thread itself
    ok = cv_.wait_for(l, wait_max_, [&] { return reasserting_ == 0; });
  ++unlocks_inflight_;
  ++t_unlocks;
  return ok;
}

void ReassertGate::EndUnlock() {
  {
    std::lock_guard l(mu_);
    --unlocks_inflight_;
    --t_unlocks;
  }
  cv_.notify_all();
}

bool ReassertGate::BeginReassert() {
  std::unique_lock l(mu_);
  ++reasserting_;
  ++t_reasserts;
  if (t_reasserts > 1) return true;  // nested: the outer one waited
  // This thread's own unlock (if any) is resent after the re-assertion.
  return cv_.wait_for(l, wait_max_, [&] { return unlocks_inflight_ == t_unlocks; });
}

void ReassertGate::EndReassert() {
  {
    std::lock_guard l(mu_);
    --reasserting_;
    --t_reasserts;
  }
  cv_.notify_all();
}

}  // namespace opendfs::client
