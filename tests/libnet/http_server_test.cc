// HttpServer: serves registered paths on the exact address given, 404/405
// otherwise, and rejects a bad or unbindable address at start.
#include "libnet/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace opendfs {
namespace {

// One request over a fresh connection; returns the raw response text.
std::string Fetch(uint16_t port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    close(fd);
    return "";
  }
  (void)!write(fd, request.data(), request.size());
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, n);
  close(fd);
  return out;
}

TEST(HttpServerTest, ServesRegisteredPath) {
  auto server = HttpServer::Start(
      "127.0.0.1:0",
      {{"/metrics", [] {
          return HttpResponse{200, std::string(kPrometheusContentType),
                              "x_total 1\n"};
        }}});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  uint16_t port = (*server)->port();
  ASSERT_NE(port, 0);
  std::string r = Fetch(port,
                        "GET /metrics HTTP/1.1\r\nHost: x\r\n"
                        "Connection: close\r\n\r\n");
  EXPECT_NE(r.find("HTTP/1.1 200"), std::string::npos) << r;
  EXPECT_NE(r.find("version=0.0.4"), std::string::npos) << r;
  EXPECT_NE(r.find("\r\n\r\nx_total 1\n"), std::string::npos) << r;

  r = Fetch(port, "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(r.find("HTTP/1.1 404"), std::string::npos) << r;
  r = Fetch(port,
            "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n");
  EXPECT_NE(r.find("HTTP/1.1 405"), std::string::npos) << r;
  // Garbage is answered (400) or dropped, never a crash.
  Fetch(port, "\x01\x02garbage\r\n\r\n");
  r = Fetch(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(r.find("HTTP/1.1 200"), std::string::npos) << r;
}

TEST(HttpServerTest, BadAddressIsAStartError) {
  EXPECT_FALSE(HttpServer::Start("nohostport", {}).ok());
  EXPECT_FALSE(HttpServer::Start("no.such.host.invalid:9100", {}).ok());
  // An address not on this machine cannot be bound.
  EXPECT_FALSE(HttpServer::Start("192.0.2.1:9100", {}).ok());
  auto a = HttpServer::Start("127.0.0.1:0", {});
  ASSERT_TRUE(a.ok());
  // Port in use.
  EXPECT_FALSE(
      HttpServer::Start("127.0.0.1:" + std::to_string((*a)->port()), {}).ok());
}

}  // namespace
}  // namespace opendfs
