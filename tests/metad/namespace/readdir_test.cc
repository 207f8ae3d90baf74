// readdir: cookie order, paging, readdirplus attributes, and stability of
// cookies under concurrent inserts and removes.
#include <map>
#include <random>
#include <set>

#include "tests/metad/namespace/ns_fixture.h"

namespace opendfs::metad {
namespace {

using C = StatusCode;

TEST_F(NsTest, ReadDirListsInCreationOrderWithAttributes) {
  InodeId d = MustOk(Mkdir(kRootInode, "d"));
  MustOk(Create(d, "b"));
  MustOk(Mkdir(d, "a"));
  MustOk(Symlink(d, "c", "t"));
  DirPage page = *ns.ReadDir(d, 0, 100);
  EXPECT_TRUE(page.end);
  ASSERT_EQ(page.entries.size(), 3u);
  EXPECT_EQ(page.entries[0].name, "b");
  EXPECT_EQ(page.entries[1].name, "a");
  EXPECT_EQ(page.entries[2].name, "c");
  EXPECT_GE(page.entries[0].cookie, kFirstCookie);
  EXPECT_LT(page.entries[0].cookie, page.entries[1].cookie);
  EXPECT_TRUE(S_ISREG(page.entries[0].attr.mode));
  EXPECT_TRUE(S_ISDIR(page.entries[1].attr.mode));
  EXPECT_EQ(page.entries[2].attr.size, 1u);
  EXPECT_EQ(page.entries[1].attr, AttrOf(Id(d, "a")));
  EXPECT_EQ(Code(ns.ReadDir(Id(d, "b"), 0, 10)), C::NotDir);
  EXPECT_EQ(Code(ns.ReadDir(999, 0, 10)), C::NotFound);
}

TEST_F(NsTest, ReadDirPages) {
  for (int i = 0; i < 25; ++i) MustOk(Create(kRootInode, "f" + std::to_string(i)));
  std::vector<std::string> seen;
  uint64_t cookie = 0;
  int pages = 0;
  for (;;) {
    DirPage page = *ns.ReadDir(kRootInode, cookie, 10);
    ++pages;
    for (auto& e : page.entries) {
      seen.push_back(e.name);
      cookie = e.cookie;
    }
    if (page.end) break;
  }
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), 25u);
  for (int i = 0; i < 25; ++i) EXPECT_EQ(seen[i], "f" + std::to_string(i));
  EXPECT_TRUE(ns.ReadDir(kRootInode, cookie, 10)->entries.empty());
  EXPECT_EQ(ns.ReadDir(kRootInode, 0, 0)->entries.size(), 0u);
  EXPECT_FALSE(ns.ReadDir(kRootInode, 0, 0)->end);
}

TEST_F(NsTest, CookiesSurviveRemovalOfTheLastReturnedEntry) {
  for (int i = 0; i < 5; ++i) MustOk(Create(kRootInode, "f" + std::to_string(i)));
  DirPage first = *ns.ReadDir(kRootInode, 0, 2);
  ASSERT_TRUE(Unlink(kRootInode, "f1").status.ok());  // the entry the cookie names
  ASSERT_TRUE(Unlink(kRootInode, "f0").status.ok());
  DirPage rest = *ns.ReadDir(kRootInode, first.entries.back().cookie, 10);
  std::vector<std::string> names;
  for (auto& e : rest.entries) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"f2", "f3", "f4"}));
}

