// The status page every metad serves on metrics_addr (issue 16 §4):
//   GET /            index.html with the metad's ClusterView inlined as JSON
//                    (so the page is complete without a second request) and
//                    rendered by status.js; it then refreshes itself from
//                    /status.json every few seconds
//   GET /status.json the same view (StatusJson)
//   GET /status.css, /status.js
// The files live in metad/server/status/ as plain HTML, CSS and JS and are
// compiled into the binary (embed_files.py, a meson custom_target): no build
// step, nothing to install beside opendfs-metad.
//
// A follower's page shows its own view and links to the leader's page,
// assumed at the leader's host on this metad's metrics port (opendfs-local
// and the sample configs use one metrics port on every metad host).
//
// Failure modes: none reach the daemon; strings that are not valid UTF-8
// (a log line, an address) are rendered with U+FFFD instead of throwing.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "libnet/http_server.h"
#include "metad/server/cluster_view.h"

namespace opendfs::metad {

// The view as JSON. `metrics_addr` is this metad's page address ("host:port").
std::string StatusJson(const ClusterView& v, std::string_view metrics_addr);
// "http://<leader host>:<port of metrics_addr>/", "" when no leader is known.
std::string LeaderPageUrl(const ClusterView& v, std::string_view metrics_addr);
// GET /: index.html with StatusJson inlined.
HttpResponse StatusPageIndex(const ClusterView& v, std::string_view metrics_addr);
// The static files by path ("/status.css", "/status.js").
std::map<std::string, HttpResponse> StatusPageAssets();

}  // namespace opendfs::metad
