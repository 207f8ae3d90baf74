// Directory leases against the real opendfs-metad process over RPC
// (docs/write-back.md): the grace after start, a grant with its listing and
// delegated inode ids, a create+mkdir+unlink flush as one editlog record, a
// refused op in the middle of a batch (late error, the others applied), a
// second session's lookup parked by a recall until the holder releases, a
// revoke when the holder does not answer, and a FlushBatch retried
// exactly-once. Both sessions are driven from the test.
#include <fcntl.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "libnet/client.h"
#include "meta_generated.h"
#include "tests/metad/server/metad_process.h"

namespace opendfs {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using FBB = flatbuffers::FlatBufferBuilder;

constexpr uint16_t M(fb::MetaMethod m) { return static_cast<uint16_t>(m); }
constexpr uint64_t kRoot = 1;
constexpr int kSessionTimeoutS = 3;  // also the grace and the recall timeout

// One mount's view: its session and its exactly-once ids.
struct Mount {
  uint64_t session = 0;
  uint64_t client_id = 0;
  uint64_t next_request = 1;
};

class DirLeaseProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dir_lease_process_test." + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    metad_ = std::make_unique<MetadProcess>(
        dir_, "127.0.4", 18200,
        "server.session_timeout = " + std::to_string(kSessionTimeoutS) +
            ";\nserver.lease_max_entries = 8;\nserver.log_level = LOG_DEBUG;\n");
    ASSERT_TRUE(metad_->Start());
    for (int i = 0; i < 200; ++i) {
      FBB b;
      b.Finish(fb::CreateGetAttrRequest(b, Caller(b, nullptr), kRoot));
      if (Call<fb::AttrReply>(fb::MetaMethod::GetAttr, b).ok()) return;
      std::this_thread::sleep_for(milliseconds(50));
    }
    FAIL() << "metad did not come up";
  }
  void TearDown() override {
    metad_.reset();
    fs::remove_all(dir_);
  }

  template <class ReplyT>
  Result<Reply> Call(fb::MetaMethod m, FBB& b) {
    return client_.Call<ReplyT>(metad_->endpoint(), M(m), b, {}, milliseconds(20000));
  }

  // Root's caller; with a mount, its session and (mutations) fresh ids.
  flatbuffers::Offset<fb::Caller> Caller(FBB& b, Mount* m, bool mutation = false) {
    if (m == nullptr) return fb::CreateCaller(b, 0, 0, 0, 0, 0);
    return fb::CreateCaller(b, 0, 0, 0, m->session, 0, m->client_id,
                            mutation ? m->next_request++ : 0);
  }

  Mount Hello(uint64_t client_id) {
    FBB b;
    b.Finish(fb::CreateHelloRequest(b, b.CreateString("test"), b.CreateString("/t")));
    Result<Reply> r = Call<fb::HelloReply>(fb::MetaMethod::Hello, b);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    Mount m;
    m.session = r.ok() ? r->As<fb::HelloReply>()->session() : 0;
    m.client_id = client_id;
    return m;
  }

  // Subscribes `m` to cache events (a holder hears recalls there); returns
  // the events of one poll.
  std::vector<std::pair<fb::CacheEventKind, uint64_t>> Poll(Mount& m, uint32_t wait_ms) {
    FBB b;
    b.Finish(fb::CreateAwaitEventsRequest(b, m.session, epoch_, acked_, wait_ms));
    Result<Reply> r = Call<fb::AwaitEventsReply>(fb::MetaMethod::AwaitEvents, b);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::pair<fb::CacheEventKind, uint64_t>> out;
    if (!r.ok()) return out;
    const auto* p = r->As<fb::AwaitEventsReply>();
    epoch_ = p->epoch();
    acked_ = p->last_seq();
    if (p->events())
      for (const fb::CacheEvent* e : *p->events()) out.emplace_back(e->kind(), e->ino());
    return out;
  }

  uint64_t Mkdir(uint64_t parent, const std::string& name) {
    FBB b;
    b.Finish(fb::CreateMkdirRequest(b, Caller(b, nullptr), parent, b.CreateString(name), 0755, 0));
    Result<Reply> r = Call<fb::AttrReply>(fb::MetaMethod::Mkdir, b);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->As<fb::AttrReply>()->attr()->ino() : 0;
  }

  Result<uint64_t> Lookup(Mount* m, uint64_t parent, const std::string& name) {
    FBB b;
    b.Finish(fb::CreateLookupRequest(b, Caller(b, m), parent, b.CreateString(name)));
    Result<Reply> r = Call<fb::AttrReply>(fb::MetaMethod::Lookup, b);
    if (!r.ok()) return r.status();
    return r->As<fb::AttrReply>()->attr()->ino();
  }

  struct Grant {
    bool granted = false;
    uint32_t retry_ms = 0;
    std::vector<std::string> names;
    uint64_t first_inode = 0;
    uint32_t inode_count = 0;
  };
  Grant Acquire(Mount& m, uint64_t dir, uint32_t want_inodes) {
    FBB b;
    b.Finish(fb::CreateAcquireDirLeaseRequest(b, Caller(b, &m), dir, want_inodes));
    Result<Reply> r = Call<fb::AcquireDirLeaseReply>(fb::MetaMethod::AcquireDirLease, b);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    Grant g;
    if (!r.ok()) return g;
    const auto* p = r->As<fb::AcquireDirLeaseReply>();
    g.granted = p->granted();
    g.retry_ms = p->retry_ms();
    if (p->entries())
      for (const fb::DirEntry* e : *p->entries()) g.names.push_back(e->name()->str());
    g.first_inode = p->first_inode();
    g.inode_count = p->inode_count();
    return g;
  }
  // Past the start-up grace: asks until granted, keeping the session alive.
  Grant AcquireAfterGrace(Mount& m, uint64_t dir, uint32_t want_inodes) {
    for (int i = 0; i < 100; ++i) {
      Grant g = Acquire(m, dir, want_inodes);
      if (g.granted) return g;
      EXPECT_GT(g.retry_ms, 0u);
      std::this_thread::sleep_for(milliseconds(std::min<uint32_t>(g.retry_ms, 500)));
      KeepAlive(m);
    }
    ADD_FAILURE() << "no lease on " << dir;
    return {};
  }

  void KeepAlive(Mount& m) {
    FBB b;
    b.Finish(fb::CreateKeepAliveRequest(b, m.session));
    EXPECT_TRUE(Call<fb::KeepAliveReply>(fb::MetaMethod::KeepAlive, b).ok());
  }

  uint64_t AppliedIndex() {
    FBB b;
    b.Finish(fb::CreateClusterStatusRequest(b));
    Result<Reply> r = Call<fb::ClusterStatusReply>(fb::MetaMethod::ClusterStatus, b);
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->As<fb::ClusterStatusReply>()->metads()->Get(0)->applied_index() : 0;
  }

  // Ops of a batch, built by the test as a mount would.
  using OpFn = std::function<flatbuffers::Offset<fb::BatchOp>(FBB&, Mount&)>;
  static OpFn CreateOp(uint64_t parent, std::string name, uint64_t ino, bool open) {
    return [=](FBB& b, Mount& m) {
      auto c = fb::CreateCreateRequest(b, fb::CreateCaller(b, 0, 0), parent, b.CreateString(name),
                                       0644, O_RDWR | O_EXCL);
      (void)m;
      return fb::CreateBatchOp(b, fb::BatchOpBody::CreateRequest, c.Union(), ino, 0, open);
    };
  }
  static OpFn MkdirOp(uint64_t parent, std::string name, uint64_t ino) {
    return [=](FBB& b, Mount&) {
      auto c = fb::CreateMkdirRequest(b, fb::CreateCaller(b, 0, 0), parent, b.CreateString(name), 0755);
      return fb::CreateBatchOp(b, fb::BatchOpBody::MkdirRequest, c.Union(), ino);
    };
  }
  static OpFn UnlinkOp(uint64_t parent, std::string name) {
    return [=](FBB& b, Mount&) {
      auto c = fb::CreateUnlinkRequest(b, fb::CreateCaller(b, 0, 0), parent, b.CreateString(name));
      return fb::CreateBatchOp(b, fb::BatchOpBody::UnlinkRequest, c.Union());
    };
  }
  static OpFn RmdirOp(uint64_t parent, std::string name) {
    return [=](FBB& b, Mount&) {
      auto c = fb::CreateRmdirRequest(b, fb::CreateCaller(b, 0, 0), parent, b.CreateString(name));
      return fb::CreateBatchOp(b, fb::BatchOpBody::RmdirRequest, c.Union());
    };
  }

  struct Flushed {
    Status status;
    std::vector<uint16_t> codes;
    std::vector<uint64_t> handles;
    std::vector<uint64_t> lost;
  };
  // request_id 0: a fresh one.
  Flushed Flush(Mount& m, const std::vector<OpFn>& ops, std::vector<uint64_t> release,
                uint64_t request_id = 0) {
    FBB b;
    std::vector<flatbuffers::Offset<fb::BatchOp>> built;
    for (const OpFn& op : ops) built.push_back(op(b, m));
    if (request_id == 0) request_id = m.next_request++;
    auto caller = fb::CreateCaller(b, 0, 0, 0, m.session, 0, m.client_id, request_id);
    b.Finish(fb::CreateFlushBatchRequest(b, caller, b.CreateVector(built), b.CreateVector(release)));
    Result<Reply> r = Call<fb::FlushBatchReply>(fb::MetaMethod::FlushBatch, b);
    Flushed f;
    f.status = r.status();
    if (!r.ok()) return f;
    const auto* p = r->As<fb::FlushBatchReply>();
    if (p->results())
      for (const fb::BatchOpResult* res : *p->results()) {
        f.codes.push_back(res->status());
        f.handles.push_back(res->handle());
      }
    if (p->lost())
      for (uint64_t d : *p->lost()) f.lost.push_back(d);
    return f;
  }

  static bool Has(const std::vector<std::pair<fb::CacheEventKind, uint64_t>>& events,
                  fb::CacheEventKind kind, uint64_t ino) {
    for (const auto& [k, i] : events)
      if (k == kind && i == ino) return true;
    return false;
  }

  std::string dir_;
  Client client_{ClientOptions{}, Logger::Quiet()};
  std::unique_ptr<MetadProcess> metad_;
  uint64_t epoch_ = 0, acked_ = 0;  // the holder's event subscription
};