// While a reader pages through a directory, a writer inserts, removes and
// renames entries at random. Every entry present for the whole listing must
// be returned exactly once, and nothing that never existed may appear.
TEST_F(NsTest, CookiesStableUnderConcurrentChanges) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    Namespace fresh;
    std::mt19937 rng(seed);
    InodeId next = 2;
    int64_t t = 1;
    auto create = [&](const std::string& n) {
      records::CreateArgs a{kRootInode, n, next++, S_IFREG | 0644, 0, true, kBlockSize, 1};
      ASSERT_TRUE(fresh.ApplyBytes(records::Create(a, root, t++)).status.ok());
    };
    std::set<std::string> live;
    int counter = 0;
    for (; counter < 300; ++counter) {
      create("n" + std::to_string(counter));
      live.insert("n" + std::to_string(counter));
    }
    const std::set<std::string> initial = live;
    std::set<std::string> ever = live;
    std::set<std::string> removed_during;
    std::multiset<std::string> returned;
    uint64_t cookie = 0;
    for (;;) {
      DirPage page = *fresh.ReadDir(kRootInode, cookie, 1 + rng() % 17);
      for (auto& e : page.entries) {
        returned.insert(e.name);
        cookie = e.cookie;
      }
      if (page.end) break;
      for (int k = rng() % 8; k > 0; --k) {  // a burst of changes between pages
        int what = rng() % 3;
        if (what == 0 || live.empty()) {
          std::string n = "n" + std::to_string(counter++);
          create(n);
          live.insert(n);
          ever.insert(n);
        } else {
          auto it = live.begin();
          std::advance(it, rng() % live.size());
          std::string n = *it;
          if (what == 1) {
            ASSERT_TRUE(fresh.ApplyBytes(records::Unlink(kRootInode, n, false, root, t++))
                            .status.ok());
          } else {
            std::string to = "r" + std::to_string(counter++);
            ASSERT_TRUE(fresh.ApplyBytes(records::Rename(kRootInode, n, kRootInode, to, 0,
                                                         false, root, t++)).status.ok());
            live.insert(to);
            ever.insert(to);
          }
          live.erase(n);
          removed_during.insert(n);
        }
      }
    }
    for (const std::string& n : initial) {
      if (removed_during.count(n)) continue;
      EXPECT_EQ(returned.count(n), 1u) << "seed " << seed << " entry " << n;
    }
    for (const std::string& n : returned) {
      EXPECT_TRUE(ever.count(n)) << n;
      EXPECT_EQ(returned.count(n), 1u) << "seed " << seed << " duplicate " << n;
    }
  }
}

TEST_F(NsTest, CookiesSurviveAnImageRoundTrip) {
  for (int i = 0; i < 100; ++i) MustOk(Create(kRootInode, "f" + std::to_string(i)));
  for (int i = 0; i < 100; i += 3) ASSERT_TRUE(Unlink(kRootInode, "f" + std::to_string(i)).status.ok());
  DirPage first = *ns.ReadDir(kRootInode, 0, 10);
  MemoryImage image;
  ASSERT_TRUE(ns.Save(image).ok());
  auto reader = image.NewReader();
  Result<std::unique_ptr<Namespace>> loaded = Namespace::Load(reader);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  DirPage a = *ns.ReadDir(kRootInode, first.entries.back().cookie, 1000);
  DirPage b = *(*loaded)->ReadDir(kRootInode, first.entries.back().cookie, 1000);
  ASSERT_EQ(a.entries.size(), b.entries.size());
  for (size_t i = 0; i < a.entries.size(); ++i) {
    EXPECT_EQ(a.entries[i].name, b.entries[i].name);
    EXPECT_EQ(a.entries[i].cookie, b.entries[i].cookie);
  }
  // New entries after the load continue the same cookie sequence.
  records::CreateArgs c{kRootInode, "new", ns.max_inode_id() + 1, S_IFREG | 0644, 0, true, kBlockSize, 1};
  std::string rec = records::Create(c, root, 5);
  ASSERT_TRUE(ns.ApplyBytes(rec).status.ok());
  ASSERT_TRUE((*loaded)->ApplyBytes(rec).status.ok());
  EXPECT_EQ(ns.ReadDir(kRootInode, 0, 1000)->entries.back().cookie,
            (*loaded)->ReadDir(kRootInode, 0, 1000)->entries.back().cookie);
}

}  // namespace
}  // namespace opendfs::metad
