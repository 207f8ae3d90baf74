// libnet's frame parser (FrameReader::Feed, DecodeHeader) on hostile bytes,
// fed in pieces as a socket would deliver them: never crashes, never
// allocates past FrameLimits, stops at the first bad header.
#include <cstdint>

#include "libnet/frame.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace opendfs;
  FrameLimits limits;
  limits.max_payload_len = 1 << 20;  // keep a fuzz run's memory small
  limits.max_data_len = 1 << 20;
  if (size >= kFrameHeaderSize) {
    FrameHeader h;
    (void)DecodeHeader(data, limits, &h);
  }
  FrameReader reader(limits);
  for (std::string_view piece : fuzz::Pieces(data, size)) {
    const auto* p = reinterpret_cast<const uint8_t*>(piece.data());
    size_t left = piece.size();
    while (left > 0) {
      std::span<uint8_t> direct = reader.DirectBuffer();
      if (!direct.empty()) {
        size_t n = std::min(direct.size(), left);
        std::copy(p, p + n, direct.begin());
        reader.CommitDirect(n, [](Frame&&) { return true; });
        p += n;
        left -= n;
        continue;
      }
      size_t consumed = 0;
      Status s = reader.Feed(p, left, [](Frame&&) { return true; }, &consumed);
      if (!s.ok()) return 0;  // the connection would close here
      if (consumed == 0) break;
      p += consumed;
      left -= consumed;
    }
  }
  return 0;
}
