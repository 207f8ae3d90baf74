#include "metad/registry/topology.h"

#include <gtest/gtest.h>

namespace opendfs::metad {
namespace {

TEST(Topology, EmptySettingPutsEveryoneOnTheDefaultRack) {
  auto t = Topology::Parse("");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->RackOf("10.1.2.3"), "/default-rack");
  EXPECT_FALSE(t->Lookup("10.1.2.3").has_value());
  EXPECT_EQ(t->entry_count(), 0u);
}

TEST(Topology, ExactHostsAndCidrs) {
  auto t = Topology::Parse("127.0.0.1=/r1, 127.0.0.2=/r1, 10.0.0.0/8=/dc/r2");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->RackOf("127.0.0.1"), "/r1");
  EXPECT_EQ(t->RackOf("127.0.0.2"), "/r1");
  EXPECT_EQ(t->RackOf("127.0.0.3"), "/default-rack");
  EXPECT_EQ(t->RackOf("10.200.3.4"), "/dc/r2");
  EXPECT_EQ(t->RackOf("11.0.0.1"), "/default-rack");
  EXPECT_EQ(t->entry_count(), 3u);
}

TEST(Topology, ExactWinsThenLongestPrefix) {
  auto t = Topology::Parse("10.0.0.0/8=/wide, 10.1.0.0/16=/narrow, 10.1.2.3=/one");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->RackOf("10.1.2.3"), "/one");
  EXPECT_EQ(t->RackOf("10.1.9.9"), "/narrow");
  EXPECT_EQ(t->RackOf("10.2.0.1"), "/wide");
}

TEST(Topology, Ipv6AndHostNames) {
  auto t = Topology::Parse("fd00::/8=/v6, ::1=/lo6, Blk7.example=/r3, 0.0.0.0/0=/all4");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->RackOf("fd12::5"), "/v6");
  EXPECT_EQ(t->RackOf("0:0::1"), "/lo6");  // canonicalised
  EXPECT_EQ(t->RackOf("blk7.example"), "/r3");
  EXPECT_EQ(t->RackOf("192.168.1.1"), "/all4");
  EXPECT_EQ(t->RackOf("fe80::1"), "/default-rack");  // /0 over IPv4 only
}

TEST(Topology, CustomDefaultRack) {
  auto t = Topology::Parse("1.2.3.4=/a", "/dc1/spare");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->RackOf("5.6.7.8"), "/dc1/spare");
  EXPECT_FALSE(Topology::Parse("", "nope").ok());
}

TEST(Topology, TrailingCommaIsAccepted) {
  auto t = Topology::Parse("1.2.3.4=/a,");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->RackOf("1.2.3.4"), "/a");
}

TEST(Topology, BadInputIsAClearInvalidStatus) {
  struct Case {
    const char* setting;
    const char* needle;
  } cases[] = {
      {"1.2.3.4", "expected 'host=/rack'"},
      {"=/r1", "missing host"},
      {"1.2.3.4=r1", "must start with '/'"},
      {"1.2.3.4=/", "empty component"},
      {"1.2.3.4=/a//b", "empty component"},
      {"1.2.3.4=/a/", "ends with '/'"},
      {"1.2.3.4=/a b", "blank"},
      {"10.0.0.0/33=/r", "prefix length must be 0..32"},
      {"10.0.0.0/x=/r", "prefix length"},
      {"fd00::/129=/r", "0..128"},
      {"10.0.0.1/8=/r", "bits set beyond"},
      {"bad host!=/r", "neither an IP"},
      {"1.2.3.4=/a, 1.2.3.4=/b", "listed twice"},
      {"10.0.0.0/8=/a, 10.0.0.0/8=/b", "listed twice"},
      {"1.2.3.4=/a,,5.6.7.8=/b", "empty item"},
      {"300.1.1.1/8=/r", "CIDR base"},
  };
  for (const Case& c : cases) {
    auto t = Topology::Parse(c.setting);
    ASSERT_FALSE(t.ok()) << c.setting;
    EXPECT_EQ(t.status().code(), StatusCode::Invalid) << c.setting;
    EXPECT_NE(t.status().message().find(c.needle), std::string::npos)
        << c.setting << " -> " << t.status().message();
  }
}

TEST(HostPort, SplitAndJoin) {
  auto a = SplitHostPort("10.0.0.1:8100");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "10.0.0.1");
  EXPECT_EQ(a->port, 8100);
  auto b = SplitHostPort("[fd00::1]:9");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "fd00::1");
  EXPECT_EQ(JoinHostPort(b->host, b->port), "[fd00::1]:9");
  EXPECT_EQ(JoinHostPort("h", 1), "h:1");
  auto c = SplitHostPort(":8100");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(IsWildcardHost(c->host));
  for (const char* bad : {"10.0.0.1", "10.0.0.1:0", "10.0.0.1:65536", "h:x", "fd00::1:9",
                          "[fd00::1]9", "[fd00::1"}) {
    EXPECT_EQ(SplitHostPort(bad).status().code(), StatusCode::Invalid) << bad;
  }
  EXPECT_TRUE(IsWildcardHost("0.0.0.0"));
  EXPECT_TRUE(IsWildcardHost("::"));
  EXPECT_FALSE(IsWildcardHost("127.0.0.1"));
}

}  // namespace
}  // namespace opendfs::metad
