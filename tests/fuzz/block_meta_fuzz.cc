// blockd's on-disk names and block meta files on hostile bytes: a bad one is
// Corrupt (naming the file), never a crash; a good one round-trips.
#include <cstdint>
#include <string_view>

#include "blockd/disk/block_layout.h"
#include "blockd/disk/block_meta.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace opendfs;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)disk::ParseBlockFileName(bytes.substr(0, 128));
  Result<disk::BlockMeta> m = disk::DecodeBlockMeta(bytes, "fuzz.meta");
  if (!m.ok()) return 0;
  std::string again = disk::EncodeBlockMeta(*m);
  Result<disk::BlockMeta> m2 = disk::DecodeBlockMeta(again, "fuzz.meta");
  if (!m2.ok() || m2->block_id != m->block_id || m2->version != m->version ||
      m2->length != m->length)
    __builtin_trap();  // a decoded meta must encode to one that decodes the same
  return 0;
}
