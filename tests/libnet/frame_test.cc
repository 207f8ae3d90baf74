// Frame header codec, FrameReader (byte stream -> frames in any chunking),
// payload verification and Endpoint parsing: no sockets involved.
#include "libnet/frame.h"

#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "libnet/data_source.h"
#include "libnet/endpoint.h"
#include "rpc_generated.h"

namespace opendfs {
namespace {

std::vector<uint8_t> PingPayload(const std::string& text) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePingRequest(b, b.CreateString(text)));
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

std::vector<uint8_t> EncodeFrame(uint16_t type, uint64_t id,
                                 const std::vector<uint8_t>& payload,
                                 const std::vector<uint8_t>& data) {
  FrameHeader h;
  h.type = type;
  h.request_id = id;
  h.payload_len = static_cast<uint32_t>(payload.size());
  h.data_len = static_cast<uint32_t>(data.size());
  std::vector<uint8_t> out(kFrameHeaderSize);
  EncodeHeader(h, out.data());
  out.insert(out.end(), payload.begin(), payload.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

TEST(FrameHeader, RoundTripsLittleEndian) {
  FrameHeader h;
  h.flags = kFlagResponse | kFlagError;
  h.type = 0x1234;
  h.request_id = 0x0102030405060708ull;
  h.payload_len = 77;
  h.data_len = 1 << 20;
  uint8_t buf[kFrameHeaderSize];
  EncodeHeader(h, buf);
  EXPECT_EQ(buf[0], 'O');
  EXPECT_EQ(buf[1], 'D');
  EXPECT_EQ(buf[2], 'F');
  EXPECT_EQ(buf[3], 'S');
  EXPECT_EQ(buf[6], 0x34);
  EXPECT_EQ(buf[8], 0x08);
  FrameHeader d;
  ASSERT_TRUE(DecodeHeader(buf, FrameLimits{}, &d).ok());
  EXPECT_EQ(d.flags, h.flags);
  EXPECT_EQ(d.type, h.type);
  EXPECT_EQ(d.request_id, h.request_id);
  EXPECT_EQ(d.payload_len, h.payload_len);
  EXPECT_EQ(d.data_len, h.data_len);
}

TEST(FrameHeader, RejectsBadMagicVersionAndOversize) {
  FrameHeader h;
  uint8_t buf[kFrameHeaderSize];
  FrameHeader d;
  EncodeHeader(h, buf);
  buf[0] = 'X';
  EXPECT_EQ(DecodeHeader(buf, FrameLimits{}, &d).code(), StatusCode::BadFrame);

  h.version = 2;
  EncodeHeader(h, buf);
  EXPECT_EQ(DecodeHeader(buf, FrameLimits{}, &d).code(), StatusCode::BadFrame);

  FrameLimits small{100, 1000};
  h.version = kFrameVersion;
  h.payload_len = 101;
  EncodeHeader(h, buf);
  EXPECT_EQ(DecodeHeader(buf, small, &d).code(), StatusCode::FrameTooLarge);
  h.payload_len = 100;
  h.data_len = 1001;
  EncodeHeader(h, buf);
  EXPECT_EQ(DecodeHeader(buf, small, &d).code(), StatusCode::FrameTooLarge);
  h.data_len = 1000;
  EncodeHeader(h, buf);
  EXPECT_TRUE(DecodeHeader(buf, small, &d).ok());
}

// A sealed connection (peer_auth.h): after ExpectTags, called from on_frame,
// the very next frame in the same input is read with its 16-byte tag; the
// tag is not part of the frame's lengths and comes back in Frame::tag.
TEST(FrameReader, ExpectTagsFromOnFrameAppliesToTheNextFrameInTheSameInput) {
  std::vector<uint8_t> in = EncodeFrame(2, 1, PingPayload("hello"), {});
  std::vector<uint8_t> second = EncodeFrame(50, 2, PingPayload("sealed"), {'d', 'a', 't', 'a'});
  in.insert(in.end(), second.begin(), second.end());
  for (uint8_t i = 0; i < kFrameTagSize; ++i) in.push_back(static_cast<uint8_t>(0xA0 + i));
  std::vector<uint8_t> third = EncodeFrame(50, 3, {}, {});  // empty frame: tag only
  in.insert(in.end(), third.begin(), third.end());
  for (uint8_t i = 0; i < kFrameTagSize; ++i) in.push_back(i);
  std::vector<Frame> got;
  for (size_t chunk : {in.size(), size_t{1}, size_t{7}}) {
    FrameReader reader(FrameLimits{});
    got.clear();
    for (size_t at = 0; at < in.size(); at += chunk) {
      size_t n = std::min(chunk, in.size() - at);
      ASSERT_TRUE(reader.Feed(in.data() + at, n, [&](Frame&& f) {
        got.push_back(std::move(f));
        if (got.size() == 1) reader.ExpectTags();
        return true;
      }).ok());
    }
    ASSERT_EQ(got.size(), 3u) << "chunk " << chunk;
    EXPECT_EQ(got[1].header.request_id, 2u);
    EXPECT_EQ(got[1].data.view(), "data");
    EXPECT_EQ(got[1].tag[0], 0xA0);
    EXPECT_EQ(got[1].tag[15], 0xAF);
    EXPECT_EQ(got[2].header.request_id, 3u);
    EXPECT_EQ(got[2].tag[15], 15);
    EXPECT_TRUE(reader.idle());
  }
}

TEST(FrameReader, ParsesFramesFedInRandomChunks) {
  std::mt19937 rng(42);
  std::vector<uint8_t> stream;
  std::vector<std::vector<uint8_t>> datas;
  for (int i = 0; i < 50; ++i) {
    std::vector<uint8_t> data(i % 7 == 0 ? 40000 + i : i * 3);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    auto f = EncodeFrame(1, i, PingPayload("p" + std::to_string(i)), data);
    stream.insert(stream.end(), f.begin(), f.end());
    datas.push_back(std::move(data));
  }
  FrameReader reader{FrameLimits{}};
  std::vector<Frame> got;
  auto on = [&](Frame&& f) {
    got.push_back(std::move(f));
    return true;
  };
  size_t pos = 0;
  while (pos < stream.size()) {
    // Mix direct reads (as libuv would do into DirectBuffer) and staged ones.
    auto direct = reader.DirectBuffer();
    size_t n = std::min<size_t>(1 + rng() % 30000, stream.size() - pos);
    if (!direct.empty()) {
      n = std::min(n, direct.size());
      std::memcpy(direct.data(), stream.data() + pos, n);
      reader.CommitDirect(n, on);
    } else {
      ASSERT_TRUE(reader.Feed(stream.data() + pos, n, on).ok());
    }
    pos += n;
  }
  EXPECT_TRUE(reader.idle());
  ASSERT_EQ(got.size(), 50u);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].header.request_id, i);
    ASSERT_TRUE(VerifyPayload<fb::PingRequest>(got[i].payload.data(), got[i].payload.size()));
    EXPECT_EQ(flatbuffers::GetRoot<fb::PingRequest>(got[i].payload.data())->text()->str(),
              "p" + std::to_string(i));
    ASSERT_EQ(got[i].data.size(), datas[i].size());
    EXPECT_TRUE(std::equal(datas[i].begin(), datas[i].end(), got[i].data.data()));
  }
}

