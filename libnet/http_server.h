// HttpServer: a small HTTP/1.1 server (libmicrohttpd, its own polling thread)
// for operator endpoints: GET /metrics today, the status page later.
//
// Happy path: HttpServer::Start("127.0.0.1:9100", {{"/metrics", handler}})
// binds exactly that address (never a wildcard the caller did not write) and
// answers GET/HEAD on each registered path with what the handler returns.
// Handlers run on the server's thread; they must not block for long (they
// read atomics, take short locks).
//
// Failure modes: a host that is not an IP literal or resolvable name, or a
// port already in use, is an error from Start naming the address; unknown
// paths get 404, other methods 405. HTTP parsing is libmicrohttpd's.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "libnet/endpoint.h"
#include "libnet/status.h"

struct MHD_Daemon;
struct MHD_Connection;

namespace opendfs {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using HttpHandler = std::function<HttpResponse()>;

class HttpServer {
 public:
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds `addr` ("host:port"; port 0 picks a free one) and serves `handlers`
  // (path -> handler) until destroyed.
  static Result<std::unique_ptr<HttpServer>> Start(
      std::string_view addr, std::map<std::string, HttpHandler> handlers);

  // The bound port (useful with port 0).
  uint16_t port() const { return port_; }

  // The response for one request (called on the server's thread).
  HttpResponse Handle(std::string_view path, std::string_view method) const;

 private:
  HttpServer() = default;

  std::map<std::string, HttpHandler> handlers_;
  MHD_Daemon* daemon_ = nullptr;
  uint16_t port_ = 0;
};

// The content type Prometheus expects for the text exposition format.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

}  // namespace opendfs
