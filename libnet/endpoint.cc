// Endpoint parsing: "host:port", "[v6]:port", and comma-separated lists.
#include "libnet/endpoint.h"

#include <charconv>

#include <fmt/format.h>

namespace opendfs {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<Endpoint> Endpoint::Parse(std::string_view text) {
  auto bad = [&](const char* why) {
    return Status(StatusCode::Invalid,
                  fmt::format("bad address \"{}\": {}", text, why));
  };
  std::string_view s = Trim(text);
  std::string_view host, port;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos) return bad("missing ']'");
    host = s.substr(1, close - 1);
    if (close + 1 >= s.size() || s[close + 1] != ':') return bad("missing :port");
    port = s.substr(close + 2);
  } else {
    size_t colon = s.rfind(':');
    if (colon == std::string_view::npos) return bad("missing :port");
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return bad("IPv6 hosts need brackets");
  }
  if (host.empty()) return bad("empty host");
  unsigned value = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || p != port.data() + port.size() ||
      value > 65535)
    return bad("port must be 0..65535");
  return Endpoint{std::string(host), static_cast<uint16_t>(value)};
}

Result<std::vector<Endpoint>> Endpoint::ParseList(std::string_view text) {
  std::vector<Endpoint> out;
  while (true) {
    size_t comma = text.find(',');
    std::string_view item = Trim(text.substr(0, comma));
    if (item.empty())
      return Status(StatusCode::Invalid, "empty item in address list");
    ODFS_ASSIGN_OR_RETURN(Endpoint ep, Parse(item));
    out.push_back(std::move(ep));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::string Endpoint::ToString() const {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

}  // namespace opendfs
