// Path helpers for the CLI, which resolves paths itself from the root inode
// (metad knows inodes, not paths).
//
// SplitPath("/a//b/./c/") = {"a","b","c"}; ".." pops a component (never above
// the root); relative paths are taken from the root. Resolve() walks the
// components with Lookup and returns the final inode's attributes; the error
// names the component that failed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libnet/status.h"
#include "mount/client/meta_client.h"
#include "mount/client/types.h"

namespace opendfs::client {

std::vector<std::string> SplitPath(std::string_view path);
// "/" + components joined by "/".
std::string JoinPath(const std::vector<std::string>& parts);
// Last component ("" for the root).
std::string BaseName(std::string_view path);

// Attributes of the inode at `path`.
Result<fb::Attr> Resolve(MetaClient& meta, const Cred& c, std::string_view path);

// The parent directory's attributes and the last component's name; for the
// root (no last component) Invalid.
struct ParentAndName {
  fb::Attr parent;
  std::string name;
};
Result<ParentAndName> ResolveParent(MetaClient& meta, const Cred& c,
                                    std::string_view path);

}  // namespace opendfs::client
