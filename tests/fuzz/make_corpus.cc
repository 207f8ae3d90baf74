// Writes a seed corpus for every fuzz target into OUT/<target>/: well-formed
// inputs (editlog records of every kind, an fsimage, Paxos messages of every
// type, frames, block metas) for libFuzzer to mutate, in the layouts the
// targets read (fuzz_input.h). `make_corpus OUT`.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "blockd/disk/block_meta.h"
#include "libnet/frame.h"
#include "metad/namespace/image.h"
#include "metad/namespace/namespace.h"
#include "metad/namespace/records.h"
#include "metad/paxos/message.h"
#include "metad/replication/batch.h"
#include "metad/replication/paxos_wire.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using namespace opendfs;
namespace fs = std::filesystem;

fs::path g_out;

void Write(const std::string& target, const std::string& name, const std::string& bytes) {
  fs::create_directories(g_out / target);
  std::ofstream(g_out / target / name, std::ios::binary) << bytes;
}

std::vector<std::string> SampleRecords() {
  using namespace metad;
  Cred root;
  Cred user{1000, 1000, {1000}};
  const int64_t t = 1'700'000'000'000'000'000;
  std::vector<std::string> r;
  r.push_back(records::Mkdir(1, "d", 2, 040755, root, t));
  records::CreateArgs c;
  c.parent = 2;
  c.name = "f";
  c.inode = 3;
  c.mode = 0100644;
  c.block_size = 1 << 20;
  c.replication = 3;
  c.umask = 022;
  r.push_back(records::Create(c, root, t));
  r.push_back(records::Symlink(2, "s", 4, "f", root, t));
  r.push_back(records::Link(3, 1, "hard", root, t));
  r.push_back(records::AddBlock(3, 0, 77, t, {"127.0.2.1:8100", "127.0.2.2:8100"}));
  r.push_back(records::CommitBlock(3, 0, 77, 1, 4096, 4096, t, {"127.0.2.1:8100"}));
  r.push_back(records::BumpBlockVersion(3, 0, 77, 2, t, {"127.0.2.1:8100"}));
  records::SettleArgs s;
  s.inode = 3;
  s.block_id = 77;
  s.version = 2;
  s.authority = "127.0.2.1:8100";
  s.length = 4096;
  s.file_size = 4096;
  r.push_back(records::SettleBlock(s, t));
  records::SetAttrArgs a;
  a.inode = 3;
  a.fields = static_cast<fb::SetAttrField>(0xff);
  a.mode = 0104755;
  a.uid = 1000;
  a.size = 10;
  r.push_back(records::SetAttr(a, root, t));
  r.push_back(records::SetXattr(3, "user.k", "v", 0, user, t));
  const std::string acl("\x02\x00\x00\x00\x01\x00\x06\x00\xff\xff\xff\xff"
                        "\x04\x00\x04\x00\xff\xff\xff\xff\x20\x00\x04\x00\xff\xff\xff\xff", 28);
  r.push_back(records::SetXattr(2, "system.posix_acl_default", acl, 0, root, t));
  r.push_back(records::RemoveXattr(3, "user.k", user, t));
  records::CreateArgs small = c;
  small.name = "small";
  small.inode = 5;
  r.push_back(records::Create(small, root, t));
  r.push_back(records::WriteInline(5, {{0, "hello"}}, 5, t));
  r.push_back(records::Rename(2, "small", 1, "moved", 0, true, root, t));
  r.push_back(records::Unlink(1, "hard", false, root, t));
  r.push_back(records::Unlink(1, "moved", true, root, t));
  r.push_back(records::Purge(5));
  r.push_back(records::ForgetStaleReplica(77, "127.0.2.2:8100"));
  r.push_back(records::SetBlockdState("127.0.2.3:8100", true));
  r.push_back(records::Noop());
  r.push_back(records::Rmdir(1, "d", root, t));
  return r;
}

