// Frame header codec and the incremental FrameReader (see frame.h).
#include "libnet/frame.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace opendfs {
namespace {

void Put16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v);
  p[1] = uint8_t(v >> 8);
}
void Put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> (8 * i));
}
void Put64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = uint8_t(v >> (8 * i));
}
uint16_t Get16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }
uint32_t Get32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
uint64_t Get64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

void EncodeHeader(const FrameHeader& h, uint8_t out[kFrameHeaderSize]) {
  Put32(out + 0, h.magic);
  out[4] = h.version;
  out[5] = h.flags;
  Put16(out + 6, h.type);
  Put64(out + 8, h.request_id);
  Put32(out + 16, h.payload_len);
  Put32(out + 20, h.data_len);
}

Status DecodeHeader(const uint8_t in[kFrameHeaderSize],
                    const FrameLimits& limits, FrameHeader* out) {
  FrameHeader h;
  h.magic = Get32(in + 0);
  h.version = in[4];
  h.flags = in[5];
  h.type = Get16(in + 6);
  h.request_id = Get64(in + 8);
  h.payload_len = Get32(in + 16);
  h.data_len = Get32(in + 20);
  if (h.magic != kFrameMagic)
    return Status(StatusCode::BadFrame, fmt::format("bad magic {:#010x}", h.magic));
  if (h.version != kFrameVersion)
    return Status(StatusCode::BadFrame,
                  fmt::format("unsupported frame version {}", h.version));
  if (h.payload_len > limits.max_payload_len)
    return Status(StatusCode::FrameTooLarge,
                  fmt::format("payload_len {} above limit {}", h.payload_len,
                              limits.max_payload_len));
  if (h.data_len > limits.max_data_len)
    return Status(StatusCode::FrameTooLarge,
                  fmt::format("data_len {} above limit {}", h.data_len,
                              limits.max_data_len));
  *out = h;
  return Status::Ok();
}

std::span<uint8_t> FrameReader::DirectBuffer() {
  if (state_ == State::kHeader || state_ == State::kTag) return {};
  Bytes& t = target();
  size_t left = t.size() - body_fill_;
  if (left < kDirectMin) return {};
  return {t.data() + body_fill_, left};
}

bool FrameReader::Advance() {
  // Called when the current part is complete; skips empty parts.
  if (state_ == State::kHeader) {
    state_ = State::kPayload;
    body_fill_ = 0;
    frame_.payload = Bytes(frame_.header.payload_len);
    frame_.data = Bytes(frame_.header.data_len);
    std::memcpy(frame_.header_bytes, header_buf_, kFrameHeaderSize);
    if (frame_.header.payload_len != 0) return false;
  }
  if (state_ == State::kPayload) {
    if (body_fill_ < frame_.payload.size()) return false;
    state_ = State::kData;
    body_fill_ = 0;
  }
  if (state_ == State::kData) {
    if (body_fill_ < frame_.data.size()) return false;
    if (tags_) {
      state_ = State::kTag;
      body_fill_ = 0;
      return false;
    }
  } else if (body_fill_ < kFrameTagSize) {  // kTag
    return false;
  }
  state_ = State::kHeader;
  header_fill_ = 0;
  body_fill_ = 0;
  return true;
}

void FrameReader::CommitDirect(size_t n,
                               const std::function<bool(Frame&&)>& on_frame) {
  ODFS_CHECK(state_ == State::kPayload || state_ == State::kData);
  ODFS_CHECK(body_fill_ + n <= target().size());
  body_fill_ += n;
  if (body_fill_ == target().size() && Advance()) on_frame(std::move(frame_));
}

Status FrameReader::Feed(const uint8_t* data, size_t n,
                         const std::function<bool(Frame&&)>& on_frame,
                         size_t* consumed) {
  const size_t total = n;
  if (consumed) *consumed = 0;
  while (n > 0) {
    if (state_ == State::kHeader) {
      size_t take = std::min(n, kFrameHeaderSize - header_fill_);
      std::memcpy(header_buf_ + header_fill_, data, take);
      header_fill_ += take;
      data += take;
      n -= take;
      if (header_fill_ < kFrameHeaderSize) break;
      ODFS_RETURN_IF_ERROR(DecodeHeader(header_buf_, limits_, &frame_.header));
      if (Advance() && !on_frame(std::move(frame_))) break;
      continue;
    }
    if (state_ == State::kTag) {
      size_t take = std::min(n, kFrameTagSize - body_fill_);
      std::memcpy(frame_.tag.data() + body_fill_, data, take);
      body_fill_ += take;
      data += take;
      n -= take;
      if (Advance() && !on_frame(std::move(frame_))) break;
      continue;
    }
    Bytes& t = target();
    size_t take = std::min(n, t.size() - body_fill_);
    std::memcpy(t.data() + body_fill_, data, take);
    body_fill_ += take;
    data += take;
    n -= take;
    if (Advance() && !on_frame(std::move(frame_))) break;
  }
  if (consumed) *consumed = total - n;
  return Status::Ok();
}

}  // namespace opendfs
