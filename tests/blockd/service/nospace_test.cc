// A full disk over the wire: a blockd whose data_dir is a 4 MiB tmpfs answers
// NoSpace (ENOSPC) to the writer, and the replica already there still reads
// back right, also after a restart. Needs root for the mount (skipped
// otherwise); the tmpfs is always unmounted.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "service_test_util.h"

namespace opendfs::blockd {
namespace {

using testing::BlockClient;
using testing::PatternData;

class NoSpaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a tmpfs";
    mnt_ = tmp_.Sub("data");
    ASSERT_EQ(::mkdir(mnt_.c_str(), 0755), 0);
    if (::mount("tmpfs", mnt_.c_str(), "tmpfs", 0, "size=4m") != 0)
      GTEST_SKIP() << "cannot mount a tmpfs here";
    mounted_ = true;
  }
  void TearDown() override {
    client_.reset();
    node_.reset();
    if (mounted_) ::umount2(mnt_.c_str(), MNT_DETACH);
  }
  void Start() {
    node_.reset();
    auto n = BlockdNode::Start(testing::TestSettings(tmp_.path()), Logger::Quiet());
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    node_ = std::move(*n);
    if (!client_) client_ = std::make_unique<Client>(ClientOptions{}, Logger::Quiet());
  }

  testing::TempDir tmp_;
  std::string mnt_;
  bool mounted_ = false;
  std::unique_ptr<BlockdNode> node_;
  std::unique_ptr<Client> client_;
};

TEST_F(NoSpaceTest, FullDiskIsNoSpaceAndKeepsTheReplica) {
  Start();
  BlockClient bc(*client_, node_->bound());
  std::string keep = PatternData(1 << 20, 1);
  ASSERT_TRUE(bc.Write(1, 1, 0, keep, {.sync = true}).ok());

  // Fill block 2 in 256 KiB appends until the disk is full.
  std::string piece = PatternData(256 * 1024, 2);
  Status full;
  uint64_t length = 0;
  for (int i = 0; i < 64 && full.ok(); ++i) {
    Result<uint64_t> r = bc.Write(2, 1, length, piece, {.create = length == 0});
    if (r.ok()) length = *r;
    else full = r.status();
  }
  ASSERT_EQ(full.code(), StatusCode::NoSpace) << full.ToString();
  EXPECT_EQ(ToErrno(full), ENOSPC);
  // A new block does not fit either.
  EXPECT_EQ(bc.Write(3, 1, 0, piece).status().code(), StatusCode::NoSpace);

  // The first replica is intact, and so is what block 2 acknowledged.
  Result<std::string> r1 = bc.Read(1, 1, 0, keep.size());
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_TRUE(*r1 == keep);
  ASSERT_GT(length, 0u);
  Result<BlockClient::Info> i2 = bc.Stat(2);
  ASSERT_TRUE(i2.ok()) << i2.status().ToString();
  EXPECT_EQ(i2->length, length);
  Result<std::string> r2 = bc.Read(2, 1, 0, length);
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();

  // Same after a restart over the full dir.
  Start();
  BlockClient bc2(*client_, node_->bound());
  Result<std::string> again = bc2.Read(1, 1, 0, keep.size());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(*again == keep);
  EXPECT_TRUE(bc2.Read(2, 1, 0, length).ok());
}

}  // namespace
}  // namespace opendfs::blockd
