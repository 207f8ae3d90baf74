#include "mount/client/path.h"

namespace opendfs::client {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view c = path.substr(i, j - i);
    if (c == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!c.empty() && c != ".") {
      parts.emplace_back(c);
    }
    i = j + 1;
  }
  return parts;
}

std::string JoinPath(const std::vector<std::string>& parts) {
  if (parts.empty()) return "/";
  std::string out;
  for (const auto& p : parts) {
    out += '/';
    out += p;
  }
  return out;
}

std::string BaseName(std::string_view path) {
  auto parts = SplitPath(path);
  return parts.empty() ? std::string() : parts.back();
}

namespace {

Result<fb::Attr> Walk(MetaClient& meta, const Cred& c,
                      const std::vector<std::string>& parts, size_t n) {
  ODFS_ASSIGN_OR_RETURN(fb::Attr attr, meta.GetAttr(c, kRootIno));
  std::vector<std::string> walked;
  for (size_t i = 0; i < n; ++i) {
    Result<fb::Attr> next = meta.Lookup(c, attr.ino(), parts[i]);
    walked.push_back(parts[i]);
    if (!next.ok()) return next.status().Annotate(JoinPath(walked));
    attr = *next;
  }
  return attr;
}

}  // namespace

Result<fb::Attr> Resolve(MetaClient& meta, const Cred& c, std::string_view path) {
  auto parts = SplitPath(path);
  return Walk(meta, c, parts, parts.size());
}

Result<ParentAndName> ResolveParent(MetaClient& meta, const Cred& c,
                                    std::string_view path) {
  auto parts = SplitPath(path);
  if (parts.empty()) {
    return Status(StatusCode::Invalid, "the root has no parent");
  }
  ODFS_ASSIGN_OR_RETURN(fb::Attr parent, Walk(meta, c, parts, parts.size() - 1));
  return ParentAndName{parent, parts.back()};
}

}  // namespace opendfs::client
