#include "metad/server/invalidations.h"

#include <algorithm>
#include <chrono>
#include <random>

namespace opendfs::metad {

Invalidations::Invalidations(InvalidationOptions options, Logger& log, NowFn now)
    : options_(options), log_(log), now_(std::move(now)), interest_(options.max_interest) {
  // Epochs of different leaderships (and metad runs) never repeat.
  std::random_device rd;
  next_epoch_ = ((static_cast<uint64_t>(rd()) << 32) ^ rd()) | 1;
}

Invalidations::~Invalidations() { Stop(); }

void Invalidations::Start() {
  std::lock_guard lock(mu_);
  stopping_ = false;
  if (!timer_.joinable()) timer_ = std::thread([this] { TimerLoop(); });
}

void Invalidations::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (timer_.joinable()) timer_.join();
  Forget(Status(StatusCode::ShuttingDown, "metad is stopping"));
}

void Invalidations::Note(uint64_t session, uint64_t ino) {
  if (session == 0 || ino == 0) return;
  Calls out;
  {
    std::lock_guard lock(mu_);
    auto it = subs_.find(session);
    if (it == subs_.end()) return;
    if (interest_.Add(session, ino)) return;
    log_.Info("metad: session={} caches more than {} inodes: its mount drops its caches",
              session, options_.max_interest);
    QueueReset(session, it->second, it->second.trusted);
    Deliver(it->second, out);
  }
  for (auto& c : out) c();
}

uint64_t Invalidations::Append(Sub& s, CacheEvent e) {
  if (s.queue.size() >= options_.max_queue) return 0;  // the caller resets
  uint64_t seq = s.next_seq++;
  s.queue.emplace_back(seq, std::move(e));
  return seq;
}

void Invalidations::QueueReset(uint64_t session, Sub& s, bool trusted) {
  s.queue.clear();
  uint64_t seq = s.next_seq++;
  CacheEvent reset;
  reset.kind = CacheEvent::Kind::kReset;
  s.queue.emplace_back(seq, std::move(reset));
  s.reset_seq = seq;
  s.trusted = trusted;
  interest_.SetAll(session, true);
}

PollResult Invalidations::Batch(const Sub& s) const {
  PollResult r;
  r.epoch = s.epoch;
  r.last_seq = s.acked;
  for (const auto& [seq, e] : s.queue) {
    if (r.events.size() >= options_.max_batch) break;
    r.events.push_back(e);
    r.last_seq = seq;
  }
  return r;
}

void Invalidations::Deliver(Sub& s, Calls& out) {
  if (!s.parked || s.queue.empty()) return;
  out.push_back([reply = std::move(s.parked), batch = Batch(s)] { reply(Status::Ok(), batch); });
  s.parked = nullptr;
}

bool Invalidations::Satisfied(const Waiter& w) const {
  for (const auto& [session, seq] : w.need) {
    auto it = subs_.find(session);
    if (it != subs_.end() && it->second.trusted && it->second.acked < seq) return false;
  }
  return true;
}

void Invalidations::ReleaseSatisfied(Calls& out) {
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (!Satisfied(*it)) {
      ++it;
      continue;
    }
    out.push_back(std::move(it->done));
    it = waiters_.erase(it);
  }
}

void Invalidations::Publish(uint64_t from, const std::vector<CacheEvent>& events, Done done) {
  Calls out;
  bool waiting = false;
  {
    std::lock_guard lock(mu_);
    Waiter w;
    for (auto& [id, s] : subs_) {
      if (id == from) continue;
      uint64_t last = 0;
      for (const CacheEvent& e : events) {
        if (!interest_.Interested(id, e.kind == CacheEvent::Kind::kEntry ? e.parent : e.ino))
          continue;
        last = Append(s, e);
        if (last == 0) {  // the mount is far behind: one Reset replaces the lot
          QueueReset(id, s, s.trusted);
          last = s.reset_seq;
          break;
        }
      }
      if (last == 0) continue;
      Deliver(s, out);
      if (s.trusted) w.need.emplace_back(id, last);
    }
    if (!w.need.empty()) {
      w.deadline_ms = now_() + options_.ack_wait_ms;
      w.done = std::move(done);
      waiters_.push_back(std::move(w));
      waiting = true;
    }
  }
  if (waiting) cv_.notify_all();
  for (auto& c : out) c();
  if (!waiting && done) done();
}

