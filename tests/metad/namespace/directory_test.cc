// Directory: name index, cookie order, tombstones and compaction.
#include "metad/namespace/directory.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace opendfs::metad {
namespace {

TEST(Directory, InsertFindRemove) {
  Directory d(1);
  EXPECT_TRUE(d.empty());
  uint64_t c1 = d.Insert("a", 10);
  uint64_t c2 = d.Insert("b", 11);
  EXPECT_EQ(c1, kFirstCookie);
  EXPECT_EQ(c2, kFirstCookie + 1);
  ASSERT_NE(d.Find("a"), nullptr);
  EXPECT_EQ(d.Find("a")->child, 10u);
  EXPECT_EQ(d.Find("c"), nullptr);
  d.Remove("a");
  EXPECT_EQ(d.Find("a"), nullptr);
  EXPECT_EQ(d.size(), 1u);
  EXPECT_EQ(d.Insert("a", 12), kFirstCookie + 2);  // cookies never reused
  d.Repoint("a", 13);
  EXPECT_EQ(d.Find("a")->child, 13u);
  EXPECT_EQ(d.Find("a")->cookie, kFirstCookie + 2);
}

// Random inserts and removes against a std::map model, crossing many
// compactions and index growths.
TEST(Directory, MatchesAModel) {
  std::mt19937 rng(7);
  Directory d(1);
  std::map<std::string, InodeId> model;
  std::map<uint64_t, std::string> by_cookie;
  for (int i = 0; i < 20000; ++i) {
    std::string name = "e" + std::to_string(rng() % 2000);
    if (model.count(name)) {
      d.Remove(name);
      model.erase(name);
      for (auto it = by_cookie.begin(); it != by_cookie.end(); ++it)
        if (it->second == name) {
          by_cookie.erase(it);
          break;
        }
    } else {
      InodeId child = 100 + i;
      uint64_t c = d.Insert(name, child);
      model[name] = child;
      by_cookie[c] = name;
    }
    if (i % 997 == 0) {
      ASSERT_EQ(d.size(), model.size());
      for (auto& [n, c] : model) {
        ASSERT_NE(d.Find(n), nullptr) << n;
        EXPECT_EQ(d.Find(n)->child, c);
      }
      std::vector<std::string> listed;
      d.ForEachAfter(0, [&](const Directory::Entry& e) {
        listed.push_back(e.name);
        return true;
      });
      std::vector<std::string> want;
      for (auto& [c, n] : by_cookie) want.push_back(n);
      EXPECT_EQ(listed, want);
    }
  }
}

TEST(Directory, ForEachAfterStopsAndResumes) {
  Directory d(1);
  for (int i = 0; i < 10; ++i) d.Insert("n" + std::to_string(i), 100 + i);
  std::vector<uint64_t> cookies;
  d.ForEachAfter(kFirstCookie + 4, [&](const Directory::Entry& e) {
    cookies.push_back(e.cookie);
    return cookies.size() < 3;
  });
  EXPECT_EQ(cookies, (std::vector<uint64_t>{kFirstCookie + 5, kFirstCookie + 6, kFirstCookie + 7}));
}

}  // namespace
}  // namespace opendfs::metad
