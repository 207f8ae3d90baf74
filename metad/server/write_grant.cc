#include "metad/server/write_grant.h"

#include <algorithm>

#include <fmt/format.h>

namespace opendfs::metad {
namespace {

WriteGrantPlan Fail(Status s) {
  WriteGrantPlan p;
  p.failure = std::move(s);
  return p;
}

}  // namespace

WriteGrantPlan PlanWriteGrant(const WriteGrantInput& in) {
  WriteGrantPlan plan;
  if (in.done) {
    if (in.done->code != StatusCode::Ok) return Fail(Status(in.done->code, in.done->message));
    if (auto g = GrantOfOpenWrite(in.existing, &in.write)) {
      plan.kind = WriteGrantPlan::Kind::kRetried;
      plan.retried = std::move(*g);
      return plan;
    }
    // Its write is over (settled): a fresh grant, untagged, since the table
    // already holds this request id.
    plan.tag = false;
  }
  if (in.existing.id == 0) {
    plan.kind = WriteGrantPlan::Kind::kNewBlock;
    return plan;
  }
  if (in.held && in.held->session == in.session && in.session != 0) {
    // Same writer again before committing: keep its version and replicas.
    plan.kind = WriteGrantPlan::Kind::kRenew;
    plan.renew = *in.held;
    return plan;
  }
  // Another client is writing this block: its version is already bumped, so
  // LockHeld (the client waits and retries) before looking for replicas at a
  // version that is in flux.
  if (in.held && in.held->session != in.session)
    return Fail(Status(StatusCode::LockHeld,
                       fmt::format("block {} of inode {} is being written by session {}",
                                   in.existing.id, in.ino, in.held->session)));
  // A write whose writer is gone: the leader settles it within a tick or two
  // (after a takeover, one lease); the client waits as for a lock.
  if (in.write.open)
    return Fail(Status(StatusCode::LockHeld,
                       fmt::format("block {} of inode {} has an unsettled write at version {}",
                                   in.existing.id, in.ino, in.existing.version)));
  plan.kind = WriteGrantPlan::Kind::kNextVersion;
  plan.new_version = std::max(in.existing.version, in.write.burned_version) + 1;
  return plan;
}

}  // namespace opendfs::metad
