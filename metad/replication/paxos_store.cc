#include "metad/replication/paxos_store.h"

#include <cstring>

#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "metad/store/rocks_util.h"

namespace opendfs::replication {
namespace {

using store::GetBigEndian64;
using store::PutBigEndian64;

constexpr char kEntryPrefix = 'E';
constexpr char kHardKey[] = "H";
constexpr char kMarkKey[] = "A";
constexpr char kCompactedKey[] = "C";

std::string EntryKey(paxos::Slot s) {
  std::string k(1, kEntryPrefix);
  PutBigEndian64(&k, s);
  return k;
}

std::string EncodeEntry(const paxos::LogEntry& e) {
  std::string v;
  PutBigEndian64(&v, e.ballot.round);
  PutBigEndian64(&v, e.ballot.node_id);
  v.push_back(e.value.is_noop ? 1 : 0);
  v.append(e.value.bytes);
  return v;
}

std::string EncodeHard(const paxos::HardState& h) {
  std::string v;
  PutBigEndian64(&v, h.promised.round);
  PutBigEndian64(&v, h.promised.node_id);
  PutBigEndian64(&v, h.commit_index);
  return v;
}

std::string EncodeMark(const AppliedMark& m) {
  std::string v;
  PutBigEndian64(&v, m.slot);
  PutBigEndian64(&v, m.log_index);
  return v;
}

rocksdb::WriteOptions Synced() {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return wo;
}

}  // namespace

Result<std::unique_ptr<PaxosStore>> PaxosStore::Open(const std::string& dir) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  options.keep_log_file_num = 4;
  options.max_background_jobs = 2;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, &raw);
  if (!s.ok()) return store::FromRocks(s, "open paxos store " + dir);
  return std::unique_ptr<PaxosStore>(new PaxosStore(dir, raw));
}

PaxosStore::~PaxosStore() {
  (void)db_->Close();
  delete db_;
}

Result<PaxosDisk> PaxosStore::Load() {
  PaxosDisk d;
  auto corrupt = [&](const std::string& what) {
    return Status(StatusCode::Corrupt, "paxos store " + dir_ + ": " + what);
  };
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view k(it->key().data(), it->key().size());
    std::string_view v(it->value().data(), it->value().size());
    if (k.size() == 9 && k[0] == kEntryPrefix) {
      if (v.size() < 17) return corrupt("short entry");
      paxos::LogEntry e;
      e.slot = GetBigEndian64(k.substr(1));
      e.ballot.round = GetBigEndian64(v);
      e.ballot.node_id = static_cast<paxos::NodeId>(GetBigEndian64(v.substr(8)));
      e.value.is_noop = v[16] != 0;
      e.value.bytes.assign(v.substr(17));
      d.entries.push_back(std::move(e));
    } else if (k == kHardKey) {
      if (v.size() != 24) return corrupt("bad hard state");
      d.hard_state.promised.round = GetBigEndian64(v);
      d.hard_state.promised.node_id = static_cast<paxos::NodeId>(GetBigEndian64(v.substr(8)));
      d.hard_state.commit_index = GetBigEndian64(v.substr(16));
    } else if (k == kMarkKey) {
      if (v.size() != 16) return corrupt("bad applied mark");
      d.mark = AppliedMark{GetBigEndian64(v), GetBigEndian64(v.substr(8))};
    } else if (k == kCompactedKey) {
      if (v.size() != 8) return corrupt("bad compaction point");
      d.compacted = GetBigEndian64(v);
    } else {
      return corrupt("foreign key");
    }
  }
  if (!it->status().ok()) return store::FromRocks(it->status(), "read paxos store " + dir_);
  std::erase_if(d.entries, [&](const paxos::LogEntry& e) { return e.slot <= d.compacted; });
  return d;
}

Status PaxosStore::Save(const std::optional<paxos::HardState>& hard,
                        const std::vector<paxos::LogEntry>& entries, const AppliedMark& mark,
                        bool sync) {
  rocksdb::WriteBatch b;
  for (const paxos::LogEntry& e : entries) b.Put(EntryKey(e.slot), EncodeEntry(e));
  if (hard) b.Put(kHardKey, EncodeHard(*hard));
  b.Put(kMarkKey, EncodeMark(mark));
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  rocksdb::Status s = db_->Write(wo, &b);
  if (!s.ok()) return store::FromRocks(s, "write paxos store " + dir_);
  return Status::Ok();
}

Status PaxosStore::Compact(paxos::Slot through, const AppliedMark& mark) {
  rocksdb::WriteBatch b;
  std::string to = EntryKey(through + 1);
  b.DeleteRange(EntryKey(0), to);
  std::string v;
  PutBigEndian64(&v, through);
  b.Put(kCompactedKey, v);
  b.Put(kMarkKey, EncodeMark(mark));
  rocksdb::Status s = db_->Write(Synced(), &b);
  if (!s.ok()) return store::FromRocks(s, "compact paxos store " + dir_);
  return Status::Ok();
}

}  // namespace opendfs::replication
