// Crash safety with real processes: a child appends (and checkpoints) through
// the RocksDB stores as fast as it can, reporting each acknowledged index on a
// pipe; the parent SIGKILLs it at a random moment, reopens the stores and
// checks every acknowledged record is there, intact, and that the fsimage is
// complete and the log continues it without a gap. Each round reuses the same
// directories, so later rounds also recover from the earlier crashes.
//
// The child is this same binary re-executed (a fresh process, not a bare fork
// of a process that may hold RocksDB threads); a global constructor sees
// ODFS_STORE_CRASH_CHILD and runs the child's loop instead of the tests.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "metad/store/checkpointer.h"
#include "metad/store/group_committer.h"
#include "metad/store/recovery.h"
#include "metad/store/rocks_edit_log.h"
#include "metad/store/rocks_fs_image_store.h"
#include "temp_dir.h"

namespace opendfs::store {
namespace {

constexpr int kAckFd = 3;
constexpr int kSubmitters = 8;
constexpr uint64_t kCheckpointNum = 40;
constexpr int kFillerEntries = 3000;  // makes each image take a while to write
constexpr uint64_t kStateKeys = 64;

struct Ack {
  uint64_t index;
  uint32_t submitter;
  uint32_t seq;
};
static_assert(sizeof(Ack) == 16);

// ~200 bytes naming its submitter and sequence number, so the parent can
// tell an intact record from a damaged or misplaced one.
std::string RecordFor(uint32_t submitter, uint32_t seq) {
  std::string r = "s" + std::to_string(submitter) + "-q" + std::to_string(seq) + "-";
  while (r.size() < 200) r.push_back(static_cast<char>('a' + (r.size() * 7 + seq) % 26));
  return r;
}

std::string StateKey(uint64_t index) { return "k" + std::to_string(index % kStateKeys); }
std::string StateValue(uint64_t index, std::string_view record) {
  return std::to_string(index) + ":" + std::string(record);
}
std::string FillerKey(int n) { return "filler/" + std::to_string(n); }

// The toy state machine the checkpoint child runs: StateKey(i) holds the last
// record i with that key.
struct ToyState {
  std::map<std::string, std::string> kv;

  RecoveryHooks Hooks() {
    RecoveryHooks hooks;
    hooks.load_image = [this](ImageSource& source) {
      std::string_view k, v;
      while (source.Next(&k, &v)) {
        if (k.substr(0, 1) == "k") kv[std::string(k)] = std::string(v);
      }
      return source.status();
    };
    hooks.apply_record = [this](uint64_t index, std::string_view record) {
      kv[StateKey(index)] = StateValue(index, record);
      return Status::Ok();
    };
    return hooks;
  }
  Status Dump(ImageSink& sink, uint64_t covered) const {
    for (const auto& [k, v] : kv) ODFS_RETURN_IF_ERROR(sink.Put(k, v));
    for (int n = 0; n < kFillerEntries; ++n) {
      ODFS_RETURN_IF_ERROR(sink.Put(FillerKey(n), std::to_string(covered)));
    }
    return Status::Ok();
  }
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "crash child: %s\n", what.c_str());
  _exit(2);
}

// Submits records from kSubmitters threads forever; every completion is
// acknowledged on kAckFd from the writer thread (so acks are in index order).
[[noreturn]] void RunSubmitters(GroupCommitter& committer) {
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < kSubmitters; ++t) {
    threads.emplace_back([&committer, t] {
      for (uint32_t seq = 0;; ++seq) {
        Status s = committer.Submit(RecordFor(t, seq), [t, seq](const Committed& c) {
          if (!c.status.ok()) Die("commit failed: " + c.status.ToString());
          Ack ack{c.index, t, seq};
          if (write(kAckFd, &ack, sizeof ack) != sizeof ack) _exit(3);
        });
        if (!s.ok()) Die("submit failed: " + s.ToString());
      }
    });
  }
  for (auto& th : threads) th.join();
  _exit(0);
}

[[noreturn]] void AppendChild(const std::string& dir) {
  auto log = RocksEditLog::Open(dir + "/editlog");
  if (!log.ok()) Die(log.status().ToString());
  GroupCommitterOptions options;
  options.queue_records_max = 512;
  GroupCommitter committer(**log, {}, options, Logger::Quiet());
  RunSubmitters(committer);
}

