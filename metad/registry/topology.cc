// Topology parsing and lookup; see topology.h.
#include "metad/registry/topology.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace opendfs::metad {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Parses an IPv4 or IPv6 literal into the 128-bit form (IPv4 as ::ffff:a.b.c.d).
// `v4` tells which it was.
bool ParseIp(std::string_view text, std::array<uint8_t, 16>* out, bool* v4) {
  std::string s(text);
  in_addr a4;
  if (inet_pton(AF_INET, s.c_str(), &a4) == 1) {
    out->fill(0);
    (*out)[10] = 0xff;
    (*out)[11] = 0xff;
    std::memcpy(out->data() + 12, &a4, 4);
    *v4 = true;
    return true;
  }
  in6_addr a6;
  if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) {
    std::memcpy(out->data(), &a6, 16);
    *v4 = false;
    return true;
  }
  return false;
}

// Canonical text of a host: IPs through inet_ntop, names lower-cased.
std::string CanonicalHost(std::string_view host) {
  std::array<uint8_t, 16> ip;
  bool v4 = false;
  if (ParseIp(host, &ip, &v4)) {
    char buf[INET6_ADDRSTRLEN];
    if (v4) {
      inet_ntop(AF_INET, ip.data() + 12, buf, sizeof(buf));
    } else {
      inet_ntop(AF_INET6, ip.data(), buf, sizeof(buf));
    }
    return buf;
  }
  std::string out(host);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool PrefixMatches(const std::array<uint8_t, 16>& a,
                   const std::array<uint8_t, 16>& b, int bits) {
  int full = bits / 8;
  if (std::memcmp(a.data(), b.data(), full) != 0) return false;
  int rest = bits % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

bool ValidHostName(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  for (char c : h) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_')
      return false;
  }
  return true;
}

Status Bad(std::string_view item, std::string_view why) {
  return Status(StatusCode::Invalid,
                fmt::format("topology item '{}': {}", item, why));
}

}  // namespace

Status ValidateRack(std::string_view rack) {
  if (rack.empty() || rack.front() != '/')
    return Status(StatusCode::Invalid,
                  fmt::format("rack '{}' must start with '/'", rack));
  if (rack.size() > 256)
    return Status(StatusCode::Invalid, "rack path longer than 256 characters");
  if (rack.size() > 1 && rack.back() == '/')
    return Status(StatusCode::Invalid,
                  fmt::format("rack '{}' ends with '/'", rack));
  if (rack.find("//") != std::string_view::npos || rack == "/")
    return Status(StatusCode::Invalid,
                  fmt::format("rack '{}' has an empty component", rack));
  for (char c : rack) {
    if (std::isspace(static_cast<unsigned char>(c)) || !std::isprint(static_cast<unsigned char>(c)) ||
        c == ',' || c == '=')
      return Status(StatusCode::Invalid,
                    fmt::format("rack '{}' has a blank or reserved character", rack));
  }
  return Status::Ok();
}

