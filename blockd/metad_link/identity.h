// The blockd's persistent identity: a random uuid generated on first start and
// kept in `<first data_dir>/blockd.uuid`, so metads recognise the same blockd
// across restarts and address changes.
//
// Failure modes: an unreadable or malformed file is an error (never silently
// replaced: a new uuid would make the metads see a new, empty blockd while the
// old one's replicas go missing); an unwritable dir is the errno's status.
#pragma once

#include <string>

#include "libnet/status.h"

namespace opendfs::blockd {

inline constexpr const char* kUuidFileName = "blockd.uuid";

// Reads the uuid from `dir`/blockd.uuid, creating it (durably) when missing.
Result<std::string> LoadOrCreateUuid(const std::string& dir);

// A fresh random uuid (version 4 layout) from /dev/urandom.
std::string NewUuid();

bool IsValidUuid(std::string_view text);

}  // namespace opendfs::blockd
