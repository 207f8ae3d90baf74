// Conversions between schema/meta.fbs tables and the namespace's types, for
// the client handlers. Payloads were verified by libnet before these run;
// absent fields read as zero / empty.
#pragma once

#include <string>
#include <string_view>

#include "libnet/server.h"
#include "meta_generated.h"
#include "metad/namespace/types.h"

namespace opendfs::metad {

Cred CredFrom(const fb::Caller* caller);
fb::Attr ToWire(const Attr& a);
// "10.0.0.1:5432" -> "10.0.0.1"; "[::1]:80" -> "::1".
std::string HostOf(std::string_view address);
// The client's host for placement and nearest-replica order: the Caller's
// host when given, else the connection's peer.
std::string ClientHost(const fb::Caller* caller, const Request& req);
std::string_view Str(const flatbuffers::String* s);

void ReplyAttr(Responder& r, const Attr& a);
void ReplyEmpty(Responder& r);

}  // namespace opendfs::metad