void EditRecords() {
  std::vector<std::string> recs = SampleRecords();
  std::string all;
  for (size_t i = 0; i < recs.size(); ++i) {
    fuzz::AppendPiece(all, recs[i]);
    std::string one;
    fuzz::AppendPiece(one, recs[i]);
    Write("edit_record", "record" + std::to_string(i), one);
  }
  Write("edit_record", "all", all);

  // The fsimage of the namespace after all but the last (rmdir) records.
  metad::Namespace ns;
  for (size_t i = 0; i + 1 < recs.size(); ++i) {
    metad::ApplyResult res = ns.ApplyBytes(recs[i]);
    if (!res.status.ok())  // a seed that fails its checks still fuzzes, but less deep
      std::fprintf(stderr, "make_corpus: record %zu: %s\n", i, res.status.ToString().c_str());
  }
  metad::MemoryImage image;
  (void)ns.Save(image);
  std::string pairs;
  for (const auto& [k, v] : image.pairs()) {
    fuzz::AppendPiece(pairs, k);
    fuzz::AppendPiece(pairs, v);
  }
  Write("fsimage", "image", pairs);
}

void PaxosMessages() {
  using namespace paxos;
  std::vector<LogEntry> entries = {LogEntry{1, Ballot{2, 2}, Value::Of("batch")},
                                   LogEntry{2, Ballot{2, 2}, Value::Noop()}};
  std::vector<Message> ms = {
      {2, 1, Prepare{Ballot{3, 2}, 1}},
      {2, 1, Promise{Ballot{3, 2}, 1, entries}},
      {2, 1, Accept{Ballot{3, 2}, entries, 1}},
      {2, 1, Accepted{Ballot{3, 2}, {1, 2}}},
      {2, 1, Reject{Ballot{3, 2}, Ballot{4, 3}, RejectReason::kHigherBallot, 0}},
      {2, 1, Heartbeat{Ballot{3, 2}, 2, 12345}},
      {2, 1, HeartbeatAck{Ballot{3, 2}, 12345}},
      {2, 1, CatchupRequest{1, 2}},
      {2, 1, CatchupReply{2, entries}},
      {2, 1, PreVote{Ballot{3, 2}}},
      {2, 1, PreVoteReply{Ballot{3, 2}, true, Ballot{2, 2}}},
  };
  std::string all;
  for (size_t i = 0; i < ms.size(); ++i) {
    flatbuffers::FlatBufferBuilder b;
    uint16_t method = replication::EncodeMessage(ms[i], b);
    std::string piece;
    piece.push_back(static_cast<char>(method & 0xff));
    piece.push_back(static_cast<char>(method >> 8));
    piece.append(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
    std::string one;
    fuzz::AppendPiece(one, piece);
    Write("paxos_wire", "message" + std::to_string(i), one);
    fuzz::AppendPiece(all, piece);
  }
  Write("paxos_wire", "all", all);
  std::string batch;
  std::string piece("\0\0", 2);
  piece += replication::EncodeBatch(2, 9, {"r1", "r2"});
  fuzz::AppendPiece(batch, piece);
  Write("paxos_wire", "batch", batch);
}

void Frames() {
  FrameHeader h;
  h.type = 101;
  h.request_id = 5;
  h.payload_len = 8;
  h.data_len = 4;
  uint8_t hdr[kFrameHeaderSize];
  EncodeHeader(h, hdr);
  std::string frame(reinterpret_cast<char*>(hdr), kFrameHeaderSize);
  frame += std::string(8, 'p') + "data";
  std::string in;
  fuzz::AppendPiece(in, frame.substr(0, 10));
  fuzz::AppendPiece(in, frame.substr(10));
  fuzz::AppendPiece(in, frame);
  Write("frame", "two_frames", in);
}

void BlockMetas() {
  disk::BlockMeta m;
  m.block_id = 77;
  m.version = 3;
  m.length = 4096;
  m.chunk_crcs.assign(disk::ChunkCount(m.length), 0x12345678u);
  Write("block_meta", "meta", disk::EncodeBlockMeta(m));
  Write("block_meta", "name", "blk_77_3");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_corpus OUTDIR\n");
    return 2;
  }
  g_out = argv[1];
  EditRecords();
  PaxosMessages();
  Frames();
  BlockMetas();
  return 0;
}
