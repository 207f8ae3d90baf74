// Runs a fuzz target's LLVMFuzzerTestOneInput over files, without libFuzzer
// (any compiler): `X_fuzz_replay DIR_OR_FILE...`. The default suite replays
// every regression input under tests/fuzz/regressions/<target>/ and the seed
// corpus make_corpus writes, so a crash once found stays fixed and every
// target keeps building and running.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

int RunFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path arg(argv[i]);
    if (!std::filesystem::exists(arg)) continue;  // no regressions yet for this target
    if (std::filesystem::is_directory(arg)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(arg))
        if (e.is_regular_file()) runs += RunFile(e.path());
    } else {
      runs += RunFile(arg);
    }
  }
  std::printf("%s: %d inputs, no crash\n", argv[0], runs);
  return 0;
}