TEST_F(DirLeaseProcessTest, GrantFlushRecallRevokeAndRetry) {
  const uint64_t d = Mkdir(kRoot, "d");
  {
    FBB b;
    b.Finish(fb::CreateMknodRequest(b, Caller(b, nullptr), d, b.CreateString("old"), 0100644));
    ASSERT_TRUE(Call<fb::AttrReply>(fb::MetaMethod::Mknod, b).ok());
  }
  Mount a = Hello(0xA);
  Mount other = Hello(0xB);
  (void)Poll(a, 0);  // subscribed: recalls reach it

  // Grant: refused while the fresh leader's grace lasts, then the listing
  // and a delegated range.
  Grant first = Acquire(a, d, 16);
  EXPECT_FALSE(first.granted) << "granted during the start-up grace";
  Grant g = AcquireAfterGrace(a, d, 16);
  ASSERT_TRUE(g.granted);
  EXPECT_EQ(g.names, std::vector<std::string>{"old"});
  ASSERT_EQ(g.inode_count, 16u);
  EXPECT_GT(g.first_inode, d);
  EXPECT_FALSE(Acquire(other, d, 0).granted);  // held

  // create + mkdir + unlink: one record.
  const uint64_t before = AppliedIndex();
  Flushed f = Flush(a, {CreateOp(d, "f", g.first_inode, true), MkdirOp(d, "sub", g.first_inode + 1),
                        UnlinkOp(d, "old")},
                    {});
  ASSERT_TRUE(f.status.ok()) << f.status.ToString();
  EXPECT_EQ(f.codes, (std::vector<uint16_t>{0, 0, 0}));
  EXPECT_NE(f.handles[0], 0u) << "an open create gets a handle";
  EXPECT_TRUE(f.lost.empty());
  EXPECT_EQ(AppliedIndex(), before + 1) << "the batch is one editlog record";
  EXPECT_EQ(*Lookup(&a, d, "f"), g.first_inode);
  EXPECT_EQ(*Lookup(&a, d, "sub"), g.first_inode + 1);
  EXPECT_EQ(Lookup(&a, d, "old").status().code(), StatusCode::NotFound);

  // A refused op in the middle: its late error, the others applied.
  f = Flush(a, {MkdirOp(d, "m1", g.first_inode + 2), RmdirOp(d, "no-such"),
                MkdirOp(g.first_inode + 1, "m2", g.first_inode + 3)},
            {});
  ASSERT_TRUE(f.status.ok()) << f.status.ToString();
  ASSERT_EQ(f.codes.size(), 3u);
  EXPECT_EQ(f.codes[0], 0);
  EXPECT_EQ(f.codes[1], static_cast<uint16_t>(StatusCode::NotFound));
  EXPECT_EQ(f.codes[2], 0);
  EXPECT_TRUE(f.lost.empty()) << "sub was made under the lease: the session holds it too";

  // Exactly-once: the same flush again is answered, not applied again (an
  // exclusive create applied twice would be Exists).
  const uint64_t rid = a.next_request++;
  f = Flush(a, {CreateOp(d, "x", g.first_inode + 4, false)}, {}, rid);
  ASSERT_TRUE(f.status.ok());
  EXPECT_EQ(f.codes, std::vector<uint16_t>{0});
  f = Flush(a, {CreateOp(d, "x", g.first_inode + 4, false)}, {}, rid);
  ASSERT_TRUE(f.status.ok()) << f.status.ToString();
  EXPECT_EQ(f.codes, std::vector<uint16_t>{0}) << "a retried flush is answered from the request table";

  // Recall: the other session's lookup parks until the holder releases.
  auto parked = std::async(std::launch::async, [&] { return Lookup(&other, d, "f"); });
  bool recalled = false;
  for (int i = 0; i < 20 && !recalled; ++i) recalled = Has(Poll(a, 1000), fb::CacheEventKind::Recall, d);
  ASSERT_TRUE(recalled) << "the holder heard no Recall";
  // The lookup was parked before the recall was sent, and only a release
  // (or a revoke, one session lease away) lets it run.
  EXPECT_EQ(parked.wait_for(milliseconds(0)), std::future_status::timeout);
  f = Flush(a, {}, {d});
  ASSERT_TRUE(f.status.ok());
  Result<uint64_t> seen = parked.get();
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_EQ(*seen, g.first_inode);

  // Revoke: a holder that does not answer a recall loses the lease after
  // one session lease; its next flush learns it from `lost`.
  const uint64_t d2 = Mkdir(kRoot, "d2");
  ASSERT_TRUE(AcquireAfterGrace(a, d2, 0).granted);
  auto waiting = std::async(std::launch::async, [&] { return Lookup(&other, d2, "nothing"); });
  recalled = false;
  for (int i = 0; i < 20 && !recalled; ++i) recalled = Has(Poll(a, 1000), fb::CacheEventKind::Recall, d2);
  ASSERT_TRUE(recalled);
  while (waiting.wait_for(milliseconds(200)) != std::future_status::ready) {
    KeepAlive(a);  // alive, but silent about the recall
    KeepAlive(other);
  }
  EXPECT_EQ(waiting.get().status().code(), StatusCode::NotFound);
  f = Flush(a, {MkdirOp(d2, "late", g.first_inode + 5)}, {});
  ASSERT_TRUE(f.status.ok());
  EXPECT_EQ(f.codes, std::vector<uint16_t>{0}) << "ops are still checked and applied";
  EXPECT_EQ(f.lost, std::vector<uint64_t>{d2});
}