TEST(FrameReader, StopsAtFrameBoundaryAndReportsConsumed) {
  std::vector<uint8_t> stream;
  for (int i = 0; i < 3; ++i) {
    auto f = EncodeFrame(1, i, PingPayload("x"), {});
    stream.insert(stream.end(), f.begin(), f.end());
  }
  const size_t one = stream.size() / 3;
  FrameReader reader{FrameLimits{}};
  int seen = 0;
  size_t used = 0;
  ASSERT_TRUE(reader.Feed(stream.data(), stream.size(),
                          [&](Frame&&) { return ++seen < 1; }, &used).ok());
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(used, one);
  ASSERT_TRUE(reader.Feed(stream.data() + used, stream.size() - used,
                          [&](Frame&&) { ++seen; return true; }, &used).ok());
  EXPECT_EQ(seen, 3);
  EXPECT_EQ(used, 2 * one);
}

TEST(FrameReader, BadHeaderIsAnError) {
  FrameReader reader{FrameLimits{}};
  std::vector<uint8_t> junk(kFrameHeaderSize, 0xAB);
  Status st = reader.Feed(junk.data(), junk.size(), [](Frame&&) { return true; });
  EXPECT_EQ(st.code(), StatusCode::BadFrame);
}

TEST(Verify, RejectsCorruptedPayload) {
  auto p = PingPayload("hello world");
  EXPECT_TRUE(VerifyPayload<fb::PingRequest>(p.data(), p.size()));
  // Root offset pointing outside the buffer.
  auto bad = p;
  bad[0] = 0xFF;
  bad[1] = 0xFF;
  EXPECT_FALSE(VerifyPayload<fb::PingRequest>(bad.data(), bad.size()));
  // Truncated.
  EXPECT_FALSE(VerifyPayload<fb::PingRequest>(p.data(), p.size() / 2));
  EXPECT_FALSE(VerifyPayload<fb::PingRequest>(p.data(), 0));
  // String length field corrupted.
  auto bad2 = p;
  for (size_t i = 0; i + 4 <= bad2.size(); ++i) {
    uint32_t v;
    std::memcpy(&v, &bad2[i], 4);
    if (v == 11) {  // the length of "hello world"
      v = 0x7FFFFFFF;
      std::memcpy(&bad2[i], &v, 4);
      break;
    }
  }
  EXPECT_FALSE(VerifyPayload<fb::PingRequest>(bad2.data(), bad2.size()));
}

TEST(Endpoint, ParsesAndPrints) {
  auto ep = Endpoint::Parse("127.0.0.1:8000");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->host, "127.0.0.1");
  EXPECT_EQ(ep->port, 8000);
  EXPECT_EQ(ep->ToString(), "127.0.0.1:8000");
  auto v6 = Endpoint::Parse("[::1]:9");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->ToString(), "[::1]:9");
  EXPECT_FALSE(Endpoint::Parse("nohost").ok());
  EXPECT_FALSE(Endpoint::Parse(":80").ok());
  EXPECT_FALSE(Endpoint::Parse("a:70000").ok());
  EXPECT_FALSE(Endpoint::Parse("a:8x").ok());
  EXPECT_FALSE(Endpoint::Parse("::1:80").ok());
  auto list = Endpoint::ParseList("a:1, b:2,c:3");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[1].ToString(), "b:2");
  EXPECT_FALSE(Endpoint::ParseList("a:1,,b:2").ok());
}

TEST(DataSource, FileOnDoneRunsOnceWhenDropped) {
  int calls = 0;
  StatusCode code = StatusCode::Ok;
  {
    DataSource d = DataSource::File(0, 0, 10, [&](Status s) {
      ++calls;
      code = s.code();
    });
    DataSource moved = std::move(d);
    EXPECT_EQ(moved.size(), 10u);
  }
  EXPECT_EQ(calls, 1);
  EXPECT_NE(code, StatusCode::Ok);
}

}  // namespace
}  // namespace opendfs
