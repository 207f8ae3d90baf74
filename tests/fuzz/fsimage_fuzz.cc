// An fsimage (key, value pairs, as RocksDB hands them back in key order) on
// hostile bytes: pieces alternate key, value. Load either fails with a clear
// Status or yields a namespace that saves again; never a crash.
#include <cstdint>

#include "metad/namespace/image.h"
#include "metad/namespace/namespace.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace opendfs;
  std::vector<std::string_view> pieces = fuzz::Pieces(data, size, 512);
  metad::MemoryImage image;
  for (size_t i = 0; i + 1 < pieces.size(); i += 2) (void)image.Put(pieces[i], pieces[i + 1]);
  auto reader = image.NewReader();
  auto loaded = metad::Namespace::Load(reader);
  if (!loaded.ok()) return 0;
  metad::MemoryImage again;
  (void)(*loaded)->Save(again);
  return 0;
}
