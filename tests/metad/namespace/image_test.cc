// fsimage: Load(Save(ns)) == ns on randomised namespaces, counters kept,
// every kind of inode survives, damaged images are refused with Corrupt.
#include <gtest/gtest.h>

#include "fsimage_generated.h"
#include "tests/metad/namespace/ns_fixture.h"
#include "tests/metad/namespace/random_ops.h"

namespace opendfs::metad {
namespace {

using C = StatusCode;

Result<std::unique_ptr<Namespace>> LoadFrom(const MemoryImage& image) {
  auto reader = image.NewReader();
  return Namespace::Load(reader);
}

TEST(NamespaceImage, RoundTripOfRandomNamespaces) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    Namespace ns;
    RandomOps ops(seed);
    for (int i = 0; i < 1000; ++i) (void)ns.ApplyBytes(ops.Next(ns));
    MemoryImage first;
    ASSERT_TRUE(ns.Save(first).ok());
    Result<std::unique_ptr<Namespace>> loaded = LoadFrom(first);
    ASSERT_TRUE(loaded.ok()) << "seed " << seed << ": " << loaded.status().ToString();
    MemoryImage second;
    ASSERT_TRUE((*loaded)->Save(second).ok());
    EXPECT_EQ(first.pairs(), second.pairs()) << "seed " << seed;
    EXPECT_EQ((*loaded)->max_inode_id(), ns.max_inode_id());
    EXPECT_EQ((*loaded)->max_block_id(), ns.max_block_id());
    EXPECT_EQ((*loaded)->inode_count(), ns.inode_count());
    EXPECT_EQ((*loaded)->Orphans(), ns.Orphans());
  }
}

TEST_F(NsTest, DecommissionedBlockdsAreLoggedAndImaged) {
  EXPECT_TRUE(ns.ApplyBytes(records::SetBlockdState("10.0.0.2:8100", true)).status.ok());
  EXPECT_TRUE(ns.ApplyBytes(records::SetBlockdState("10.0.0.1:8100", true)).status.ok());
  EXPECT_TRUE(ns.ApplyBytes(records::SetBlockdState("10.0.0.3:8100", false)).status.ok());
  EXPECT_EQ(ns.ApplyBytes(records::SetBlockdState("", true)).status.code(), C::Invalid);
  EXPECT_EQ(ns.decommissioned_blockds(),
            (std::set<std::string, std::less<>>{"10.0.0.1:8100", "10.0.0.2:8100"}));
  MemoryImage image;
  ASSERT_TRUE(ns.Save(image).ok());
  Result<std::unique_ptr<Namespace>> loaded = LoadFrom(image);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->decommissioned_blockds(), ns.decommissioned_blockds());
  // Recommissioned: gone from the state and from the next image.
  EXPECT_TRUE(ns.ApplyBytes(records::SetBlockdState("10.0.0.1:8100", false)).status.ok());
  EXPECT_EQ(ns.decommissioned_blockds().size(), 1u);
}

TEST_F(NsTest, ImageKeepsEveryKindOfInode) {
  InodeId d = MustOk(Mkdir(kRootInode, "d", 02755));
  InodeId f = MakeFile(d, "f", kBlockSize + 7);
  MustOk(Link(f, kRootInode, "hard"));
  InodeId l = MustOk(Symlink(d, "l", "../hard"));
  InodeId c = MustOk(Mknod(d, "c", S_IFCHR | 0600, 0x0103));
  MustOk(Mknod(d, "p", S_IFIFO | 0600));
  ASSERT_TRUE(SetXattr(f, "user.k", "v").status.ok());
  ASSERT_TRUE(SetXattr(f, "trusted.k", std::string("\0\1", 2)).status.ok());
  InodeId o = MakeFile(d, "orphan", 3);
  ASSERT_TRUE(Unlink(d, "orphan", root, true).status.ok());
  MemoryImage image;
  ASSERT_TRUE(ns.Save(image).ok());
  Result<std::unique_ptr<Namespace>> loaded = LoadFrom(image);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const Namespace& n2 = **loaded;
  for (InodeId ino : {kRootInode, d, f, l, c, o}) EXPECT_EQ(*n2.GetAttr(ino), AttrOf(ino));
  EXPECT_EQ(*n2.ReadLink(l), "../hard");
  EXPECT_EQ(n2.GetAttr(c)->rdev, 0x0103u);
  EXPECT_EQ(*n2.GetXattr(f, "trusted.k", root), std::string("\0\1", 2));
  EXPECT_EQ(n2.GetBlocks(f, 0, 10)->blocks, ns.GetBlocks(f, 0, 10)->blocks);
  EXPECT_EQ(n2.Orphans(), std::vector<InodeId>{o});
  EXPECT_EQ(n2.Lookup(d, "..", root)->ino, kRootInode);
  EXPECT_EQ(n2.Lookup(kRootInode, "hard", root)->ino, f);
}

