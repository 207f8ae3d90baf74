// The seed-format config parser and the three key sets read from it
// (namenode.conf, datanode.conf, dfscli.conf) on hostile text: a bad file is
// an error naming the file and line, never a crash.
#include <cstdint>
#include <string_view>

#include "blockd/settings.h"
#include "libnet/config.h"
#include "metad/server/settings.h"
#include "mount/client/client_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace opendfs;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)ParseSize(text.substr(0, 64));
  Result<ConfigFile> file = ConfigFile::Parse(text, "fuzz.conf");
  if (!file.ok()) return 0;
  (void)metad::MetadSettings::Load(*file);
  (void)blockd::LoadBlockdSettings(*file);
  (void)client::ClientConfig::Load(*file);
  return 0;
}
