// The one wire framing of OpenDFS (DESIGN §6).
//
//   +--------------------------- 24-byte header, little-endian ----------------+
//   | u32 magic 'ODFS' | u8 version=1 | u8 flags | u16 type | u64 request_id    |
//   | u32 payload_len  | u32 data_len                                          |
//   +---------------------------------------------------------------------------+
//   | payload: one flatbuffers table (payload_len bytes)                        |
//   | data trailer: raw bytes, e.g. block contents (data_len bytes, optional)   |
//   +---------------------------------------------------------------------------+
//
// A reply reuses the request's type and request_id with kFlagResponse set; a
// failed call also sets kFlagError and its payload is fb::ErrorReply. A
// request with kFlagOneWay wants no reply at all (Client::Send): the server
// answers nothing, not even an error.
//
// Failure modes, as seen by DecodeHeader: bad magic or version -> BadFrame;
// payload_len or data_len above FrameLimits -> FrameTooLarge. Both make the
// receiver close the connection (it cannot resynchronise). A payload that fails
// flatbuffers verification only fails that one call (BadFrame reply).
#pragma once

#include <cstddef>
#include <cstdint>
#include <array>
#include <functional>
#include <span>

#include <flatbuffers/flatbuffers.h>

#include "libnet/bytes.h"
#include "libnet/status.h"

namespace opendfs {

// 'O','D','F','S' as bytes on the wire.
inline constexpr uint32_t kFrameMagic = 0x5346444Fu;
inline constexpr uint8_t kFrameVersion = 1;
inline constexpr size_t kFrameHeaderSize = 24;
// On a connection sealed with the cluster key (peer_auth.h) every frame is
// followed by this many bytes of MAC, not counted in its lengths.
inline constexpr size_t kFrameTagSize = 16;

enum FrameFlags : uint8_t {
  kFlagResponse = 1,
  kFlagError = 2,
  kFlagOneWay = 4,
};

struct FrameHeader {
  uint32_t magic = kFrameMagic;
  uint8_t version = kFrameVersion;
  uint8_t flags = 0;
  uint16_t type = 0;
  uint64_t request_id = 0;
  uint32_t payload_len = 0;
  uint32_t data_len = 0;
};

// Largest payload / data trailer a receiver accepts. A frame above them closes
// the connection before anything is allocated.
struct FrameLimits {
  uint32_t max_payload_len = 16u << 20;                // 16 MiB
  uint32_t max_data_len = (64u << 20) + (1u << 20);    // 64 MiB block + slack
};

void EncodeHeader(const FrameHeader& h, uint8_t out[kFrameHeaderSize]);
// Decodes and checks magic, version and the limits.
Status DecodeHeader(const uint8_t in[kFrameHeaderSize],
                    const FrameLimits& limits, FrameHeader* out);

// Verifies that `payload` is a well-formed flatbuffer whose root is a T
// (max depth 64, max 1M tables, bounded by the buffer size).
using PayloadVerifier = bool (*)(const uint8_t* data, size_t size);

template <class T>
bool VerifyPayload(const uint8_t* data, size_t size) {
  if (data == nullptr || size < sizeof(flatbuffers::uoffset_t)) return false;
  flatbuffers::Verifier::Options opts;
  opts.max_depth = 64;
  opts.max_tables = 1000000;
  flatbuffers::Verifier v(data, size, opts);
  return v.VerifyBuffer<T>(nullptr);
}

// One received frame: header plus its owned payload and data trailer.
struct Frame {
  FrameHeader header;
  Bytes payload;
  Bytes data;
  uint8_t header_bytes[kFrameHeaderSize];  // as received, for the MAC check
  std::array<uint8_t, kFrameTagSize> tag{};  // when the reader expects tags
};

// Incremental frame parser for one connection's byte stream. Pure (no I/O):
// the connection either hands it bytes it read into a staging buffer (Feed),
// or, when a large body is pending, reads straight into DirectBuffer() and
// calls CommitDirect() — so a data trailer lands in its final Bytes with no
// copy. Not thread-safe (one per connection, used on its loop thread).
class FrameReader {
 public:
  // Bodies with at least this many bytes left are read directly.
  static constexpr size_t kDirectMin = 16 * 1024;

  explicit FrameReader(FrameLimits limits) : limits_(limits) {}

  // The remaining space of the body being received when it is large enough
  // to read into directly; empty otherwise.
  std::span<uint8_t> DirectBuffer();
  // `n` bytes were read into DirectBuffer(). Calls on_frame when that
  // completes a frame.
  void CommitDirect(size_t n, const std::function<bool(Frame&&)>& on_frame);

  // Consumes staged bytes, calling on_frame for each complete frame; stops
  // early (returning Ok) right after a frame for which on_frame returns false.
  // `*consumed` (if given) is how many of the `n` bytes were used; the caller
  // keeps the rest for later. A bad header returns its Status and the reader
  // must not be used again.
  Status Feed(const uint8_t* data, size_t n,
              const std::function<bool(Frame&&)>& on_frame,
              size_t* consumed = nullptr);

  // From the next frame on, every frame is followed by a kFrameTagSize tag
  // (Frame::tag). May be called from on_frame: the switch then applies to the
  // very next frame in the same input.
  void ExpectTags() { tags_ = true; }

  // True when no partial frame is buffered.
  bool idle() const { return state_ == State::kHeader && header_fill_ == 0; }

 private:
  enum class State { kHeader, kPayload, kData, kTag };
  // Moves to the next state after a part completed; true when a frame is done.
  bool Advance();
  Bytes& target() { return state_ == State::kPayload ? frame_.payload : frame_.data; }

  FrameLimits limits_;
  State state_ = State::kHeader;
  uint8_t header_buf_[kFrameHeaderSize];
  size_t header_fill_ = 0;
  size_t body_fill_ = 0;  // bytes of target() (or of the tag) received
  bool tags_ = false;
  Frame frame_;
};

}  // namespace opendfs
