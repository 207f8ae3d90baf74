// The request table in the fsimage: one "R" + client id (big-endian) entry
// per client (ImageClientRequests, schema/fsimage.fbs), written after the
// directory entries and before the block writes (key order 'N' < 'R' < 'W').
// Failure modes: an unreadable entry, a key that does not match its client
// id, or more than the table's bounds is Corrupt.
#include <algorithm>
#include <vector>

#include "fsimage_generated.h"
#include "metad/namespace/namespace.h"
#include "metad/namespace/ns_util.h"

namespace opendfs::metad {
namespace {

constexpr char kRequestPrefix = 'R';

std::string RequestKey(uint64_t client) {
  std::string key(1, kRequestPrefix);
  for (int i = 7; i >= 0; --i) key.push_back(static_cast<char>((client >> (8 * i)) & 0xff));
  return key;
}

Status CorruptEntry(const char* what) {
  return Status(StatusCode::Corrupt, std::string("fsimage: request table entry: ") + what);
}

}  // namespace

Status Namespace::SaveRequests(ImageSink& sink) const {
  std::vector<uint64_t> ids;
  ids.reserve(requests_.clients().size());
  for (const auto& [id, c] : requests_.clients()) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  flatbuffers::FlatBufferBuilder fbb(1024);
  for (uint64_t id : ids) {
    const RequestTable::Client& c = requests_.clients().at(id);
    fbb.Clear();
    std::vector<flatbuffers::Offset<fb::ImageRequest>> reqs;
    reqs.reserve(c.recent.size());
    for (const StoredResult& r : c.recent) {
      reqs.push_back(fb::CreateImageRequest(fbb, r.request_id, static_cast<uint16_t>(r.code),
                                            fbb.CreateString(r.message), r.inode));
    }
    fbb.Finish(fb::CreateImageClientRequests(fbb, id, c.last_used, fbb.CreateVector(reqs)));
    ODFS_RETURN_IF_ERROR(sink.Put(
        RequestKey(id),
        std::string_view(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize())));
  }
  return Status::Ok();
}

Status Namespace::LoadRequests(std::string_view key, std::string_view value) {
  flatbuffers::Verifier v(reinterpret_cast<const uint8_t*>(value.data()), value.size());
  if (key.size() != 9 || !v.VerifyBuffer<fb::ImageClientRequests>(nullptr))
    return CorruptEntry("unreadable");
  const auto* r = flatbuffers::GetRoot<fb::ImageClientRequests>(value.data());
  if (r->client_id() == 0 || RequestKey(r->client_id()) != key)
    return CorruptEntry("key and client id differ");
  if (requests_.clients().size() >= RequestTable::kMaxClients) return CorruptEntry("too many clients");
  RequestTable::Client c;
  c.last_used = r->last_used();
  if (r->requests() != nullptr) {
    if (r->requests()->size() > RequestTable::kPerClient) return CorruptEntry("too many requests");
    for (const fb::ImageRequest* q : *r->requests()) {
      if (q->request_id() == 0) return CorruptEntry("request id 0");
      c.recent.push_back(StoredResult{q->request_id(), static_cast<StatusCode>(q->code()),
                                      q->message() ? q->message()->str() : std::string(),
                                      q->inode()});
    }
  }
  requests_.Restore(r->client_id(), std::move(c));
  return Status::Ok();
}

}  // namespace opendfs::metad
