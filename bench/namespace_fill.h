// Builds the namespace the memory and restart figures are quoted for: `dirs`
// directories under the root with `per_dir` files each, every file with one
// committed 1 MiB block (records applied as the metad applies them).
#pragma once

#include <sys/stat.h>

#include <memory>
#include <string>

#include "metad/namespace/namespace.h"
#include "metad/namespace/records.h"

namespace opendfs::bench {

inline Status FillOneBlockFiles(metad::Namespace& ns, int dirs, int per_dir) {
  using namespace metad;
  const Cred root = Cred::Root();
  constexpr uint32_t kBlockSize = 64 << 20;
  int64_t t = 1;
  auto apply = [&](const std::string& rec) { return ns.ApplyBytes(rec).status; };
  for (int d = 0; d < dirs; ++d) {
    InodeId dir = ns.max_inode_id() + 1;
    ODFS_RETURN_IF_ERROR(apply(records::Mkdir(kRootInode, "dir" + std::to_string(d), dir, 0755, root, ++t)));
    for (int i = 0; i < per_dir; ++i) {
      InodeId f = ns.max_inode_id() + 1;
      std::string name = "file" + std::to_string(i);
      records::CreateArgs a{dir, name, f, S_IFREG | 0644, 0, true, kBlockSize, 3};
      ODFS_RETURN_IF_ERROR(apply(records::Create(a, root, ++t)));
      BlockId b = ns.max_block_id() + 1;
      ODFS_RETURN_IF_ERROR(apply(records::AddBlock(f, 0, b, t)));
      ODFS_RETURN_IF_ERROR(apply(records::CommitBlock(f, 0, b, 1, 1 << 20, 0, t)));
    }
  }
  return Status::Ok();
}

}  // namespace opendfs::bench
