// The status page's files, compiled in by embed_files.py (see status_page.h).
#pragma once

#include <span>
#include <string_view>

namespace opendfs::metad {

struct EmbeddedFile {
  std::string_view name;          // "index.html"
  std::string_view content_type;  // from the extension
  std::string_view data;
};

std::span<const EmbeddedFile> EmbeddedStatusFiles();

}  // namespace opendfs::metad
