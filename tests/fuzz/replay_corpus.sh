#!/bin/bash
# replay_corpus.sh MAKE_CORPUS REPLAY TARGET REGRESSIONS_DIR TESTDATA: writes the
# seed corpus to a temp dir and replays it and every regression input of
# TARGET (the config target also gets the seed config files of TESTDATA).
set -euo pipefail
make_corpus=$1 replay=$2 target=$3 regressions=$4 testdata=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$make_corpus" "$tmp"
inputs=("$tmp/$target" "$regressions")
[ "$target" = config ] && inputs+=("$testdata"/*.conf)
exec "$replay" "${inputs[@]}"
