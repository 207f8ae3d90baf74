// Checkpointer and Recover with a toy state machine: a record "key=value"
// sets key to value; the image of the state is its map.
#include <map>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "metad/store/checkpointer.h"
#include "metad/store/group_committer.h"
#include "metad/store/mem_edit_log.h"
#include "metad/store/mem_fs_image_store.h"
#include "metad/store/recovery.h"
#include "metad/store/rocks_edit_log.h"
#include "metad/store/rocks_fs_image_store.h"
#include "temp_dir.h"

namespace opendfs::store {
namespace {

using testing::TempDir;

struct ToyState {
  std::map<std::string, std::string> kv;
  uint64_t applied = 0;
  std::vector<uint64_t> replayed;

  Status Apply(uint64_t index, std::string_view record) {
    size_t eq = record.find('=');
    if (eq == std::string_view::npos) return Status(StatusCode::Corrupt, "no '='");
    kv[std::string(record.substr(0, eq))] = std::string(record.substr(eq + 1));
    applied = index;
    return Status::Ok();
  }
  Status Dump(ImageSink& sink) const {
    for (const auto& [k, v] : kv) ODFS_RETURN_IF_ERROR(sink.Put(k, v));
    return Status::Ok();
  }
  RecoveryHooks Hooks() {
    RecoveryHooks hooks;
    hooks.load_image = [this](ImageSource& source) {
      FunctionImageSink sink([this](std::string_view k, std::string_view v) {
        kv[std::string(k)] = std::string(v);
        return Status::Ok();
      });
      return CopyImage(source, sink);
    };
    hooks.apply_record = [this](uint64_t index, std::string_view record) {
      replayed.push_back(index);
      return Apply(index, record);
    };
    return hooks;
  }
};

std::string Rec(uint64_t i) { return "k" + std::to_string(i % 7) + "=" + std::to_string(i); }

void AppendRange(EditLog& log, uint64_t first, uint64_t last) {
  std::vector<LogRecord> records;
  for (uint64_t i = first; i <= last; ++i) records.push_back({i, Rec(i)});
  ASSERT_TRUE(log.Append(records).ok());
}

// Image at `covered` built from records 1..covered, then log records 1..last.
void Prepare(FsImageStore& images, EditLog& log, uint64_t covered, uint64_t last) {
  ToyState s;
  for (uint64_t i = 1; i <= covered; ++i) ASSERT_TRUE(s.Apply(i, Rec(i)).ok());
  auto writer = images.BeginImage(covered);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(s.Dump(**writer).ok());
  ASSERT_TRUE((*writer)->Commit().ok());
  AppendRange(log, 1, last);
}

// Recovery from (images, log) starts at image `image`, replays up to `last`
// and reaches `live`'s state.
void ExpectRecovers(FsImageStore& images, EditLog& log, uint64_t image, uint64_t last,
                    const ToyState& live) {
  ToyState recovered;
  auto result = Recover(images, log, recovered.Hooks(), Logger::Quiet());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->image_covered_index, image);
  EXPECT_EQ(result->replayed_records, last - image);
  EXPECT_EQ(result->last_applied_index, last);
  EXPECT_EQ(recovered.kv, live.kv);
}

TEST(CheckpointerTest, CheckpointsEveryNRecordsAndTrimsTheLog) {
  MemEditLog log;
  MemFsImageStore images;
  ToyState live;
  Checkpointer checkpointer(images, log, /*checkpoint_num=*/100, /*covered_index=*/0,
                            [&](ImageSink& sink) { return live.Dump(sink); }, Logger::Quiet());
  GroupCommitterHooks hooks;
  hooks.apply = [&](uint64_t i, std::string_view r) { return live.Apply(i, r); };
  hooks.after_batch = [&](uint64_t last) {
    Status s = checkpointer.MaybeCheckpoint(last);
    EXPECT_TRUE(s.ok()) << s.ToString();
  };
  GroupCommitter committer(log, hooks, {}, Logger::Quiet());
  for (uint64_t i = 1; i <= 250; ++i) {  // one at a time: one batch each
    ASSERT_EQ(committer.SubmitFuture(Rec(i)).get().index, i);
  }
  committer.Shutdown();
  EXPECT_EQ(images.commits(), 2u);
  EXPECT_EQ(images.current_covered_index(), 200u);
  EXPECT_EQ(checkpointer.covered_index(), 200u);
  EXPECT_EQ(log.first_index(), 201u);
  EXPECT_EQ(log.last_index(), 250u);
  ExpectRecovers(images, log, /*image=*/200, /*last=*/250, live);
}

// Background mode: the image is captured by MaybeCheckpoint (the state at
// that index, whatever is applied while the worker writes it) and written,
// committed and trimmed by the worker.
TEST(CheckpointerTest, BackgroundModeStoresTheStateAsCaptured) {
  MemEditLog log;
  MemFsImageStore images;
  ToyState live;
  Checkpointer checkpointer(images, log, /*checkpoint_num=*/100, /*covered_index=*/0,
                            [&](ImageSink& sink) { return live.Dump(sink); }, Logger::Quiet());
  checkpointer.StartBackground();
  AppendRange(log, 1, 150);
  for (uint64_t i = 1; i <= 100; ++i) ASSERT_TRUE(live.Apply(i, Rec(i)).ok());
  ASSERT_TRUE(checkpointer.MaybeCheckpoint(100).ok());
  for (uint64_t i = 101; i <= 150; ++i) ASSERT_TRUE(live.Apply(i, Rec(i)).ok());
  checkpointer.WaitIdle();
  EXPECT_EQ(images.commits(), 1u);
  EXPECT_EQ(images.current_covered_index(), 100u);
  EXPECT_EQ(checkpointer.covered_index(), 100u);
  EXPECT_EQ(log.first_index(), 101u);
  ExpectRecovers(images, log, /*image=*/100, /*last=*/150, live);
}

TEST(CheckpointerTest, FailedDumpKeepsTheOldImageAndTheLog) {
  MemEditLog log;
  MemFsImageStore images;
  AppendRange(log, 1, 10);
  Checkpointer checkpointer(images, log, 5, 0,
                            [](ImageSink& sink) {
                              EXPECT_TRUE(sink.Put("partial", "x").ok());
                              return Status(StatusCode::Io, "dump broke");
                            },
                            Logger::Quiet());
  Status s = checkpointer.MaybeCheckpoint(10);
  EXPECT_EQ(s.code(), StatusCode::Io);
  EXPECT_EQ(images.current_covered_index(), 0u);
  EXPECT_EQ(log.first_index(), 1u);
  EXPECT_EQ(checkpointer.covered_index(), 0u);
}

TEST(CheckpointerTest, WaitsForCheckpointNumRecords) {
  MemEditLog log;
  MemFsImageStore images;
  AppendRange(log, 1, 20);
  Checkpointer checkpointer(images, log, 10, 5, [](ImageSink&) { return Status::Ok(); },
                            Logger::Quiet());
  ASSERT_TRUE(checkpointer.MaybeCheckpoint(14).ok());
  EXPECT_EQ(images.commits(), 0u);
  ASSERT_TRUE(checkpointer.MaybeCheckpoint(15).ok());
  EXPECT_EQ(images.commits(), 1u);
  EXPECT_EQ(log.first_index(), 16u);
}

TEST(RecoverTest, EmptyStoresRecoverToNothing) {
  MemEditLog log;
  MemFsImageStore images;
  ToyState s;
  auto result = Recover(images, log, s.Hooks(), Logger::Quiet());
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->last_applied_index, 0u);
  EXPECT_TRUE(s.kv.empty());
}

