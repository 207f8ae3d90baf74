// The real opendfs-blockd process, spawned with a temp config: garbage,
// truncated and huge-length frames do not crash it (a good client is served
// afterwards), SIGTERM gives a clean exit 0 and removes the pid file, daemon
// mode returns 0 only once it listens, bad configs and bind failures exit 1
// with one line on stderr.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <thread>

#include <gtest/gtest.h>

#include "block_generated.h"
#include "libnet/frame.h"
#include "service_test_util.h"

namespace opendfs::blockd {
namespace {

using testing::BlockClient;
using testing::PatternData;

const std::string kBin = ODFS_BLOCKD_BIN;

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout + stderr
};

RunResult RunCommand(const std::string& cmd) {
  RunResult r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  std::array<char, 512> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  int st = ::pclose(p);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

bool ProcessAlive(pid_t pid) { return ::kill(pid, 0) == 0; }

// Connects, sends `bytes`, half-closes or not, and reads until the server
// closes or 2 s pass. Returns the bytes the server sent back.
std::string SendRaw(uint16_t port, const std::string& bytes, bool half_close) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    ::close(fd);
    return "<connect failed>";
  }
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t w = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (w <= 0) break;
    off += static_cast<size_t>(w);
  }
  if (half_close) ::shutdown(fd, SHUT_WR);
  std::string got;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return got;
}

std::string Header(uint32_t magic, uint8_t version, uint16_t type, uint32_t payload_len,
                   uint32_t data_len) {
  FrameHeader h;
  h.magic = magic;
  h.version = version;
  h.type = type;
  h.request_id = 42;
  h.payload_len = payload_len;
  h.data_len = data_len;
  uint8_t out[kFrameHeaderSize];
  EncodeHeader(h, out);
  return std::string(reinterpret_cast<char*>(out), sizeof(out));
}

class BlockdProcessTest : public ::testing::Test {
 protected:
  void SetUp() override { port_ = testing::FreePort(); }
  void TearDown() override {
    if (pid_ > 0 && ProcessAlive(pid_)) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (daemon_pid_ > 0 && ProcessAlive(daemon_pid_)) ::kill(daemon_pid_, SIGKILL);
  }

  std::string WriteConfig(bool daemon, const std::string& extra = "") {
    std::string conf = tmp_.Sub("datanode.conf");
    testing::WriteFile(
        conf, "# test config\nServer server;\n"
              "server.daemon = " + std::string(daemon ? "ALLOW" : "DENY") + ";\n"
              "server.workers = 2;\n"
              "server.connections = 100;\n"
              "server.bind_for_cli = \"127.0.0.1:" + std::to_string(port_) + "\";\n"
              "server.data_dir = \"" + tmp_.Sub("d1") + "," + tmp_.Sub("d2") + "\";\n"
              "server.error_log = \"" + tmp_.Sub("logs/error.log") + "\";\n"
              "server.pid_file = \"" + pid_file() + "\";\n"
              "server.coredump_dir = \"" + tmp_.Sub("core") + "\";\n"
              "server.log_level = LOG_INFO;\n"
              "server.recv_buff_len = 64KB;\n"
              "server.send_buff_len = 64KB;\n"
              "server.max_tqueue_len = 1000;\n"
              "server.heartbeat_interval = 1;\n"
              "server.block_report_interval = 3600;\n"
              "server.disk_threads = 2;\n"
              "server.scan_rate = 8MB;\n" + extra);
    return conf;
  }
  std::string pid_file() const { return tmp_.Sub("run/blockd.pid"); }