void Invalidations::Poll(uint64_t session, uint64_t epoch, uint64_t acked, uint32_t wait_ms,
                         PollReply reply) {
  Calls out;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      out.push_back([reply = std::move(reply)] {
        reply(Status(StatusCode::ShuttingDown, "metad is stopping"), PollResult{});
      });
    } else {
      auto [it, created] = subs_.try_emplace(session);
      Sub& s = it->second;
      if (created) {
        s.epoch = next_epoch_++;
        log_.Debug("metad: session={} subscribed to cache events epoch={}", session, s.epoch);
      }
      if (s.parked) {  // superseded by this poll: answer it empty
        PollResult empty;
        empty.epoch = s.epoch;
        empty.last_seq = s.acked;
        out.push_back([old = std::move(s.parked), empty] { old(Status::Ok(), empty); });
        s.parked = nullptr;
      }
      acked = epoch == s.epoch ? std::min(acked, s.next_seq - 1) : 0;
      if (acked > s.acked) {
        s.acked = acked;
        while (!s.queue.empty() && s.queue.front().first <= acked) s.queue.pop_front();
        if (s.reset_seq != 0 && acked >= s.reset_seq) {
          s.reset_seq = 0;
          s.trusted = true;
          interest_.SetAll(session, false);
        }
        ReleaseSatisfied(out);
      }
      s.parked = std::move(reply);
      s.poll_deadline_ms =
          now_() + std::min<int64_t>(static_cast<int64_t>(wait_ms), options_.max_poll_ms);
      if (!s.queue.empty()) {
        Deliver(s, out);
      } else if (wait_ms == 0) {
        out.push_back([r = std::move(s.parked), batch = Batch(s)] { r(Status::Ok(), batch); });
        s.parked = nullptr;
      }
    }
  }
  cv_.notify_all();
  for (auto& c : out) c();
}

void Invalidations::Forget(const Status& why) {
  Calls out;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, s] : subs_) {
      if (s.parked) out.push_back([r = std::move(s.parked), why] { r(why, PollResult{}); });
    }
    subs_.clear();
    interest_.Clear();
    for (Waiter& w : waiters_) out.push_back(std::move(w.done));
    waiters_.clear();
  }
  for (auto& c : out) c();
}

void Invalidations::Prune(const std::function<bool(uint64_t)>& alive) {
  std::vector<uint64_t> ids;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, s] : subs_) ids.push_back(id);
  }
  std::vector<uint64_t> gone;
  for (uint64_t id : ids)
    if (!alive(id)) gone.push_back(id);
  if (gone.empty()) return;
  Calls out;
  {
    std::lock_guard lock(mu_);
    for (uint64_t id : gone) {
      auto it = subs_.find(id);
      if (it == subs_.end()) continue;
      if (it->second.parked)
        out.push_back([r = std::move(it->second.parked), id] {
          r(Status(StatusCode::SessionExpired, fmt::format("session {} expired", id)),
            PollResult{});
        });
      subs_.erase(it);
      interest_.Remove(id);
    }
    ReleaseSatisfied(out);
  }
  for (auto& c : out) c();
}

void Invalidations::Tick(int64_t now_ms) {
  Calls out;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, s] : subs_) {
      if (!s.parked || now_ms < s.poll_deadline_ms) continue;
      out.push_back([r = std::move(s.parked), batch = Batch(s)] { r(Status::Ok(), batch); });
      s.parked = nullptr;
    }
    bool untrusted = false;
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (now_ms < it->deadline_ms) {
        ++it;
        continue;
      }
      for (const auto& [session, seq] : it->need) {
        auto sit = subs_.find(session);
        if (sit == subs_.end() || !sit->second.trusted || sit->second.acked >= seq) continue;
        log_.Warn("metad: session={} did not acknowledge cache events within {} ms: its "
                  "caches are untrusted until it drops them",
                  session, options_.ack_wait_ms);
        QueueReset(session, sit->second, false);
        Deliver(sit->second, out);
        untrusted = true;
      }
      out.push_back(std::move(it->done));
      it = waiters_.erase(it);
    }
    if (untrusted) ReleaseSatisfied(out);
  }
  for (auto& c : out) c();
}

void Invalidations::TimerLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const int64_t now = now_();
    int64_t next = now + 100;
    for (const auto& [id, s] : subs_)
      if (s.parked) next = std::min(next, s.poll_deadline_ms);
    for (const Waiter& w : waiters_) next = std::min(next, w.deadline_ms);
    if (next > now) cv_.wait_for(lock, std::chrono::milliseconds(next - now));
    if (stopping_) break;
    lock.unlock();
    Tick(now_());
    lock.lock();
  }
}

size_t Invalidations::subscriptions() const {
  std::lock_guard lock(mu_);
  return subs_.size();
}

bool Invalidations::trusted(uint64_t session) const {
  std::lock_guard lock(mu_);
  auto it = subs_.find(session);
  return it != subs_.end() && it->second.trusted;
}

}  // namespace opendfs::metad
