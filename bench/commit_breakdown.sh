#!/usr/bin/env bash
# Where a synchronous commit's time goes, and the same figures for other
# builds in the same run (the 2-core test machine is shared: only figures of
# one run compare).
#
#   bench/commit_breakdown.sh [--rounds R] [--seconds S] [--net X] BUILD_DIR [BUILD_DIR...]
#
# For each round and each build dir in turn: a 3-metad, 1-blockd cluster
# (deploy/opendfs-local, on 127.X.*, metads started with
# OPENDFS_COMMIT_TRACE=1), then BUILD_DIR/bench/bench_paxos_commit at 1 and
# 256 clients, then the metads' per-stage trace (leader and followers; a
# build without the trace prints none), then the cluster is stopped. A build
# dir is a directory holding metad/opendfs-metad, blockd/opendfs-blockd,
# mount/opendfs and bench/bench_paxos_commit (a meson build dir, or a copy).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
rounds=2 seconds=5 net=77
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --net) net=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "usage: $0 [--rounds R] [--seconds S] [--net X] BUILD_DIR..." >&2; exit 2; }

root=$(mktemp -d /var/tmp/odfs-commit-bench.XXXXXX)
cleanup() { "$here/deploy/opendfs-local" down --root "$root" >/dev/null 2>&1 || true; rm -rf "$root"; }
trap cleanup EXIT

for r in $(seq 1 "$rounds"); do
  for build in "$@"; do
    build=$(cd "$build" && pwd)
    echo "=== round $r: $build"
    rm -rf "$root"/*
    OPENDFS_COMMIT_TRACE=1 ODFS_BUILD_DIR=$build "$here/deploy/opendfs-local" up --root "$root" \
      --metads 3 --blockds 1 --net "$net" --cli-conf none >/dev/null
    metads=127.$net.1.1:8000,127.$net.1.2:8000,127.$net.1.3:8000
    "$build/bench/bench_paxos_commit" "$metads" "$seconds" 1 256
    sleep 1.5  # the last window ends
    "$here/deploy/opendfs-local" down --root "$root" >/dev/null
    for log in "$root"/metad*/logs/error.log; do
      lines=$(grep -o 'commit_trace: stage=.*' "$log" || true)
      [ -n "$lines" ] || continue
      echo "--- $(basename "$(dirname "$(dirname "$log")")") (windows in run order: leader probe, 1 client, 256 clients)"
      echo "$lines" | sed 's/^commit_trace: //'
    done
  done
done