TEST(RecoverTest, CrashBetweenFlipAndTrimReplaysOnlyTheRecordsAfterTheImage) {
  MemEditLog log;
  MemFsImageStore images;
  Prepare(images, log, /*covered=*/10, /*last=*/15);
  ToyState s;
  auto result = Recover(images, log, s.Hooks(), Logger::Quiet());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(s.replayed, (std::vector<uint64_t>{11, 12, 13, 14, 15}));
  EXPECT_EQ(log.first_index(), 11u);  // the interrupted trim is finished
  ToyState expected;
  for (uint64_t i = 1; i <= 15; ++i) ASSERT_TRUE(expected.Apply(i, Rec(i)).ok());
  EXPECT_EQ(s.kv, expected.kv);
}

TEST(RecoverTest, LogEndingBeforeTheImageRestartsAfterIt) {
  MemEditLog log;
  MemFsImageStore images;
  Prepare(images, log, /*covered=*/10, /*last=*/5);
  ToyState s;
  auto result = Recover(images, log, s.Hooks(), Logger::Quiet());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(s.replayed.empty());
  EXPECT_EQ(log.first_index(), 11u);
  EXPECT_EQ(log.last_index(), 10u);
  EXPECT_EQ(result->last_applied_index, 10u);
}

TEST(RecoverTest, MissingRecordsBetweenImageAndLogAreCorrupt) {
  MemEditLog log;
  MemFsImageStore images;
  Prepare(images, log, /*covered=*/10, /*last=*/20);
  ASSERT_TRUE(log.TrimBefore(13).ok());  // 11 and 12 are gone
  ToyState s;
  auto result = Recover(images, log, s.Hooks(), Logger::Quiet());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::Corrupt);
}

TEST(RecoverTest, ApplyFailureStopsRecovery) {
  MemEditLog log;
  MemFsImageStore images;
  std::vector<LogRecord> records = {{1, "a=1"}, {2, "garbage"}, {3, "b=2"}};
  ASSERT_TRUE(log.Append(records).ok());
  ToyState s;
  auto result = Recover(images, log, s.Hooks(), Logger::Quiet());
  EXPECT_EQ(result.status().code(), StatusCode::Corrupt);
  EXPECT_EQ(s.replayed, (std::vector<uint64_t>{1, 2}));
}

TEST(RecoverTest, RocksStoresRoundTripThroughReopen) {
  TempDir dir;
  ToyState live;
  {
    auto log = RocksEditLog::Open(dir.Sub("editlog"));
    auto images = RocksFsImageStore::Open(dir.Sub("fsimage"), {}, Logger::Quiet());
    ASSERT_TRUE(log.ok() && images.ok());
    Checkpointer checkpointer(**images, **log, 30, 0,
                              [&](ImageSink& sink) { return live.Dump(sink); }, Logger::Quiet());
    GroupCommitterHooks hooks;
    hooks.apply = [&](uint64_t i, std::string_view r) { return live.Apply(i, r); };
    hooks.after_batch = [&](uint64_t last) { EXPECT_TRUE(checkpointer.MaybeCheckpoint(last).ok()); };
    GroupCommitter committer(**log, hooks, {}, Logger::Quiet());
    for (uint64_t i = 1; i <= 100; ++i) ASSERT_EQ(committer.SubmitFuture(Rec(i)).get().index, i);
  }
  auto log = RocksEditLog::Open(dir.Sub("editlog"));
  auto images = RocksFsImageStore::Open(dir.Sub("fsimage"), {}, Logger::Quiet());
  ASSERT_TRUE(log.ok() && images.ok());
  ToyState recovered;
  auto result = Recover(**images, **log, recovered.Hooks(), Logger::Quiet());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->image_covered_index, 90u);
  EXPECT_EQ(result->last_applied_index, 100u);
  EXPECT_EQ(recovered.kv, live.kv);
}

}  // namespace
}  // namespace opendfs::store
