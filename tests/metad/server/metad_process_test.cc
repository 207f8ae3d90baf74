// The real opendfs-metad process driven over RPC: every acknowledged
// operation survives SIGKILL at an arbitrary moment (mid-burst, mid-checkpoint)
// and a restart; a clean SIGTERM exits 0 and removes the pid file.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "libnet/client.h"
#include "libnet/rpc_methods.h"
#include "meta_generated.h"
#include "rpc_generated.h"

namespace opendfs {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr uint16_t M(fb::MetaMethod m) { return static_cast<uint16_t>(m); }

class MetadProcess {
 public:
  explicit MetadProcess(std::string dir) : dir_(std::move(dir)) {
    // A loopback address of our own, so parallel test runs do not collide.
    host_ = "127.0.3." + std::to_string(1 + getpid() % 250);
    std::ofstream(dir_ + "/namenode.conf")
        << "Server server;\n"
        << "server.daemon = DENY;\n"
        << "server.bind_for_cli = \"" << host_ << ":18100\";\n"
        << "server.bind_for_dn = \"" << host_ << ":18101\";\n"
        << "server.editlog_dir = \"" << dir_ << "/editlog\";\n"
        << "server.fsimage_dir = \"" << dir_ << "/fsimage\";\n"
        << "server.error_log = \"" << dir_ << "/error.log\";\n"
        << "server.pid_file = \"" << dir_ << "/metad.pid\";\n"
        << "server.checkpoint_num = 37;\n"
        << "server.log_level = LOG_INFO;\n";
  }
  ~MetadProcess() { Kill(SIGKILL); }

  Endpoint endpoint() const { return Endpoint{host_, 18100}; }
  std::string pid_file() const { return dir_ + "/metad.pid"; }

  void Start() {
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      std::string conf = dir_ + "/namenode.conf";
      execl(OPENDFS_METAD_BIN, "opendfs-metad", "-c", conf.c_str(), "-f", nullptr);
      _exit(127);
    }
  }
  // Waits for the child; returns its exit status (or 128+signal).
  int Kill(int sig) {
    if (pid_ <= 0) return -1;
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  std::string dir_;
  std::string host_;
  pid_t pid_ = -1;
};

class MetadProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("metad_process_test." + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  bool WaitServing(Client& c, const Endpoint& ep) {
    for (int i = 0; i < 200; ++i) {
      flatbuffers::FlatBufferBuilder b;
      b.Finish(fb::CreateGetAttrRequest(b, CallerOf(b), 1));
      if (c.Call<fb::AttrReply>(ep, M(fb::MetaMethod::GetAttr), b, {}, milliseconds(500)).ok())
        return true;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
  }

  static flatbuffers::Offset<fb::Caller> CallerOf(flatbuffers::FlatBufferBuilder& b) {
    return fb::CreateCaller(b, 0, 0, 0, 0, 0);
  }

  Status Mkdir(Client& c, const Endpoint& ep, const std::string& name) {
    flatbuffers::FlatBufferBuilder b;
    b.Finish(fb::CreateMkdirRequest(b, CallerOf(b), 1, b.CreateString(name), 0755, 0));
    return c.Call<fb::AttrReply>(ep, M(fb::MetaMethod::Mkdir), b, {}, milliseconds(5000)).status();
  }

  Result<fb::Attr> Lookup(Client& c, const Endpoint& ep, const std::string& name) {
    flatbuffers::FlatBufferBuilder b;
    b.Finish(fb::CreateLookupRequest(b, CallerOf(b), 1, b.CreateString(name)));
    Result<Reply> r = c.Call<fb::AttrReply>(ep, M(fb::MetaMethod::Lookup), b, {}, milliseconds(5000));
    if (!r.ok()) return r.status();
    return *r->As<fb::AttrReply>()->attr();
  }

  std::string dir_;
};

TEST_F(MetadProcessTest, AcknowledgedMkdirsSurviveSigkillAndRestart) {
  MetadProcess metad(dir_);
  Client client(ClientOptions{}, Logger::Quiet());
  std::vector<std::string> acked;
  std::mt19937 rng(static_cast<unsigned>(getpid()));
  for (int round = 0; round < 3; ++round) {
    metad.Start();
    ASSERT_TRUE(WaitServing(client, metad.endpoint())) << "metad did not come up, round " << round;
    // Everything acknowledged before must be there.
    for (const std::string& name : acked) {
      Result<fb::Attr> a = Lookup(client, metad.endpoint(), name);
      ASSERT_TRUE(a.ok()) << name << " lost after restart " << round << ": " << a.status().ToString();
      EXPECT_EQ(a->mode() & 0777, 0755u);
    }
    // A burst of concurrent mkdirs; SIGKILL at a random moment in it.
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w) {
      writers.emplace_back([&, w] {
        for (int i = 0; !stop; ++i) {
          std::string name = "r" + std::to_string(round) + "w" + std::to_string(w) + "i" + std::to_string(i);
          if (Mkdir(client, metad.endpoint(), name).ok()) {
            std::lock_guard l(mu);
            acked.push_back(name);
          }
        }
      });
    }
    std::this_thread::sleep_for(milliseconds(300 + rng() % 700));
    EXPECT_EQ(metad.Kill(SIGKILL), 128 + SIGKILL);
    stop = true;
    for (auto& t : writers) t.join();
  }
  ASSERT_GT(acked.size(), 50u) << "too few operations to prove anything";
  metad.Start();
  ASSERT_TRUE(WaitServing(client, metad.endpoint()));
  for (const std::string& name : acked)
    ASSERT_TRUE(Lookup(client, metad.endpoint(), name).ok()) << name << " lost after the last restart";
  // Checkpoints ran (checkpoint_num = 37) and the log was trimmed behind them.
  std::ifstream log(dir_ + "/error.log");
  std::string all((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(all.find("image_covered_index="), std::string::npos);
  EXPECT_EQ(metad.Kill(SIGTERM), 0);
}

TEST_F(MetadProcessTest, SigtermExitsCleanlyAndRemovesPidFile) {
  MetadProcess metad(dir_);
  Client client(ClientOptions{}, Logger::Quiet());
  metad.Start();
  ASSERT_TRUE(WaitServing(client, metad.endpoint()));
  EXPECT_TRUE(fs::exists(metad.pid_file()));
  ASSERT_TRUE(Mkdir(client, metad.endpoint(), "a").ok());
  EXPECT_EQ(Mkdir(client, metad.endpoint(), "a").code(), StatusCode::Exists);
  EXPECT_EQ(metad.Kill(SIGTERM), 0);
  EXPECT_FALSE(fs::exists(metad.pid_file()));
}

TEST_F(MetadProcessTest, BadConfigIsRefusedWithFileAndLine) {
  std::ofstream(dir_ + "/bad.conf") << "Server server;\nserver.workers = lots;\n";
  std::string cmd = std::string(OPENDFS_METAD_BIN) + " -c " + dir_ + "/bad.conf -f 2>" + dir_ + "/err";
  int rc = std::system(cmd.c_str());
  EXPECT_NE(rc, 0);
  std::ifstream err(dir_ + "/err");
  std::string line;
  std::getline(err, line);
  EXPECT_NE(line.find("bad.conf:2"), std::string::npos) << line;
}

}  // namespace
}  // namespace opendfs
