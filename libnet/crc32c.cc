// CRC32C via ISA-L. ISA-L's crc32_iscsi(buf, len, init) applies neither the
// initial nor the final inversion, so the standard CRC (Crc32c("123456789") ==
// 0xE3069283) is ~crc32_iscsi(buf, len, ~previous), starting from previous = 0.
// Its length parameter is an int, so long buffers go in 1 GiB pieces.
//
// Combine follows zlib's crc32_combine (multiplication modulo the polynomial
// in the bit-reflected representation): Crc(A||B) = Crc(A)*x^(8|B|) ^ Crc(B).
#include "libnet/crc32c.h"

#include <isa-l/crc.h>

namespace opendfs {
namespace {

constexpr uint32_t kPolyReflected = 0x82F63B78;
constexpr size_t kMaxPieceBytes = size_t{1} << 30;

// a*b modulo the polynomial; both reflected, x^0 is bit 31.
uint32_t MultModP(uint32_t a, uint32_t b) {
  uint32_t m = uint32_t{1} << 31;
  uint32_t p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) == 0) break;
    }
    m >>= 1;
    b = (b & 1) ? (b >> 1) ^ kPolyReflected : b >> 1;
  }
  return p;
}

// power[k] = x^(2^k) modulo the polynomial, k = 0..63.
struct X2nTable {
  uint32_t power[64];
  X2nTable() {
    uint32_t p = uint32_t{1} << 30;  // x^1
    for (auto& entry : power) {
      entry = p;
      p = MultModP(p, p);
    }
  }
};

// x^(8 * n) modulo the polynomial.
uint32_t X8nModP(uint64_t n) {
  static const X2nTable table;
  uint32_t p = uint32_t{1} << 31;  // x^0
  for (unsigned k = 3; n != 0; n >>= 1, ++k)
    if (n & 1) p = MultModP(table.power[k & 63], p);
  return p;
}

}  // namespace

uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t length) {
  auto* p = static_cast<unsigned char*>(const_cast<void*>(data));
  uint32_t state = ~crc;
  while (length > 0) {
    size_t n = length < kMaxPieceBytes ? length : kMaxPieceBytes;
    state = crc32_iscsi(p, static_cast<int>(n), state);
    p += n;
    length -= n;
  }
  return ~state;
}

uint32_t Crc32cShiftFactor(uint64_t length_b) { return X8nModP(length_b); }

uint32_t Crc32cCombineWithFactor(uint32_t crc_a, uint32_t crc_b, uint32_t factor) {
  return MultModP(factor, crc_a) ^ crc_b;
}

uint32_t Crc32cCombine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b) {
  return MultModP(X8nModP(length_b), crc_a) ^ crc_b;
}

uint32_t Crc32cByteLoop(const void* data, size_t length) {
  auto* p = static_cast<const unsigned char*>(data);
  uint32_t crc = 0xFFFFFFFF;
  for (size_t i = 0; i < length; ++i) {
    crc ^= p[i];
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc & 1) ? (crc >> 1) ^ kPolyReflected : crc >> 1;
  }
  return ~crc;
}

}  // namespace opendfs
