// Machine-readable output of the CLI (`cluster status --json`), built with
// nlohmann::json so that escaping and number formats are a library's job.
// Field names are a stable interface: opendfs-local and tests read them.
#pragma once

#include <string>

#include "mount/client/types.h"

namespace opendfs::cli {

// One JSON object, newline-terminated: metads, blockds and the counts.
std::string ClusterStatusJson(const client::ClusterInfo& ci);

}  // namespace opendfs::cli