  // Spawns `opendfs-blockd -c conf -f` as our child and waits until it serves.
  void SpawnForeground(const std::string& conf) {
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      ::execl(kBin.c_str(), kBin.c_str(), "-c", conf.c_str(), "-f", nullptr);
      ::_exit(127);
    }
    ASSERT_TRUE(WaitServing()) << "blockd did not start; log:\n"
                               << testing::ReadFile(tmp_.Sub("logs/error.log"));
  }

  bool WaitServing() {
    for (int i = 0; i < 200; ++i) {
      if (Good().ok()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // A well-behaved client round trip: write, read back verified.
  Status Good() {
    Client c(ClientOptions{}, Logger::Quiet());
    BlockClient bc(c, Endpoint{"127.0.0.1", port_});
    std::string d = PatternData(100000, ++good_seed_);
    Result<uint64_t> w = bc.Write(1000 + good_seed_, 1, 0, d);
    if (!w.ok()) return w.status();
    Result<std::string> r = bc.Read(1000 + good_seed_, 1, 0, d.size());
    if (!r.ok()) return r.status();
    if (*r != d) return Status(StatusCode::Corrupt, "read back differs");
    return Status::Ok();
  }

  int TerminateAndWait() {
    EXPECT_EQ(::kill(pid_, SIGTERM), 0);
    int st = 0;
    EXPECT_EQ(::waitpid(pid_, &st, 0), pid_);
    pid_ = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }

  testing::TempDir tmp_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;         // our child (foreground mode)
  pid_t daemon_pid_ = -1;  // a daemonized blockd (not our child)
  uint64_t good_seed_ = 0;
};

TEST_F(BlockdProcessTest, SurvivesGarbageFramesAndExitsCleanlyOnSigterm) {
  SpawnForeground(WriteConfig(false));
  ASSERT_TRUE(testing::Exists(pid_file()));
  EXPECT_EQ(testing::ReadFile(pid_file()), std::to_string(pid_) + "\n");

  const uint16_t write_type = static_cast<uint16_t>(fb::BlockMethod::WriteBlockData);
  std::vector<std::pair<std::string, std::string>> attacks = {
      {"random bytes", PatternData(4096, 1)},
      {"bad magic", Header(0xDEADBEEF, kFrameVersion, write_type, 10, 0) + "0123456789"},
      {"bad version", Header(kFrameMagic, 99, write_type, 4, 0) + "abcd"},
      {"huge payload length", Header(kFrameMagic, kFrameVersion, write_type, 0xFFFFFFFF, 0)},
      {"huge data length", Header(kFrameMagic, kFrameVersion, write_type, 8, 0xFFFFFFF0)},
      {"truncated header", Header(kFrameMagic, kFrameVersion, write_type, 100, 0).substr(0, 11)},
      {"truncated payload", Header(kFrameMagic, kFrameVersion, write_type, 1000, 0) + "short"},
      {"payload that is not a flatbuffer",
       Header(kFrameMagic, kFrameVersion, write_type, 64, 0) + PatternData(64, 2)},
      {"unknown method", Header(kFrameMagic, kFrameVersion, 399, 4, 0) + "abcd"},
      {"a reply frame", [&] {
         std::string h = Header(kFrameMagic, kFrameVersion, write_type, 0, 0);
         h[5] = static_cast<char>(kFlagResponse);
         return h;
       }()},
  };
  for (const auto& [name, bytes] : attacks) {
    SendRaw(port_, bytes, /*half_close=*/true);
    SendRaw(port_, bytes, /*half_close=*/false);
    ASSERT_TRUE(ProcessAlive(pid_)) << "died after: " << name;
    Status st = Good();
    ASSERT_TRUE(st.ok()) << "after " << name << ": " << st.ToString();
  }
  // Many connections slamming garbage at once.
  std::vector<std::thread> ts;
  for (int i = 0; i < 16; ++i)
    ts.emplace_back([&, i] { SendRaw(port_, PatternData(65536, 100 + i), i % 2 == 0); });
  for (auto& t : ts) t.join();
  ASSERT_TRUE(ProcessAlive(pid_));
  EXPECT_TRUE(Good().ok());

  EXPECT_EQ(TerminateAndWait(), 0);
  EXPECT_FALSE(testing::Exists(pid_file()));
  std::string log = testing::ReadFile(tmp_.Sub("logs/error.log"));
  EXPECT_NE(log.find("stopped"), std::string::npos) << log;
}

TEST_F(BlockdProcessTest, RestartOverTheSameDirsKeepsBlocks) {
  std::string conf = WriteConfig(false);
  SpawnForeground(conf);
  Client c(ClientOptions{}, Logger::Quiet());
  BlockClient bc(c, Endpoint{"127.0.0.1", port_});
  std::string d = PatternData(3 << 20, 77);
  ASSERT_TRUE(bc.Write(5, 2, 0, d, {.sync = true}).ok());
  EXPECT_EQ(TerminateAndWait(), 0);
  SpawnForeground(conf);
  Result<std::string> r = bc.Read(5, 2, 0, d.size());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(*r == d);
  EXPECT_EQ(TerminateAndWait(), 0);
}

TEST_F(BlockdProcessTest, DaemonModeReturnsOnlyOnceListening) {
  std::string conf = WriteConfig(true);
  RunResult r = RunCommand(kBin + " -c " + conf);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(testing::Exists(pid_file()));
  pid_t pid = static_cast<pid_t>(std::stol(testing::ReadFile(pid_file())));
  daemon_pid_ = pid;
  // "Returned 0" means serving: no polling needed.
  EXPECT_TRUE(Good().ok());
  ASSERT_TRUE(ProcessAlive(pid));
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  for (int i = 0; i < 200 && ProcessAlive(pid); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(ProcessAlive(pid));
  EXPECT_FALSE(testing::Exists(pid_file()));
}

TEST_F(BlockdProcessTest, BadConfigExitsOneWithFileAndLine) {
  std::string conf = WriteConfig(false, "server.no_such_key = 1;\n");
  RunResult r = RunCommand(kBin + " -c " + conf + " -f");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find(conf + ":19"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no_such_key"), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
}

TEST_F(BlockdProcessTest, BindFailureExitsOne) {
  SpawnForeground(WriteConfig(false));
  // A second blockd on the same address (other dirs and pid file).
  testing::TempDir other;
  std::string conf = other.Sub("datanode.conf");
  testing::WriteFile(conf, "Server server;\nserver.bind_for_cli = \"127.0.0.1:" +
                               std::to_string(port_) + "\";\nserver.data_dir = \"" +
                               other.Sub("d") + "\";\nserver.daemon = ALLOW;\n" +
                               "server.pid_file = \"" + other.Sub("p.pid") + "\";\n");
  RunResult r = RunCommand(kBin + " -c " + conf);
  if (r.exit_code == 0) {  // must not happen; never leak the daemon
    ::kill(static_cast<pid_t>(std::stol(testing::ReadFile(other.Sub("p.pid")))), SIGKILL);
  }
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("bind"), std::string::npos) << r.output;
  EXPECT_EQ(TerminateAndWait(), 0);
}

TEST_F(BlockdProcessTest, MissingConfigArgumentIsAUsageError) {
  RunResult r = RunCommand(kBin);
  EXPECT_EQ(r.exit_code, 2);  // usage errors exit 2, as every binary does
  EXPECT_NE(r.output.find("usage"), std::string::npos);
}

}  // namespace
}  // namespace opendfs::blockd
