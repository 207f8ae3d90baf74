// Determinism: the same record sequence applied to two namespaces gives the
// same results and byte-identical images; replaying the tail of the log on a
// namespace loaded from a mid-way image ends in the same state too.
#include <gtest/gtest.h>

#include "metad/namespace/namespace.h"
#include "tests/metad/namespace/random_ops.h"

namespace opendfs::metad {
namespace {

MemoryImage ImageOf(const Namespace& ns) {
  MemoryImage image;
  Status s = ns.Save(image);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return image;
}

TEST(NamespaceDeterminism, SameLogSameState) {
  for (uint32_t seed = 1; seed <= 30; ++seed) {
    Namespace a, b;
    RandomOps ops(seed);
    size_t ok = 0;
    for (int i = 0; i < 600; ++i) {
      std::string rec = ops.Next(a);
      ApplyResult ra = a.ApplyBytes(rec);
      ApplyResult rb = b.ApplyBytes(rec);
      ASSERT_EQ(ra.status.code(), rb.status.code()) << "seed " << seed << " op " << i;
      ASSERT_EQ(ra.attr, rb.attr);
      ASSERT_EQ(ra.freed_blocks, rb.freed_blocks);
      ok += ra.status.ok();
    }
    EXPECT_GT(ok, 100u) << "seed " << seed << ": too few successful records";
    EXPECT_EQ(ImageOf(a).pairs(), ImageOf(b).pairs()) << "seed " << seed;
    EXPECT_EQ(a.max_inode_id(), b.max_inode_id());
    EXPECT_EQ(a.Orphans(), b.Orphans());
  }
}

TEST(NamespaceDeterminism, ImagePlusLogTailEqualsWholeLog) {
  for (uint32_t seed = 100; seed < 110; ++seed) {
    Namespace whole;
    RandomOps ops(seed);
    std::vector<std::string> log;
    for (int i = 0; i < 800; ++i) {
      log.push_back(ops.Next(whole));
      (void)whole.ApplyBytes(log.back());
    }
    Namespace prefix;
    for (int i = 0; i < 400; ++i) (void)prefix.ApplyBytes(log[i]);
    MemoryImage mid = ImageOf(prefix);
    auto reader = mid.NewReader();
    Result<std::unique_ptr<Namespace>> loaded = Namespace::Load(reader);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    for (int i = 400; i < 800; ++i) (void)(*loaded)->ApplyBytes(log[i]);
    EXPECT_EQ(ImageOf(**loaded).pairs(), ImageOf(whole).pairs()) << "seed " << seed;
  }
}

}  // namespace
}  // namespace opendfs::metad
