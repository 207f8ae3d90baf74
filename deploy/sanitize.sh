#!/bin/bash
# deploy/sanitize.sh [SUITE...]: builds OpenDFS with g++'s AddressSanitizer and
# UBSan in build-asan/ (set up once, reused after) and runs the given meson
# suites (default: unit integration sim) with leak detection on and every
# sanitizer report fatal, ending with meson's summary. Exits with meson's
# status. Too slow for deploy/test.sh's budget: run it by hand or nightly.
# Third-party reports we cannot fix go in deploy/sanitizer-suppressions/, each
# with a comment saying why.
set -uo pipefail
cd "$(dirname "$0")/.."
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit integration sim)
if [ ! -d build-asan ]; then
  CXX="${CXX:-ccache g++}" meson setup build-asan --buildtype=debug \
    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null ||
    { echo "sanitize.sh: meson setup build-asan failed" >&2; exit 2; }
fi
ninja -C build-asan >/dev/null || { echo "sanitize.sh: build failed (ninja -C build-asan)" >&2; exit 2; }
supp=deploy/sanitizer-suppressions
asan_extra="" lsan_extra="" ubsan_extra=""
[ -s "$supp/asan.supp" ] && asan_extra=":suppressions=$PWD/$supp/asan.supp"
[ -s "$supp/lsan.supp" ] && lsan_extra="suppressions=$PWD/$supp/lsan.supp"
[ -s "$supp/ubsan.supp" ] && ubsan_extra=":suppressions=$PWD/$supp/ubsan.supp"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1$asan_extra"
export LSAN_OPTIONS="$lsan_extra"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1$ubsan_extra"
args=()
for s in "${suites[@]}"; do args+=(--suite "$s"); done
exec meson test -C build-asan "${args[@]}" --print-errorlogs
