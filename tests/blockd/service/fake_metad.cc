#include "fake_metad.h"

#include <thread>

#include "registry_generated.h"

namespace opendfs::blockd::testing {
namespace {

constexpr uint16_t M(fb::BlockdToMetaMethod m) { return static_cast<uint16_t>(m); }

ServerOptions Opts(std::string bind) {
  ServerOptions o;
  o.bind = std::move(bind);
  o.name = "fake-metad";
  return o;
}

void Append(std::vector<ReplicaState>* out,
            const flatbuffers::Vector<const fb::ReplicaReport*>* v) {
  if (!v) return;
  for (const fb::ReplicaReport* r : *v) out->push_back({r->block_id(), r->version(), r->length()});
}

}  // namespace

FakeMetad::FakeMetad(std::string bind) : server_(Opts(std::move(bind)), Logger::Quiet()) {
  server_.Handle<fb::BlockdRegisterRequest>(
      M(fb::BlockdToMetaMethod::BlockdRegister), [this](Request&& q, Responder&& r) {
        const auto* req = q.As<fb::BlockdRegisterRequest>();
        bool wanted;
        {
          std::lock_guard<std::mutex> l(mu_);
          ++registrations_;
          uuid_ = req->uuid() ? req->uuid()->str() : "";
          data_address_ = req->data_address() ? req->data_address()->str() : "";
          wanted = report_wanted_;
        }
        flatbuffers::FlatBufferBuilder b;
        b.Finish(fb::CreateBlockdRegisterReply(b, 7, 1, wanted));
        r.Reply(b);
      });
  server_.Handle<fb::BlockdHeartbeatRequest>(
      M(fb::BlockdToMetaMethod::BlockdHeartbeat), [this](Request&& q, Responder&& r) {
        const auto* req = q.As<fb::BlockdHeartbeatRequest>();
        std::vector<FakeCommand> cmds;
        bool rereg;
        {
          std::lock_guard<std::mutex> l(mu_);
          ++heartbeats_;
          hb_blocks_ = req->block_count();
          hb_bad_ = req->bad_blocks();
          cmds.swap(commands_);
          rereg = reregister_;
          reregister_ = false;
        }
        flatbuffers::FlatBufferBuilder b;
        std::vector<flatbuffers::Offset<fb::BlockdCommand>> v;
        for (const FakeCommand& c : cmds) {
          std::vector<flatbuffers::Offset<flatbuffers::String>> t;
          for (const std::string& s : c.targets) t.push_back(b.CreateString(s));
          v.push_back(fb::CreateBlockdCommandDirect(
              b, c.copy ? fb::BlockdCommandKind::Copy : fb::BlockdCommandKind::Delete,
              c.block_id, c.version, 0, &t));
        }
        b.Finish(fb::CreateBlockdHeartbeatReplyDirect(b, rereg, &v));
        r.Reply(b);
      });
  server_.Handle<fb::FullBlockReportRequest>(
      M(fb::BlockdToMetaMethod::FullBlockReport), [this](Request&& q, Responder&& r) {
        const auto* req = q.As<fb::FullBlockReportRequest>();
        {
          std::lock_guard<std::mutex> l(mu_);
          if (req->chunk_index() == 0) building_.clear();
          if (req->blocks())
            for (const fb::ReplicaReport* x : *req->blocks())
              building_[x->block_id()] = {x->block_id(), x->version(), x->length()};
          if (req->chunk_index() + 1 == req->chunk_count()) {
            full_ = building_;
            ++full_reports_;
          }
        }
        flatbuffers::FlatBufferBuilder b;
        b.Finish(fb::CreateFullBlockReportReply(b, false));
        r.Reply(b);
      });
  server_.Handle<fb::IncrementalBlockReportRequest>(
      M(fb::BlockdToMetaMethod::IncrementalBlockReport), [this](Request&& q, Responder&& r) {
        const auto* req = q.As<fb::IncrementalBlockReportRequest>();
        {
          std::lock_guard<std::mutex> l(mu_);
          Append(&added_, req->added());
          Append(&removed_, req->removed());
          Append(&corrupt_, req->corrupt());
        }
        flatbuffers::FlatBufferBuilder b;
        b.Finish(fb::CreateIncrementalBlockReportReply(b, false));
        r.Reply(b);
      });
}

FakeMetad::~FakeMetad() { Stop(); }
Status FakeMetad::Start() { return server_.Start(); }
void FakeMetad::Stop() { server_.Stop(); }

void FakeMetad::set_report_wanted(bool v) {
  std::lock_guard<std::mutex> l(mu_);
  report_wanted_ = v;
}
void FakeMetad::QueueCommand(FakeCommand c) {
  std::lock_guard<std::mutex> l(mu_);
  commands_.push_back(std::move(c));
}
void FakeMetad::RequestReregister() {
  std::lock_guard<std::mutex> l(mu_);
  reregister_ = true;
}

#define FAKE_GETTER(type, name, field)    \
  type FakeMetad::name() const {          \
    std::lock_guard<std::mutex> l(mu_);   \
    return field;                         \
  }
FAKE_GETTER(int, registrations, registrations_)
FAKE_GETTER(int, heartbeats, heartbeats_)
FAKE_GETTER(int, full_reports, full_reports_)
FAKE_GETTER(std::string, last_uuid, uuid_)
FAKE_GETTER(std::string, last_data_address, data_address_)
FAKE_GETTER(uint64_t, last_heartbeat_block_count, hb_blocks_)
FAKE_GETTER(uint32_t, last_heartbeat_bad_blocks, hb_bad_)
FAKE_GETTER(std::vector<ReplicaState>, added, added_)
FAKE_GETTER(std::vector<ReplicaState>, removed, removed_)
FAKE_GETTER(std::vector<ReplicaState>, corrupt, corrupt_)
#undef FAKE_GETTER

std::map<uint64_t, ReplicaState> FakeMetad::full_report() const {
  std::lock_guard<std::mutex> l(mu_);
  return full_;
}

bool FakeMetad::WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

}  // namespace opendfs::blockd::testing
