// Editlog records on a live namespace: every piece of the input is one
// record applied in order (ApplyBytes verifies it first), as replay and the
// Paxos apply path do. A record that fails its checks changes nothing and
// never crashes. Afterwards the namespace must save an fsimage that loads
// back and saves to the same pairs (the checkpoint invariant).
#include <cstdint>

#include "metad/namespace/image.h"
#include "metad/namespace/namespace.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace opendfs;
  metad::Namespace ns;
  for (std::string_view record : fuzz::Pieces(data, size)) (void)ns.ApplyBytes(record);
  metad::MemoryImage image;
  if (!ns.Save(image).ok()) __builtin_trap();
  auto reader = image.NewReader();
  auto loaded = metad::Namespace::Load(reader);
  if (!loaded.ok()) __builtin_trap();  // what Save wrote, Load must read
  metad::MemoryImage again;
  if (!(*loaded)->Save(again).ok() || again.pairs() != image.pairs()) __builtin_trap();
  return 0;
}