TEST(NamespaceImage, EmptyNamespaceRoundTrips) {
  Namespace ns;
  MemoryImage image;
  ASSERT_TRUE(ns.Save(image).ok());
  EXPECT_EQ(image.pairs().size(), 2u);  // meta + root
  ASSERT_TRUE(LoadFrom(image).ok());
}

class DamagedImage : public NsTest {
 protected:
  void SetUp() override {
    d = MustOk(Mkdir(kRootInode, "d"));
    f = MakeFile(d, "f", 10);
    MustOk(Mkdir(d, "sub"));
    ASSERT_TRUE(ns.Save(image).ok());
  }
  static std::string InodeKey(InodeId id) {
    std::string k(1, 'I');
    for (int i = 7; i >= 0; --i) k.push_back(static_cast<char>(id >> (8 * i)));
    return k;
  }
  StatusCode LoadCode() {
    auto r = LoadFrom(image);
    return r.status().code();
  }
  MemoryImage image;
  InodeId d = 0, f = 0;
};

TEST_F(DamagedImage, MissingInodeIsCorrupt) {
  image.mutable_pairs().erase(InodeKey(f));
  EXPECT_EQ(LoadCode(), C::Corrupt);
}

TEST_F(DamagedImage, MissingRootIsCorrupt) {
  image.mutable_pairs().erase(InodeKey(kRootInode));
  EXPECT_EQ(LoadCode(), C::Corrupt);
}

TEST_F(DamagedImage, MissingMetaIsCorrupt) {
  image.mutable_pairs().erase("A");
  EXPECT_EQ(LoadCode(), C::Corrupt);
}

TEST_F(DamagedImage, GarbageValueIsCorrupt) {
  image.mutable_pairs()[InodeKey(f)] = "garbage";
  EXPECT_EQ(LoadCode(), C::Corrupt);
}

TEST_F(DamagedImage, TruncatedValueIsCorrupt) {
  std::string& v = image.mutable_pairs()[InodeKey(d)];
  v.resize(v.size() / 2);
  EXPECT_EQ(LoadCode(), C::Corrupt);
}

TEST_F(DamagedImage, MissingEntryBreaksLinkCounts) {
  auto& pairs = image.mutable_pairs();
  for (auto it = pairs.begin(); it != pairs.end(); ++it) {
    if (it->first[0] == 'N') {
      pairs.erase(it);
      break;
    }
  }
  EXPECT_EQ(LoadCode(), C::Corrupt);
}

TEST_F(DamagedImage, UnknownKeyIsCorrupt) {
  image.mutable_pairs()["Zzz"] = "x";
  EXPECT_EQ(LoadCode(), C::Corrupt);
}

TEST_F(DamagedImage, ModifiedCounterIsCorrupt) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(fb::CreateImageMeta(fbb, 1, /*max_inode_id=*/2, 100, ns.inode_count()));
  image.mutable_pairs()["A"] =
      std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  EXPECT_EQ(LoadCode(), C::Corrupt);  // inodes above the counter
}

class FailingSource : public ImageSource {
 public:
  bool Next(std::string_view*, std::string_view*) override { return false; }
  Status status() const override { return Status(StatusCode::Io, "disk on fire"); }
};

TEST(NamespaceImage, SourceErrorsPropagate) {
  FailingSource src;
  EXPECT_EQ(Namespace::Load(src).status().code(), C::Io);
}

class FailingSink : public ImageSink {
 public:
  Status Put(std::string_view, std::string_view) override {
    if (++puts_ > 3) return Status(StatusCode::Io, "full");
    return Status::Ok();
  }
  int puts_ = 0;
};

TEST_F(NsTest, SinkErrorsPropagate) {
  for (int i = 0; i < 5; ++i) MustOk(Create(kRootInode, "f" + std::to_string(i)));
  FailingSink sink;
  EXPECT_EQ(ns.Save(sink).code(), C::Io);
}

}  // namespace
}  // namespace opendfs::metad
