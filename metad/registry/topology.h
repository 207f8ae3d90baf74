// Topology: which rack a host is on, from the metad's `topology` setting.
//
//   "127.0.0.1=/r1, 127.0.0.2=/r1, 10.0.0.0/8=/dc/r2, fd00::/8=/v6, blk7=/r3"
//
// Each comma-separated item maps an exact host (IPv4, IPv6 or a name compared
// as a string) or a CIDR range to a rack path. Rack paths start with '/',
// have no empty components and no blanks. For an IP the exact entry wins,
// then the longest matching prefix; a host matching nothing is on the default
// rack ("/default-rack"). Parse failures are Invalid statuses naming the item
// and what was expected; duplicate keys are refused.
//
// Immutable after Parse; safe to read from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "libnet/status.h"

namespace opendfs::metad {

inline constexpr std::string_view kDefaultRack = "/default-rack";

class Topology {
 public:
  // Everything on the default rack.
  Topology() = default;

  static Result<Topology> Parse(std::string_view setting,
                                std::string_view default_rack = kDefaultRack);

  // The rack configured for `host` (no port), or nullopt when no entry
  // matches.
  std::optional<std::string_view> Lookup(std::string_view host) const;
  // Lookup() or the default rack.
  std::string_view RackOf(std::string_view host) const;

  const std::string& default_rack() const { return default_rack_; }
  size_t entry_count() const { return exact_.size() + ranges_.size(); }

 private:
  struct Range {
    std::array<uint8_t, 16> addr{};  // IPv4 mapped into ::ffff:a.b.c.d
    int prefix_bits = 0;             // over the 128-bit form
    std::string rack;
  };

  std::string default_rack_{kDefaultRack};
  // Canonical host text (IPs normalised through inet_ntop) -> rack.
  std::unordered_map<std::string, std::string> exact_;
  std::vector<Range> ranges_;  // longest prefix first
};

// Validates a rack path ("/dc1/r2"); Invalid status says why.
Status ValidateRack(std::string_view rack);

// Splits "host:port" / "[v6]:port" into host and port. Invalid when the port
// is missing or not 1..65535.
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
Result<HostPort> SplitHostPort(std::string_view address);

// "host:port" with brackets around an IPv6 host.
std::string JoinHostPort(std::string_view host, uint16_t port);

// True for "", "0.0.0.0", "::" and "[::]" (a listener's wildcard, not a
// reachable address).
bool IsWildcardHost(std::string_view host);

}  // namespace opendfs::metad
