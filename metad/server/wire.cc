#include "metad/server/wire.h"

namespace opendfs::metad {

Cred CredFrom(const fb::Caller* caller) {
  Cred c;
  if (!caller) return Cred{65534, 65534, {}};  // nobody: no caller, no rights
  c.uid = caller->uid();
  c.gid = caller->gid();
  if (caller->groups())
    for (uint32_t g : *caller->groups()) c.groups.push_back(g);
  return c;
}

fb::Attr ToWire(const Attr& a) {
  return fb::Attr(a.ino, a.size, a.atime_ns, a.mtime_ns, a.ctime_ns, a.rdev, a.mode, a.nlink,
                  a.uid, a.gid, a.block_size, a.replication, 0);
}

std::string HostOf(std::string_view address) {
  if (!address.empty() && address.front() == '[') {
    size_t end = address.find(']');
    return std::string(address.substr(1, end == std::string_view::npos ? end : end - 1));
  }
  size_t colon = address.rfind(':');
  if (colon != std::string_view::npos && address.find(':') == colon)
    return std::string(address.substr(0, colon));
  return std::string(address);
}

std::string ClientHost(const fb::Caller* caller, const Request& req) {
  if (caller && caller->host() && caller->host()->size() > 0) return caller->host()->str();
  return HostOf(req.peer);
}

std::string_view Str(const flatbuffers::String* s) {
  return s ? std::string_view(s->data(), s->size()) : std::string_view();
}

void ReplyAttr(Responder& r, const Attr& a) {
  flatbuffers::FlatBufferBuilder fbb(128);
  fb::Attr wa = ToWire(a);
  fbb.Finish(fb::CreateAttrReply(fbb, &wa));
  r.Reply(fbb);
}

void ReplyEmpty(Responder& r) {
  flatbuffers::FlatBufferBuilder fbb(32);
  fbb.Finish(fb::CreateEmptyReply(fbb));
  r.Reply(fbb);
}

}  // namespace opendfs::metad
