// HttpServer on libmicrohttpd (see http_server.h).
#include "libnet/http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace opendfs {

namespace {

MHD_Result OnRequest(void* cls, MHD_Connection* conn, const char* url,
                     const char* method, const char* /*version*/,
                     const char* /*upload_data*/, size_t* upload_size,
                     void** con_cls) {
  // First call per request: headers only. Answer on the second call so any
  // (ignored) body has been consumed.
  static int marker;
  if (*con_cls == nullptr) {
    *con_cls = &marker;
    return MHD_YES;
  }
  if (*upload_size != 0) {
    *upload_size = 0;
    return MHD_YES;
  }
  const auto* server = static_cast<const HttpServer*>(cls);
  HttpResponse r = server->Handle(url, method);
  MHD_Response* resp = MHD_create_response_from_buffer(
      r.body.size(), r.body.data(), MHD_RESPMEM_MUST_COPY);
  if (resp == nullptr) return MHD_NO;
  MHD_add_response_header(resp, "Content-Type", r.content_type.c_str());
  MHD_Result ret = MHD_queue_response(conn, r.status, resp);
  MHD_destroy_response(resp);
  return ret;
}

// host -> one socket address; numeric literals first, then a name lookup.
Status Resolve(const Endpoint& ep, sockaddr_storage* out, socklen_t* len) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  std::string port = std::to_string(ep.port);
  int rc = getaddrinfo(ep.host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0 || res == nullptr) {
    return Status(StatusCode::Invalid, "metrics address " + ep.ToString() +
                                           ": " + gai_strerror(rc));
  }
  std::memcpy(out, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  freeaddrinfo(res);
  return Status::Ok();
}

}  // namespace

HttpServer::~HttpServer() {
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
}

HttpResponse HttpServer::Handle(std::string_view path,
                                std::string_view method) const {
  auto it = handlers_.find(std::string(path));
  if (it == handlers_.end()) {
    return HttpResponse{404, "text/plain; charset=utf-8", "not found\n"};
  }
  if (method != "GET" && method != "HEAD") {
    return HttpResponse{405, "text/plain; charset=utf-8",
                        "method not allowed\n"};
  }
  return it->second();
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(
    std::string_view addr, std::map<std::string, HttpHandler> handlers) {
  auto ep = Endpoint::Parse(addr);
  if (!ep.ok()) return ep.status().Annotate("metrics address");
  sockaddr_storage sa{};
  socklen_t len = 0;
  if (Status s = Resolve(*ep, &sa, &len); !s.ok()) return s;
  std::unique_ptr<HttpServer> server(new HttpServer());
  server->handlers_ = std::move(handlers);
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
  if (sa.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
  server->daemon_ = MHD_start_daemon(
      flags, ep->port, nullptr, nullptr, &OnRequest, server.get(),
      MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr*>(&sa),
      MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
      MHD_OPTION_END);
  if (server->daemon_ == nullptr) {
    return Status(StatusCode::Invalid,
                  "metrics address " + ep->ToString() +
                      ": cannot listen (address in use or not local?)");
  }
  const MHD_DaemonInfo* info =
      MHD_get_daemon_info(server->daemon_, MHD_DAEMON_INFO_BIND_PORT);
  server->port_ = info != nullptr ? info->port : ep->port;
  return server;
}

}  // namespace opendfs
