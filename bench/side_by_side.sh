#!/usr/bin/env bash
# The project's end-to-end workload (../shared/bench/fsbench.sh) on a local
# directory, a MooseFS cluster with 3 replicas (../shared/bench/moosefs-up.sh)
# and an OpenDFS cluster with 3 replicas (deploy/opendfs-local: 3 metads,
# 3 blockds), one after the other in the same run, then one table:
#   figure  local  moosefs  opendfs  opendfs/moosefs
# Usage: bench/side_by_side.sh [SHARED_BENCH_DIR (default ../shared/bench)]
# Needs root, FUSE, fio, gcc and the moosefs Debian packages. Takes ~15 min.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
shared=${1:-$src/../shared/bench}
out=$(mktemp -d /var/tmp/opendfs-side.XXXXXX)
local_dir="$out/local"
odfs_root="$out/odfs"
mkdir -p "$local_dir"
cleanup() {
  "$src/deploy/opendfs-local" down --root "$odfs_root" >/dev/null 2>&1 || true
  "$shared/moosefs-down.sh" --purge >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "== local directory" >&2
"$shared/fsbench.sh" "$local_dir" local > "$out/local.txt" || true
rm -rf "$local_dir"

echo "== MooseFS, 3 replicas" >&2
MFS_GOAL=3 "$shared/moosefs-up.sh" >&2
"$shared/fsbench.sh" /mnt/peer-moosefs moosefs > "$out/moosefs.txt" || true
"$shared/moosefs-down.sh" --purge >&2 || true

echo "== OpenDFS, 3 replicas" >&2
"$src/deploy/opendfs-local" up --root "$odfs_root" --mount "$odfs_root/mnt" --net 203 >&2
"$shared/fsbench.sh" "$odfs_root/mnt" opendfs > "$out/opendfs.txt" || true

python3 - "$out" <<'PY'
import sys, os
d = sys.argv[1]
runs = {}
order = []
for label in ("local", "moosefs", "opendfs"):
    for line in open(os.path.join(d, label + ".txt")):
        parts = line.split()
        if len(parts) < 3: continue
        fig = parts[1]
        if fig not in order: order.append(fig)
        runs.setdefault(fig, {})[label] = parts[2] + (" " + parts[3] if len(parts) > 3 and parts[2] == "FAIL" else "")
print(f"{'figure':24} {'local':>10} {'moosefs':>10} {'opendfs':>10} {'odfs/mfs':>9}")
for fig in order:
    r = runs[fig]
    ratio = ""
    try:
        m, o = float(r.get("moosefs")), float(r.get("opendfs"))
        ratio = f"{o / m:.2f}" if m else ""
    except (TypeError, ValueError):
        pass
    print(f"{fig:24} {r.get('local','-'):>10} {r.get('moosefs','-'):>10} {r.get('opendfs','-'):>10} {ratio:>9}")
PY
echo "raw results: $out" >&2
