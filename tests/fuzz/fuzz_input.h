// Splitting one fuzz input into pieces: each piece is a little-endian u16
// length and that many bytes (a short tail is the last piece). Lets one input
// be a sequence of records, chunks or pairs; make_corpus.cc writes seeds in
// the same layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace opendfs::fuzz {

inline std::vector<std::string_view> Pieces(const uint8_t* data, size_t size,
                                            size_t max_pieces = 256) {
  std::vector<std::string_view> out;
  size_t at = 0;
  while (at + 2 <= size && out.size() < max_pieces) {
    size_t n = static_cast<size_t>(data[at]) | (static_cast<size_t>(data[at + 1]) << 8);
    at += 2;
    if (n > size - at) n = size - at;
    out.emplace_back(reinterpret_cast<const char*>(data + at), n);
    at += n;
  }
  return out;
}

inline void AppendPiece(std::string& to, std::string_view piece) {
  size_t n = piece.size() > 0xffff ? 0xffff : piece.size();
  to.push_back(static_cast<char>(n & 0xff));
  to.push_back(static_cast<char>(n >> 8));
  to.append(piece.substr(0, n));
}

}  // namespace opendfs::fuzz
