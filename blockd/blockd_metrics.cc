// BlockdMetrics (see blockd_metrics.h).
#include "blockd/blockd_metrics.h"

#include "block_generated.h"

namespace opendfs::blockd {
namespace {

std::string BlockMethodName(uint16_t type) {
  return fb::EnumNameBlockMethod(static_cast<fb::BlockMethod>(type));
}

double Load(const std::atomic<uint64_t>& v) {
  return static_cast<double>(v.load(std::memory_order_relaxed));
}

}  // namespace

BlockdMetrics::BlockdMetrics() : requests_(registry_, "opendfs_blockd", BlockMethodName) {}

void BlockdMetrics::Watch(const disk::BlockStore& store, const BlockService& service,
                          const disk::Scanner* scanner) {
  const BlockIoStats& io = service.io_stats();
  registry_.AddCallbackCounter("opendfs_blockd_bytes_written_total",
                               "Block data bytes accepted by WriteBlockData",
                               [&io] { return Load(io.bytes_written); });
  registry_.AddCallbackCounter("opendfs_blockd_bytes_read_total",
                               "Block data bytes sent by ReadBlockData",
                               [&io] { return Load(io.bytes_read); });
  registry_.AddCallbackCounter("opendfs_blockd_copies_total",
                               "Replicas pushed to another blockd, by result",
                               [&io] { return Load(io.copies_ok); }, {{"result", "ok"}});
  registry_.AddCallbackCounter("opendfs_blockd_copies_total",
                               "Replicas pushed to another blockd, by result",
                               [&io] { return Load(io.copies_failed); }, {{"result", "failed"}});
  registry_.AddCallbackCounter("opendfs_blockd_bytes_copied_total",
                               "Bytes of replicas pushed to other blockds",
                               [&io] { return Load(io.bytes_copied); });
  registry_.AddCallbackGauge("opendfs_blockd_inflight_copies", "Copies running now",
                             [&service] { return double(service.inflight_copies()); });
  registry_.AddCallbackGauge("opendfs_blockd_resident_memory_bytes",
                             "Resident set size of the blockd process", ResidentMemoryBytes);
  registry_.AddCallbackGauge("opendfs_blockd_corrupt_replicas",
                             "Replicas marked corrupt in the store",
                             [&store] { return double(store.corrupt_count()); });

  // One series per data_dir; each scrape runs statvfs once per dir and field.
  std::vector<disk::DirUsage> dirs = store.Usage();
  for (size_t i = 0; i < dirs.size(); ++i) {
    MetricLabels dir{{"dir", dirs[i].path}};
    auto field = [&store, i](uint64_t disk::DirUsage::*f) {
      return [&store, i, f] {
        std::vector<disk::DirUsage> u = store.Usage();
        return i < u.size() ? static_cast<double>(u[i].*f) : 0.0;
      };
    };
    registry_.AddCallbackGauge("opendfs_blockd_disk_capacity_bytes",
                               "Size of the file system holding the data_dir",
                               field(&disk::DirUsage::capacity_bytes), dir);
    registry_.AddCallbackGauge("opendfs_blockd_disk_free_bytes",
                               "Bytes available to the blockd on the data_dir's file system",
                               field(&disk::DirUsage::free_bytes), dir);
    registry_.AddCallbackGauge("opendfs_blockd_disk_used_bytes",
                               "Bytes of replicas stored in the data_dir",
                               field(&disk::DirUsage::used_bytes), dir);
    registry_.AddCallbackGauge("opendfs_blockd_disk_blocks", "Replicas stored in the data_dir",
                               field(&disk::DirUsage::block_count), dir);
  }

  if (scanner == nullptr) return;
  auto stat = [scanner](uint64_t disk::ScanStats::*f) {
    return [scanner, f] { return static_cast<double>(scanner->stats().*f); };
  };
  registry_.AddCallbackCounter("opendfs_blockd_scanner_passes_total",
                               "Completed passes of the background scanner",
                               stat(&disk::ScanStats::passes));
  registry_.AddCallbackCounter("opendfs_blockd_scanner_blocks_scanned_total",
                               "Replicas fully verified by the scanner",
                               stat(&disk::ScanStats::blocks_scanned));
  registry_.AddCallbackCounter("opendfs_blockd_scanner_bytes_scanned_total",
                               "Bytes verified by the scanner",
                               stat(&disk::ScanStats::bytes_scanned));
  registry_.AddCallbackCounter("opendfs_blockd_scanner_corrupt_found_total",
                               "Corrupt replicas the scanner found",
                               stat(&disk::ScanStats::corrupt_found));
}

Status BlockdMetrics::Serve(const std::string& addr, Logger& log) {
  if (addr.empty()) return Status::Ok();
  ODFS_ASSIGN_OR_RETURN(http_, StartMetricsServer(addr, registry_));
  log.Info("blockd: metrics on http://{}/metrics", addr);
  return Status::Ok();
}

}  // namespace opendfs::blockd