TEST_F(DirLeaseProcessTest, RefusalsBoundsAndTheCliGate) {
  const uint64_t big = Mkdir(kRoot, "big");
  for (int i = 0; i < 9; ++i) Mkdir(big, "e" + std::to_string(i));  // lease_max_entries = 8
  const uint64_t small = Mkdir(kRoot, "small");
  Mount a = Hello(0xC);
  (void)Poll(a, 0);
  ASSERT_TRUE(AcquireAfterGrace(a, small, 0).granted);

  Grant g = Acquire(a, big, 0);
  EXPECT_FALSE(g.granted) << "a directory past lease_max_entries";
  EXPECT_GT(g.retry_ms, 0u);
  {
    FBB b;
    b.Finish(fb::CreateAcquireDirLeaseRequest(b, Caller(b, &a), kRoot + 1000000, 0));
    EXPECT_EQ(Call<fb::AcquireDirLeaseReply>(fb::MetaMethod::AcquireDirLease, b).status().code(),
              StatusCode::NotFound);
  }
  {
    // More than 4,096 ops in one flush is Invalid, and nothing applies.
    std::vector<OpFn> ops(4097, RmdirOp(small, "none"));
    EXPECT_EQ(Flush(a, ops, {}).status.code(), StatusCode::Invalid);
  }

  // The CLI (no session) is gated too; ReleaseDirLease lets it run.
  auto listing = std::async(std::launch::async, [&] {
    FBB b;
    b.Finish(fb::CreateReadDirRequest(b, Caller(b, nullptr), small, 0, 100));
    return Call<fb::ReadDirReply>(fb::MetaMethod::ReadDir, b).status();
  });
  bool recalled = false;
  for (int i = 0; i < 20 && !recalled; ++i) recalled = Has(Poll(a, 1000), fb::CacheEventKind::Recall, small);
  ASSERT_TRUE(recalled);
  EXPECT_EQ(listing.wait_for(milliseconds(0)), std::future_status::timeout);
  {
    FBB b;
    std::vector<uint64_t> dirs{small};
    b.Finish(fb::CreateReleaseDirLeaseRequest(b, Caller(b, &a), b.CreateVector(dirs)));
    ASSERT_TRUE(Call<fb::EmptyReply>(fb::MetaMethod::ReleaseDirLease, b).ok());
  }
  EXPECT_TRUE(listing.get().ok());
}

}  // namespace
}  // namespace opendfs
