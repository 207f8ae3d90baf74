#include "metad/replication/batch.h"

#include <cstring>

namespace opendfs::replication {
namespace {

template <class T>
void Put(std::string* out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out->append(b, sizeof(T));
}

template <class T>
bool Get(std::string_view* in, T* v) {
  if (in->size() < sizeof(T)) return false;
  std::memcpy(v, in->data(), sizeof(T));
  in->remove_prefix(sizeof(T));
  return true;
}

}  // namespace

std::string EncodeBatch(uint32_t proposer, uint64_t seq, const std::vector<std::string>& records) {
  size_t size = 16;
  for (const std::string& r : records) size += 4 + r.size();
  std::string out;
  out.reserve(size);
  Put<uint32_t>(&out, proposer);
  Put<uint64_t>(&out, seq);
  Put<uint32_t>(&out, static_cast<uint32_t>(records.size()));
  for (const std::string& r : records) {
    Put<uint32_t>(&out, static_cast<uint32_t>(r.size()));
    out.append(r);
  }
  return out;
}

std::optional<Batch> DecodeBatch(std::string_view in) {
  Batch b;
  uint32_t count = 0;
  if (!Get(&in, &b.proposer) || !Get(&in, &b.seq) || !Get(&in, &count)) return std::nullopt;
  if (count > in.size() / 4) return std::nullopt;
  b.records.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t len = 0;
    if (!Get(&in, &len) || len > in.size()) return std::nullopt;
    b.records.push_back(in.substr(0, len));
    in.remove_prefix(len);
  }
  if (!in.empty()) return std::nullopt;
  return b;
}

}  // namespace opendfs::replication
