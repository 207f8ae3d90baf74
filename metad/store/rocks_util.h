// Small helpers shared by the RocksDB-backed stores: big-endian integer keys
// (so RocksDB's bytewise order is numeric order) and RocksDB status → Status.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <rocksdb/status.h>

#include "libnet/status.h"

namespace opendfs::store {

// Appends the 8 big-endian bytes of v to *out.
void PutBigEndian64(std::string* out, uint64_t v);
// Reads 8 big-endian bytes; `in` must hold at least 8 bytes.
uint64_t GetBigEndian64(std::string_view in);

// "<what>: <RocksDB's reason>", with Corruption -> Corrupt, IOError with no
// space -> NoSpace, other IOError -> Io, Busy/TryAgain -> Busy, anything
// else -> Io.
Status FromRocks(const rocksdb::Status& s, std::string_view what);

}  // namespace opendfs::store
