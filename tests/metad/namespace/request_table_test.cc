// Exactly-once retries: a tagged record applied twice is applied once and
// the duplicate gets the first result (create not EEXIST, unlink not ENOENT,
// rename not applied twice); the table is bounded per client and in
// clients; it survives an fsimage round trip.
#include <gtest/gtest.h>

#include "metad/namespace/request_table.h"
#include "tests/metad/namespace/ns_fixture.h"

namespace opendfs::metad {
namespace {

using C = StatusCode;
constexpr uint64_t kClient = 0xc11e47;

std::string Tag(std::string record, uint64_t request, uint64_t client = kClient) {
  EXPECT_TRUE(records::TagClientRequest(record, client, request));
  return record;
}

std::string CreateFile(std::string_view name, InodeId ino, bool exclusive = true) {
  records::CreateArgs a;
  a.parent = kRootInode;
  a.name = name;
  a.inode = ino;
  a.mode = S_IFREG | 0644;
  a.exclusive = exclusive;
  a.block_size = 1 << 20;
  a.replication = 3;
  return records::Create(a, Cred::Root(), 1);
}

TEST(RequestTable, DuplicateCreateAnswersTheFirstResult) {
  Namespace ns;
  std::string rec = Tag(CreateFile("f", 100), 1);
  ApplyResult first = ns.ApplyBytes(rec);
  ASSERT_TRUE(first.status.ok()) << first.status.ToString();
  // The retry of the same request, with another inode id (the new leader
  // allocated one): answered from the table, nothing created.
  std::string retry = Tag(CreateFile("f", 101), 1);
  ApplyResult again = ns.ApplyBytes(retry);
  EXPECT_TRUE(again.status.ok()) << again.status.ToString();
  EXPECT_EQ(again.attr.ino, 100u);
  EXPECT_EQ(ns.inode_count(), 2u);
  // Another request with the same name is a new create: EEXIST.
  EXPECT_EQ(ns.ApplyBytes(Tag(CreateFile("f", 102), 2)).status.code(), C::Exists);
  // Untagged records are never deduplicated.
  EXPECT_EQ(ns.ApplyBytes(CreateFile("f", 103)).status.code(), C::Exists);
}

TEST(RequestTable, DuplicateUnlinkAndRenameAreNotAppliedTwice) {
  Namespace ns;
  ASSERT_TRUE(ns.ApplyBytes(CreateFile("a", 100)).status.ok());
  ASSERT_TRUE(ns.ApplyBytes(CreateFile("b", 101)).status.ok());
  std::string mv = Tag(records::Rename(kRootInode, "a", kRootInode, "c", 0, false, Cred::Root(), 2), 7);
  ASSERT_TRUE(ns.ApplyBytes(mv).status.ok());
  // Someone else creates "a" again; the retried rename must not move it.
  ASSERT_TRUE(ns.ApplyBytes(CreateFile("a", 102)).status.ok());
  EXPECT_TRUE(ns.ApplyBytes(mv).status.ok());
  EXPECT_EQ(ns.Lookup(kRootInode, "a", Cred::Root())->ino, 102u);
  EXPECT_EQ(ns.Lookup(kRootInode, "c", Cred::Root())->ino, 100u);

  std::string rm = Tag(records::Unlink(kRootInode, "b", false, Cred::Root(), 3), 8);
  ASSERT_TRUE(ns.ApplyBytes(rm).status.ok());
  EXPECT_TRUE(ns.ApplyBytes(rm).status.ok());  // not ENOENT
  EXPECT_EQ(ns.Lookup(kRootInode, "b", Cred::Root()).status().code(), C::NotFound);
  // A failed first attempt is answered with the same failure.
  std::string bad = Tag(records::Unlink(kRootInode, "nope", false, Cred::Root(), 4), 9);
  EXPECT_EQ(ns.ApplyBytes(bad).status.code(), C::NotFound);
  ASSERT_TRUE(ns.ApplyBytes(CreateFile("nope", 103)).status.ok());
  EXPECT_EQ(ns.ApplyBytes(bad).status.code(), C::NotFound);
  EXPECT_TRUE(ns.Lookup(kRootInode, "nope", Cred::Root()).ok());
}

TEST(RequestTable, RetriedAddBlockIsReplayedAndKeepsTheFirstWrite) {
  // WriteBlock after a failover (metad/server/write_retry.h): the resend's
  // record names another block id; it must not replace the first one, and
  // the result says it was a replay so the server answers with the open
  // write of the first attempt.
  Namespace ns;
  ASSERT_TRUE(ns.ApplyBytes(CreateFile("f", 100)).status.ok());
  ApplyResult first = ns.ApplyBytes(Tag(records::AddBlock(100, 0, 500, 1, {"a:1", "b:1"}), 3));
  ASSERT_TRUE(first.status.ok()) << first.status.ToString();
  EXPECT_FALSE(first.replayed);
  ApplyResult again = ns.ApplyBytes(Tag(records::AddBlock(100, 0, 501, 2, {"c:1"}), 3));
  ASSERT_TRUE(again.status.ok()) << again.status.ToString();
  EXPECT_TRUE(again.replayed);
  Result<FileBlocks> b = ns.GetBlocks(100, 0, 1);
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->blocks.size(), 1u);
  EXPECT_EQ(b->blocks[0].id, 500u);
  const BlockWrite* w = ns.WriteOf(500);
  ASSERT_NE(w, nullptr);
  EXPECT_TRUE(w->open);
  EXPECT_EQ(w->granted, (std::vector<std::string>{"a:1", "b:1"}));
  EXPECT_EQ(ns.WriteOf(501), nullptr);
}

TEST(RequestTable, BoundedPerClientAndInClients) {
  RequestTable t;
  for (uint64_t r = 1; r <= RequestTable::kPerClient + 10; ++r)
    t.Remember(kClient, StoredResult{r, C::Ok, "", r});
  EXPECT_EQ(t.size(), RequestTable::kPerClient);
  EXPECT_EQ(t.Find(kClient, 10), nullptr);  // the oldest went first
  ASSERT_NE(t.Find(kClient, RequestTable::kPerClient + 10), nullptr);
  for (uint64_t c = 1; c <= RequestTable::kMaxClients; ++c)
    t.Remember(kClient + c, StoredResult{1, C::Ok, "", 0});
  EXPECT_EQ(t.clients().size(), RequestTable::kMaxClients);
  // kClient was the least recently used one: evicted.
  EXPECT_EQ(t.Find(kClient, RequestTable::kPerClient + 10), nullptr);
  ASSERT_NE(t.Find(kClient + 1, 1), nullptr);
  t.Remember(0, StoredResult{1, C::Ok, "", 0});  // untracked
  t.Remember(kClient, StoredResult{0, C::Ok, "", 0});
  EXPECT_EQ(t.clients().size(), RequestTable::kMaxClients);
}

TEST(RequestTable, SurvivesAnImageRoundTrip) {
  Namespace ns;
  std::string rec = Tag(CreateFile("f", 100), 5);
  ASSERT_TRUE(ns.ApplyBytes(rec).status.ok());
  std::string bad = Tag(CreateFile("f", 101), 6, kClient + 1);
  ASSERT_EQ(ns.ApplyBytes(bad).status.code(), C::Exists);
  MemoryImage image;
  ASSERT_TRUE(ns.Save(image).ok());
  auto reader = image.NewReader();
  Result<std::unique_ptr<Namespace>> loaded = Namespace::Load(reader);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->requests().size(), 2u);
  ASSERT_TRUE((*loaded)->ApplyBytes(CreateFile("g", 102)).status.ok());
  // Duplicates after the restart get the stored answers.
  ApplyResult again = (*loaded)->ApplyBytes(rec);
  EXPECT_TRUE(again.status.ok());
  EXPECT_EQ(again.attr.ino, 100u);
  EXPECT_EQ((*loaded)->ApplyBytes(bad).status.code(), C::Exists);
  MemoryImage second;
  ASSERT_TRUE((*loaded)->Save(second).ok());
  MemoryImage first;
  ASSERT_TRUE(ns.Save(first).ok());
  EXPECT_NE(first.pairs(), second.pairs());  // "g" exists only in the loaded one
}

}  // namespace
}  // namespace opendfs::metad