[[noreturn]] void CheckpointChild(const std::string& dir) {
  auto log = RocksEditLog::Open(dir + "/editlog");
  if (!log.ok()) Die(log.status().ToString());
  auto images = RocksFsImageStore::Open(dir + "/fsimage", {}, Logger::Quiet());
  if (!images.ok()) Die(images.status().ToString());
  static ToyState state;
  auto recovered = Recover(**images, **log, state.Hooks(), Logger::Quiet());
  if (!recovered.ok()) Die(recovered.status().ToString());
  static uint64_t applied = 0;
  applied = recovered->last_applied_index;
  static Checkpointer checkpointer(**images, **log, kCheckpointNum,
                                   recovered->image_covered_index,
                                   [](ImageSink& sink) { return state.Dump(sink, applied); },
                                   Logger::Quiet());
  GroupCommitterHooks hooks;
  RecoveryHooks apply = state.Hooks();
  hooks.apply = [apply](uint64_t index, std::string_view record) {
    applied = index;
    return apply.apply_record(index, record);
  };
  hooks.after_batch = [](uint64_t last) {
    Status s = checkpointer.MaybeCheckpoint(last);
    if (!s.ok()) Die("checkpoint: " + s.ToString());
  };
  GroupCommitterOptions options;
  options.queue_records_max = 512;
  GroupCommitter committer(**log, hooks, options, Logger::Quiet());
  RunSubmitters(committer);
}

// Runs before main(): in a child, never returns.
[[maybe_unused]] const bool kChildDispatch = [] {
  const char* mode = std::getenv("ODFS_STORE_CRASH_CHILD");
  const char* dir = std::getenv("ODFS_STORE_CRASH_DIR");
  if (mode == nullptr || dir == nullptr) return false;
  if (std::strcmp(mode, "append") == 0) AppendChild(dir);
  if (std::strcmp(mode, "checkpoint") == 0) CheckpointChild(dir);
  Die(std::string("unknown mode ") + mode);
}();

// Starts the child, collects acks until `kill_after_ms` past the first one,
// SIGKILLs it and drains what it acknowledged before dying.
std::vector<Ack> RunAndKill(const std::string& mode, const std::string& dir, int kill_after_ms) {
  int fds[2];
  EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], kAckFd);  // dup2 clears O_CLOEXEC on the copy
    setenv("ODFS_STORE_CRASH_CHILD", mode.c_str(), 1);
    setenv("ODFS_STORE_CRASH_DIR", dir.c_str(), 1);
    char* const argv[] = {const_cast<char*>("store_crash_child"), nullptr};
    execv("/proc/self/exe", argv);
    _exit(127);
  }
  close(fds[1]);
  std::vector<Ack> acks;
  std::string pending;
  auto read_some = [&](int timeout_ms) {
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return true;
    char buf[4096];
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) return false;  // EOF: the child is gone
    pending.append(buf, n);
    while (pending.size() >= sizeof(Ack)) {
      Ack a;
      std::memcpy(&a, pending.data(), sizeof a);
      acks.push_back(a);
      pending.erase(0, sizeof a);
    }
    return true;
  };
  auto started = std::chrono::steady_clock::now();
  while (acks.empty() && std::chrono::steady_clock::now() - started < std::chrono::seconds(20)) {
    if (!read_some(100)) break;
  }
  EXPECT_FALSE(acks.empty()) << "child acknowledged nothing";
  auto kill_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(kill_after_ms);
  while (std::chrono::steady_clock::now() < kill_at) {
    if (!read_some(5)) break;
  }
  kill(pid, SIGKILL);
  while (read_some(1000)) {
  }
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "child exited on its own, status " << status;
  close(fds[0]);
  return acks;
}

TEST(StoreCrashTest, EveryAcknowledgedAppendSurvivesSigkill) {
  testing::TempDir dir;
  std::mt19937 rng(20261124);
  std::map<uint64_t, std::string> acked;  // index -> record, across rounds
  for (int round = 0; round < 4; ++round) {
    int kill_after_ms = std::uniform_int_distribution<int>(20, 400)(rng);
    SCOPED_TRACE("round " + std::to_string(round) + " kill_after_ms " +
                 std::to_string(kill_after_ms));
    for (const Ack& a : RunAndKill("append", dir.path(), kill_after_ms)) {
      EXPECT_TRUE(acked.emplace(a.index, RecordFor(a.submitter, a.seq)).second)
          << "index " << a.index << " acknowledged twice";
    }
    auto log = RocksEditLog::Open(dir.Sub("editlog"));  // validates: no hole
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    std::printf("round %d: acked %zu, log %lu..%lu\n", round, acked.size(),
                static_cast<unsigned long>((*log)->first_index()),
                static_cast<unsigned long>((*log)->last_index()));
    ASSERT_GE((*log)->last_index(), acked.rbegin()->first);
    auto records = (*log)->Read(1, SIZE_MAX, SIZE_MAX);
    ASSERT_TRUE(records.ok());
    ASSERT_EQ(records->size(), (*log)->last_index());
    for (const auto& [index, record] : acked) {
      ASSERT_EQ((*records)[index - 1].bytes, record) << "index " << index;
    }
  }
  EXPECT_GT(acked.size(), 100u);
}

