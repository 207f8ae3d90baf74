// GrantOfOpenWrite: see write_retry.h.
#include "metad/server/write_retry.h"

namespace opendfs::metad {

std::optional<RetriedWriteGrant> GrantOfOpenWrite(const BlockInfo& block,
                                                  const BlockWrite* write) {
  if (block.id == 0 || write == nullptr || !write->open || write->granted.empty())
    return std::nullopt;
  RetriedWriteGrant g;
  g.block = block;
  g.from_version = write->from_version;
  g.replicas = write->granted;
  g.new_block = write->from_version == 0;
  return g;
}

}  // namespace opendfs::metad
