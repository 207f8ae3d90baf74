#!/bin/bash
# deploy/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]: builds the libFuzzer targets
# with clang, AddressSanitizer and UBSan in build-fuzz/ and runs each for
# SECONDS (default 20; a soak: 600) from the seed corpus (make_corpus) and the
# regression inputs. A crash leaves its input in build-fuzz/crashes/TARGET/;
# copy it to tests/fuzz/regressions/TARGET/ when the bug is fixed, so the
# default suite replays it from then on. Prints one line per target: runs,
# execs/s, and whether it crashed; exits 1 if any did.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(frame config block_meta edit_record fsimage paxos_wire)
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (apt-get install clang)" >&2; exit 2; }
if [ ! -d build-fuzz ]; then
  CC=clang CXX=clang++ meson setup build-fuzz -Dfuzz=true -Dtests=false \
    -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized >/dev/null ||
    { echo "fuzz.sh: meson setup build-fuzz failed" >&2; exit 2; }
fi
ninja -C build-fuzz $(for t in "${targets[@]}"; do echo tests/fuzz/${t}_fuzz; done) tests/fuzz/make_corpus >/dev/null ||
  { echo "fuzz.sh: build failed (ninja -C build-fuzz)" >&2; exit 2; }
work=build-fuzz/fuzz-work
rm -rf "$work"; mkdir -p "$work/seeds"
build-fuzz/tests/fuzz/make_corpus "$work/seeds" 2>/dev/null
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1
failed=0
for t in "${targets[@]}"; do
  corpus="$work/corpus/$t"; crashes="build-fuzz/crashes/$t"
  mkdir -p "$corpus" "$crashes" "$work/seeds/$t"
  extra=()
  [ -d "tests/fuzz/regressions/$t" ] && extra+=("tests/fuzz/regressions/$t")
  [ "$t" = config ] && cp tests/testdata/*.conf "$work/seeds/$t/"
  log="$work/$t.log"
  build-fuzz/tests/fuzz/${t}_fuzz "$corpus" "$work/seeds/$t" "${extra[@]}" \
    -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$crashes/" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$')
  if [ $rc -eq 0 ]; then
    echo "fuzz $t: ${runs:-?} runs (${rate:-?}/s), no crash"
  else
    failed=1
    echo "fuzz $t: CRASH after ${runs:-?} runs; input in $crashes/, log $log:"
    grep -m3 -E "ERROR|SUMMARY|runtime error|Assertion|CHECK" "$log" | sed 's/^/  /'
  fi
done
exit $failed
