// The wire form of write-back batches (schema/meta.fbs BatchOp, FlushBatch,
// AcquireDirLease): LeasedDirs' ops become the requests the synchronous path
// would have sent, one BatchOp each, and the leader's replies become plain
// values. Pure: builds and reads flatbuffers, nothing else.
#pragma once

#include <cstdint>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "meta_generated.h"
#include "mount/client/leased_dirs.h"

namespace opendfs::client {

// One op's result in a FlushBatch reply.
struct BatchOpResultInfo {
  StatusCode status = StatusCode::Ok;  // Ok = applied, else a late error
  uint64_t handle = 0;                 // open creates: the metad handle
  fb::Attr attr;                       // after the op
};

struct FlushResult {
  std::vector<BatchOpResultInfo> results;  // one per op sent, in order
  std::vector<uint64_t> lost;              // leases this session no longer holds
};

// The op's own caller: its credentials only (the session and the request ids
// are the FlushBatchRequest's).
flatbuffers::Offset<fb::Caller> BuildOpCaller(flatbuffers::FlatBufferBuilder& b,
                                              const Cred& cred);
flatbuffers::Offset<fb::BatchOp> BuildBatchOp(flatbuffers::FlatBufferBuilder& b,
                                              const BatchOpArgs& op);
flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::BatchOp>>> BuildBatchOps(
    flatbuffers::FlatBufferBuilder& b, const std::vector<BatchOpArgs>& ops);

// A listing entry (ReadDir and AcquireDirLease replies).
DirEntryInfo ReadDirEntry(const fb::DirEntry& e);
FlushResult ReadFlushReply(const fb::FlushBatchReply& r);
LeaseGrant ReadLeaseReply(const fb::AcquireDirLeaseReply& r);

}  // namespace opendfs::client
