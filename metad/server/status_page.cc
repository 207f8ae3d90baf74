// Status page rendering (see status_page.h).
#include "metad/server/status_page.h"

#include <nlohmann/json.hpp>

#include "metad/server/status/embedded.h"

namespace opendfs::metad {
namespace {

using nlohmann::json;

constexpr std::string_view kJsonMarker = "/*STATUS_JSON*/null";

std::string_view HostOf(std::string_view addr) {
  size_t colon = addr.rfind(':');
  return colon == std::string_view::npos ? addr : addr.substr(0, colon);
}

std::string_view PortOf(std::string_view addr) {
  size_t colon = addr.rfind(':');
  return colon == std::string_view::npos ? "" : addr.substr(colon + 1);
}

json ToJson(const ClusterView& v, std::string_view metrics_addr) {
  json metads = json::array();
  for (const MetadView& m : v.metads)
    metads.push_back({{"address", m.address}, {"role", m.role}, {"ballot", m.ballot},
                      {"committed_index", m.committed_index},
                      {"applied_index", m.applied_index}, {"is_leader", m.is_leader},
                      {"self", m.self}});
  json blockds = json::array();
  for (const BlockdView& b : v.blockds)
    blockds.push_back({{"address", b.address}, {"rack", b.rack}, {"state", b.state},
                       {"capacity_bytes", b.capacity_bytes}, {"used_bytes", b.used_bytes},
                       {"blocks", b.blocks}, {"last_heartbeat_age_ms", b.last_heartbeat_age_ms},
                       {"drained", b.drained}});
  auto problems = [](const std::vector<BlockProblemView>& list) {
    json out = json::array();
    for (const BlockProblemView& m : list)
      out.push_back({{"block", m.block}, {"inode", m.inode}, {"index", m.index}, {"path", m.path}});
    return out;
  };
  const ReplicationCounters& r = v.replication;
  return {{"self", v.self_address},
          {"serving_leader", v.serving_leader},
          {"leader", v.leader_address},
          {"leader_page", LeaderPageUrl(v, metrics_addr)},
          {"metads", metads},
          {"blockds", blockds},
          {"files", v.files},
          {"blocks", v.blocks},
          {"replication",
           {{"under_replicated", r.under_replicated},
            {"missing", r.missing},
            {"corrupt", r.corrupt},
            {"pending_copies", r.pending_copies},
            {"pending_deletions", r.pending_deletions},
            {"copies_completed", r.copies_completed},
            {"waiting_for_reports", r.waiting_for_reports}}},
          {"missing_blocks", problems(v.missing_blocks)},
          {"corrupt_blocks", problems(v.corrupt_blocks)},
          {"under_replicated_blocks", problems(v.under_replicated_blocks)},
          {"recent_errors", v.recent_errors}};
}

std::string Dump(const json& j) {
  // Replace, not throw, on invalid UTF-8 (log lines carry peer input).
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

const EmbeddedFile* FindFile(std::string_view name) {
  for (const EmbeddedFile& f : EmbeddedStatusFiles())
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace

std::string LeaderPageUrl(const ClusterView& v, std::string_view metrics_addr) {
  if (v.leader_address.empty()) return "";
  return "http://" + std::string(HostOf(v.leader_address)) + ":" +
         std::string(PortOf(metrics_addr)) + "/";
}

std::string StatusJson(const ClusterView& v, std::string_view metrics_addr) {
  return Dump(ToJson(v, metrics_addr));
}

HttpResponse StatusPageIndex(const ClusterView& v, std::string_view metrics_addr) {
  const EmbeddedFile* f = FindFile("index.html");
  if (f == nullptr) return {500, "text/plain; charset=utf-8", "status page not built in\n"};
  std::string body(f->data);
  // Inside <script> "</script" would end the element early: '<' only occurs
  // inside JSON strings, where \u003c means the same.
  std::string safe;
  for (char c : Dump(ToJson(v, metrics_addr))) {
    if (c == '<') safe += "\\u003c";
    else safe += c;
  }
  size_t at = body.find(kJsonMarker);
  if (at != std::string::npos) body.replace(at, kJsonMarker.size(), safe);
  return {200, std::string(f->content_type), std::move(body)};
}

std::map<std::string, HttpResponse> StatusPageAssets() {
  std::map<std::string, HttpResponse> out;
  for (const EmbeddedFile& f : EmbeddedStatusFiles())
    if (f.name != "index.html")
      out["/" + std::string(f.name)] =
          HttpResponse{200, std::string(f.content_type), std::string(f.data)};
  return out;
}

}  // namespace opendfs::metad