TEST(StoreCrashTest, SigkillDuringCheckpointsLeavesACompleteImageAndAContinuousLog) {
  testing::TempDir dir;
  std::mt19937 rng(11242026);
  std::map<uint64_t, std::string> acked;
  uint64_t max_covered = 0;
  for (int round = 0; round < 5; ++round) {
    int kill_after_ms = std::uniform_int_distribution<int>(50, 600)(rng);
    SCOPED_TRACE("round " + std::to_string(round) + " kill_after_ms " +
                 std::to_string(kill_after_ms));
    for (const Ack& a : RunAndKill("checkpoint", dir.path(), kill_after_ms)) {
      acked.emplace(a.index, RecordFor(a.submitter, a.seq));
    }
    auto log = RocksEditLog::Open(dir.Sub("editlog"));
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    auto images = RocksFsImageStore::Open(dir.Sub("fsimage"), {}, Logger::Quiet());
    ASSERT_TRUE(images.ok()) << images.status().ToString();

    // The image is complete: every filler written for its covered index, and
    // each state key holds the last record at or below it.
    auto source = (*images)->LoadNewest();
    ASSERT_TRUE(source.ok());
    const uint64_t covered = (*source)->covered_index();
    std::map<std::string, std::string> image;
    std::string_view k, v;
    while ((*source)->Next(&k, &v)) image.emplace(k, v);
    ASSERT_TRUE((*source)->status().ok());
    source->reset();
    if (covered > 0) {
      int fillers = 0;
      for (const auto& [key, value] : image) {
        if (key.rfind("filler/", 0) == 0) {
          ++fillers;
          ASSERT_EQ(value, std::to_string(covered)) << key;
        }
      }
      ASSERT_EQ(fillers, kFillerEntries);
      for (uint64_t r = 0; r < kStateKeys && r < covered; ++r) {
        uint64_t last = covered - ((covered - r) % kStateKeys);
        if (last == 0) continue;
        auto it = image.find(StateKey(last));
        ASSERT_NE(it, image.end()) << StateKey(last);
        ASSERT_EQ(it->second.substr(0, it->second.find(':')), std::to_string(last));
        if (acked.count(last)) {
          ASSERT_EQ(it->second, StateValue(last, acked[last]));
        }
      }
    }
    max_covered = std::max(max_covered, covered);
    std::printf("round %d: acked %zu, image covers %lu, log %lu..%lu\n", round, acked.size(),
                static_cast<unsigned long>(covered),
                static_cast<unsigned long>((*log)->first_index()),
                static_cast<unsigned long>((*log)->last_index()));

    // The log continues the image with no gap and holds every acknowledged
    // record the image does not cover.
    ASSERT_LE((*log)->first_index(), covered + 1);
    ASSERT_GE((*log)->last_index(), acked.rbegin()->first);
    for (auto it = acked.upper_bound(covered); it != acked.end(); ++it) {
      auto one = (*log)->Read(it->first, 1, SIZE_MAX);
      ASSERT_TRUE(one.ok()) << one.status().ToString();
      ASSERT_EQ(one->size(), 1u);
      ASSERT_EQ((*one)[0].bytes, it->second) << "index " << it->first;
    }

    // And recovery over them reaches a state holding the newest of each key.
    ToyState state;
    auto recovered = Recover(**images, **log, state.Hooks(), Logger::Quiet());
    ASSERT_TRUE(recovered.ok()) << recovered.status().ToString();
    const uint64_t last = recovered->last_applied_index;
    for (uint64_t r = 0; r < kStateKeys && r < last; ++r) {
      uint64_t newest = last - ((last - r) % kStateKeys);
      if (newest == 0 || !acked.count(newest)) continue;
      ASSERT_EQ(state.kv[StateKey(newest)], StateValue(newest, acked[newest]));
    }
  }
  EXPECT_GT(max_covered, 0u) << "no checkpoint ever completed";
}

}  // namespace
}  // namespace opendfs::store
