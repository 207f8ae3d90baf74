// Scanner: finds flipped bits, reports each corrupt replica once, honours the
// byte rate (on a fake clock), and stops cleanly.
#include "blockd/disk/scanner.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "blockd/disk/block_layout.h"
#include "disk_test_util.h"

namespace opendfs::disk {
namespace {

using testing::PatternData;

struct FakeClock {
  uint64_t now = 0;
  uint64_t slept = 0;
  ScanClock Hooks() {
    return ScanClock{[this] { return now; }, [this](uint64_t ns) {
                       now += ns;
                       slept += ns;
                     }};
  }
};

class ScannerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenStore({dir_});
    for (uint64_t id = 1; id <= 5; ++id)
      ASSERT_TRUE(store_->Write(id, 1, 0, PatternData(id * kChunkSize + 17, id)).ok());
  }
  std::string Data(uint64_t id) { return BlockDataPath(dir_, id); }

  testing::TempDir tmp_;
  std::string dir_ = tmp_.Sub("d");
  std::unique_ptr<BlockStore> store_;
};

TEST_F(ScannerTest, CleanPassFindsNothingAndReadsEverything) {
  FakeClock clock;
  std::vector<uint64_t> reported;
  Scanner scanner(*store_, {.bytes_per_s = 1 << 20, .burst_bytes = 64 << 10},
                  [&](uint64_t id, const Status&) { reported.push_back(id); },
                  Logger::Quiet(), clock.Hooks());
  ScanStats pass = scanner.ScanOnce();
  EXPECT_TRUE(reported.empty());
  EXPECT_EQ(pass.blocks_scanned, 5u);
  EXPECT_EQ(pass.bytes_scanned, 15 * kChunkSize + 5 * 17);
  EXPECT_EQ(pass.corrupt_found, 0u);
}

TEST_F(ScannerTest, FlippedBitIsReportedOnce) {
  testing::FlipBit(Data(3), 2 * kChunkSize + 5, 6);
  FakeClock clock;
  std::vector<std::pair<uint64_t, Status>> reported;
  Scanner scanner(*store_, {.slice_bytes = kChunkSize},
                  [&](uint64_t id, const Status& why) { reported.emplace_back(id, why); },
                  Logger::Quiet(), clock.Hooks());
  ScanStats pass = scanner.ScanOnce();
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0].first, 3u);
  EXPECT_EQ(reported[0].second.code(), StatusCode::Corrupt);
  EXPECT_NE(reported[0].second.message().find("block 3 chunk 2"), std::string::npos);
  EXPECT_EQ(pass.blocks_scanned, 4u);
  EXPECT_TRUE(store_->Stat(3)->corrupt);
  // The next pass skips the replica already known to be corrupt.
  scanner.ScanOnce();
  EXPECT_EQ(reported.size(), 1u);
  EXPECT_EQ(scanner.stats().corrupt_found, 1u);
}

TEST_F(ScannerTest, CorruptMetaIsReported) {
  testing::FlipBit(BlockMetaPath(dir_, 2), 12);
  FakeClock clock;
  std::vector<uint64_t> reported;
  Scanner scanner(*store_, {}, [&](uint64_t id, const Status&) { reported.push_back(id); },
                  Logger::Quiet(), clock.Hooks());
  scanner.ScanOnce();
  EXPECT_EQ(reported, std::vector<uint64_t>{2});
}

TEST_F(ScannerTest, ByteRateIsHonouredOnTheInjectedClock) {
  FakeClock clock;
  const uint64_t rate = 256 << 10;  // 256 KiB/s
  Scanner scanner(*store_, {.bytes_per_s = rate, .burst_bytes = 64 << 10,
                            .slice_bytes = 64 << 10},
                  nullptr, Logger::Quiet(), clock.Hooks());
  ScanStats pass = scanner.ScanOnce();
  // 15 chunks + a little, minus the initial burst, at 256 KiB/s: ~3.5 s.
  const double expected_s =
      static_cast<double>(pass.bytes_scanned - (64 << 10)) / static_cast<double>(rate);
  EXPECT_GE(static_cast<double>(clock.slept) / 1e9, expected_s * 0.95);
  EXPECT_LE(static_cast<double>(clock.slept) / 1e9, expected_s * 1.1 + 0.1);
  EXPECT_EQ(pass.throttled_ns, clock.slept);
}

TEST_F(ScannerTest, ThreadFindsCorruptionAndStopsCleanly) {
  testing::FlipBit(Data(5), 17);
  std::mutex mu;
  std::condition_variable cv;
  std::vector<uint64_t> reported;
  Scanner scanner(*store_, {.bytes_per_s = 1ull << 40, .pass_interval_ms = 3'600'000},
                  [&](uint64_t id, const Status&) {
                    std::lock_guard lock(mu);
                    reported.push_back(id);
                    cv.notify_all();
                  },
                  Logger::Quiet());
  scanner.Start();
  {
    std::unique_lock lock(mu);
    // Generous bound only to fail instead of hanging; not a timing assertion.
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return !reported.empty(); }));
  }
  // Totals are published when a pass completes (the callback fires mid-pass).
  for (int i = 0; i < 6000 && scanner.stats().passes == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_GE(scanner.stats().passes, 1u);
  // The thread now sleeps an hour between passes; Stop must interrupt it.
  scanner.Stop();
  EXPECT_EQ(reported, std::vector<uint64_t>{5});
  EXPECT_GE(scanner.stats().blocks_scanned, 4u);
}

TEST_F(ScannerTest, StopDuringThrottledPassEndsThePass) {
  std::atomic<int> sleeps{0};
  Scanner* self = nullptr;
  uint64_t now = 0;
  ScanClock clock{[&] { return now; },
                  [&](uint64_t ns) {
                    now += ns;
                    if (++sleeps == 2) self->Stop();  // as if Stop came mid-pass
                  }};
  Scanner scanner(*store_, {.bytes_per_s = 1024, .burst_bytes = 1024, .slice_bytes = 4096},
                  nullptr, Logger::Quiet(), clock);
  self = &scanner;
  ScanStats pass = scanner.ScanOnce();
  EXPECT_EQ(sleeps.load(), 2);
  EXPECT_EQ(pass.passes, 0u);  // not a completed pass
  EXPECT_LT(pass.bytes_scanned, 15 * kChunkSize);
}

}  // namespace
}  // namespace opendfs::disk