Result<Topology> Topology::Parse(std::string_view setting,
                                 std::string_view default_rack) {
  Topology t;
  ODFS_RETURN_IF_ERROR(ValidateRack(default_rack).Annotate("default rack"));
  t.default_rack_ = std::string(default_rack);
  std::vector<std::string> range_keys;
  size_t pos = 0;
  while (pos <= setting.size()) {
    size_t comma = setting.find(',', pos);
    if (comma == std::string_view::npos) comma = setting.size();
    std::string_view item = Trim(setting.substr(pos, comma - pos));
    pos = comma + 1;
    if (item.empty()) {
      if (comma == setting.size()) break;
      return Status(StatusCode::Invalid, "topology: empty item between commas");
    }
    size_t eq = item.find('=');
    if (eq == std::string_view::npos)
      return Bad(item, "expected 'host=/rack' or 'a.b.c.d/len=/rack'");
    std::string_view key = Trim(item.substr(0, eq));
    std::string_view rack = Trim(item.substr(eq + 1));
    if (key.empty()) return Bad(item, "missing host before '='");
    Status rs = ValidateRack(rack);
    if (!rs.ok()) return Bad(item, rs.message());

    size_t slash = key.find('/');
    if (slash != std::string_view::npos) {
      Range r;
      bool v4 = false;
      if (!ParseIp(key.substr(0, slash), &r.addr, &v4))
        return Bad(item, "CIDR base is not an IPv4 or IPv6 address");
      std::string_view len_text = key.substr(slash + 1);
      int len = -1;
      auto [p, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
      int max_len = v4 ? 32 : 128;
      if (ec != std::errc() || p != len_text.data() + len_text.size() || len < 0 || len > max_len)
        return Bad(item, fmt::format("prefix length must be 0..{}", max_len));
      r.prefix_bits = v4 ? 96 + len : len;
      // Host bits must be zero: "10.1.2.3/8" is almost certainly a typo.
      std::array<uint8_t, 16> masked = r.addr;
      for (int bit = r.prefix_bits; bit < 128; ++bit)
        masked[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
      if (masked != r.addr) return Bad(item, "address has bits set beyond the prefix length");
      std::string canon = CanonicalHost(key.substr(0, slash)) + "/" + std::to_string(r.prefix_bits);
      if (std::find(range_keys.begin(), range_keys.end(), canon) != range_keys.end())
        return Bad(item, "range listed twice");
      range_keys.push_back(canon);
      r.rack = std::string(rack);
      t.ranges_.push_back(std::move(r));
      continue;
    }
    std::array<uint8_t, 16> ip;
    bool v4 = false;
    if (!ParseIp(key, &ip, &v4) && !ValidHostName(key))
      return Bad(item, "host is neither an IP address nor a host name");
    auto [it, inserted] = t.exact_.emplace(CanonicalHost(key), std::string(rack));
    if (!inserted) return Bad(item, "host listed twice");
  }
  std::stable_sort(t.ranges_.begin(), t.ranges_.end(),
                   [](const Range& a, const Range& b) { return a.prefix_bits > b.prefix_bits; });
  return t;
}

std::optional<std::string_view> Topology::Lookup(std::string_view host) const {
  std::string canon = CanonicalHost(host);
  if (auto it = exact_.find(canon); it != exact_.end()) return std::string_view(it->second);
  if (ranges_.empty()) return std::nullopt;
  std::array<uint8_t, 16> ip;
  bool v4 = false;
  if (!ParseIp(host, &ip, &v4)) return std::nullopt;
  for (const Range& r : ranges_) {
    if (PrefixMatches(ip, r.addr, r.prefix_bits)) return std::string_view(r.rack);
  }
  return std::nullopt;
}

std::string_view Topology::RackOf(std::string_view host) const {
  auto r = Lookup(host);
  return r ? *r : std::string_view(default_rack_);
}

Result<HostPort> SplitHostPort(std::string_view address) {
  HostPort hp;
  std::string_view port_text;
  if (!address.empty() && address.front() == '[') {
    size_t close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() || address[close + 1] != ':')
      return Status(StatusCode::Invalid,
                    fmt::format("address '{}': expected [ipv6]:port", address));
    hp.host = std::string(address.substr(1, close - 1));
    port_text = address.substr(close + 2);
  } else {
    size_t colon = address.rfind(':');
    if (colon == std::string_view::npos)
      return Status(StatusCode::Invalid,
                    fmt::format("address '{}': expected host:port", address));
    hp.host = std::string(address.substr(0, colon));
    if (hp.host.find(':') != std::string::npos)
      return Status(StatusCode::Invalid,
                    fmt::format("address '{}': put an IPv6 host in brackets", address));
    port_text = address.substr(colon + 1);
  }
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || p != port_text.data() + port_text.size() || port == 0 || port > 65535)
    return Status(StatusCode::Invalid,
                  fmt::format("address '{}': port must be 1..65535", address));
  hp.port = static_cast<uint16_t>(port);
  return hp;
}

std::string JoinHostPort(std::string_view host, uint16_t port) {
  if (host.find(':') != std::string_view::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

bool IsWildcardHost(std::string_view host) {
  return host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]";
}

}  // namespace opendfs::metad
