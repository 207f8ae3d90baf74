// EditBatch (a mount's flushed write-back mutations, docs/write-back.md) and
// EditReserveInodes (the inode ids delegated to it).
#include <limits>

#include "metad/namespace/namespace.h"
#include "metad/namespace/ns_util.h"

namespace opendfs::metad {

// Sub-records apply in order, each with all of its checks, as if alone: a
// refused one changes nothing and the rest still apply. The batch's
// exactly-once pair is on the enclosing record (Apply), so sub-records are
// applied without the request table.
ApplyResult Namespace::ApplyBatch(const fb::EditBatch& r) {
  if (in_batch_) return Fail(StatusCode::Invalid, "a batch inside a batch");
  ApplyResult out;
  if (r.records() == nullptr) return out;
  out.batch.reserve(r.records()->size());
  in_batch_ = true;
  for (const fb::EditSubRecord* entry : *r.records()) {
    const fb::EditRecord* sub = entry->record_nested_root();
    if (sub == nullptr) {
      out.batch.push_back(Fail(StatusCode::Invalid, "empty batch entry"));
    } else if (sub->op_type() == fb::EditOp::EditBatch) {
      out.batch.push_back(Fail(StatusCode::Invalid, "a batch inside a batch"));
    } else {
      out.batch.push_back(ApplyOp(*sub));
    }
  }
  in_batch_ = false;
  return out;
}

ApplyResult Namespace::ApplyReserveInodes(const fb::EditReserveInodes& r) {
  if (r.count() == 0) return Fail(StatusCode::Invalid, "reserving no inode ids");
  if (max_inode_id_ > std::numeric_limits<InodeId>::max() / 2)
    return Fail(StatusCode::Range, "inode ids exhausted");
  ApplyResult out;
  out.first_reserved = max_inode_id_ + 1;
  max_inode_id_ += r.count();
  return out;
}

}  // namespace opendfs::metad
