// `opendfs key generate [--out FILE]`: a new cluster key (issue 15 §1) for a
// real deployment. With --out the file is created 0600 and never overwritten
// (an existing key stays: replacing it would lock the cluster's daemons out
// of each other); without, the key goes to stdout for the operator to place.
#include <cstdio>

#include "libnet/cluster_key.h"
#include "mount/cli/commands.h"

namespace opendfs::cli {

int CmdKeyGenerate(const CliArgs& a) {
  if (a.out_path.empty()) {
    Result<std::string> text = GenerateClusterKeyText();
    if (!text.ok()) {
      std::fprintf(stderr, "opendfs: key generate: %s\n", text.status().message().c_str());
      return 1;
    }
    std::fputs(text->c_str(), stdout);
    return 0;
  }
  Status s = WriteNewClusterKeyFile(a.out_path);
  if (!s.ok()) {
    std::fprintf(stderr, "opendfs: key generate: %s\n", s.message().c_str());
    return 1;
  }
  std::fprintf(stderr, "opendfs: wrote a new cluster key to %s (mode 0600); set "
               "cluster_key_file to it in every namenode.conf and datanode.conf\n",
               a.out_path.c_str());
  return 0;
}

}  // namespace opendfs::cli
