// BlockdMetrics: one blockd's GET /metrics (metrics_addr in datanode.conf).
//
// Happy path: the node builds one before its Server (whose request_metrics
// it fills: ops and latency by BlockMethod name and result), Serve()s before
// binding the server, and calls Watch() once the store, service and scanner
// exist (series registered later simply appear in the next scrape). Series, all in
// base units:
//   opendfs_blockd_requests_total{method,result}, ..._request_duration_seconds
//   opendfs_blockd_bytes_written_total / _bytes_read_total (block data)
//   opendfs_blockd_copies_total{result}, opendfs_blockd_bytes_copied_total,
//   opendfs_blockd_inflight_copies
//   opendfs_blockd_disk_{capacity,free,used}_bytes{dir}, _blocks{dir}
//   opendfs_blockd_scanner_{passes,blocks_scanned,bytes_scanned,corrupt_found}_total
//   opendfs_blockd_corrupt_replicas (replicas marked corrupt now)
//   opendfs_blockd_resident_memory_bytes
// Everything but the request series is read at scrape time from the parts'
// own counters, so the data path pays nothing for it.
//
// Failure modes: an unparsable or busy metrics_addr is an error from Serve
// naming metrics_addr (start-up fails); empty metrics_addr serves nothing.
//
// Threads: construct, Watch and Serve from the node's owner thread; the
// scrape runs on the HTTP server's thread. Everything watched must outlive
// Serve's server (the node stops it first).
#pragma once

#include <memory>
#include <string>

#include "blockd/disk/block_store.h"
#include "blockd/disk/scanner.h"
#include "blockd/service/block_service.h"
#include "libnet/http_server.h"
#include "libnet/log.h"
#include "libnet/metrics.h"
#include "libnet/metrics_server.h"
#include "libnet/request_metrics.h"

namespace opendfs::blockd {

class BlockdMetrics {
 public:
  BlockdMetrics();
  RequestMetrics* requests() { return &requests_; }

  // `scanner` may be null (scan_rate = 0).
  void Watch(const disk::BlockStore& store, const BlockService& service,
             const disk::Scanner* scanner);
  Status Serve(const std::string& addr, Logger& log);
  void Stop() { http_.reset(); }

  std::string Render() const { return registry_.Render(); }

 private:
  MetricsRegistry registry_;
  RequestMetrics requests_;
  std::unique_ptr<HttpServer> http_;
};

}  // namespace opendfs::blockd
