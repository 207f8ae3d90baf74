// Endpoint: a "host:port" network address as written in configs and on the
// command line ("127.0.0.1:8000", "meta1.example:8000", "[::1]:8000").
//
// Parse() checks syntax only (a host part and a port 1..65535, or 0 where a
// caller allows an ephemeral port); name resolution happens when the client
// connects (Unreachable if it fails). Value type, not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libnet/status.h"

namespace opendfs {

struct Endpoint {
  std::string host;   // IPv4/IPv6 literal (without brackets) or a host name
  uint16_t port = 0;

  // "host:port" -> Endpoint; Invalid with the offending text otherwise.
  // Port 0 is accepted (servers bind an ephemeral port).
  static Result<Endpoint> Parse(std::string_view text);
  // "a:1, b:2,c:3" -> 3 endpoints (spaces around commas ignored; empty
  // items rejected).
  static Result<std::vector<Endpoint>> ParseList(std::string_view text);

  // "host:port", IPv6 hosts in brackets. Parse(ToString()) == *this.
  std::string ToString() const;

  friend bool operator==(const Endpoint&, const Endpoint&) = default;
  friend auto operator<=>(const Endpoint&, const Endpoint&) = default;
};

}  // namespace opendfs
