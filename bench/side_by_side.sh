#!/usr/bin/env bash
# The project's end-to-end workload (../shared/bench/fsbench.sh) on a local
# directory, a MooseFS cluster with 3 replicas (../shared/bench/moosefs-up.sh)
# and an OpenDFS cluster with 3 replicas (deploy/opendfs-local: 3 metads,
# 3 blockds) mounted twice: with write-back metadata (the default) and with
# -o sync_meta (every mutation durable before the call returns); one after
# the other in the same run, then one table:
#   figure  local  moosefs  opendfs  sync_meta  opendfs/moosefs  sync_meta/moosefs
# FSBENCH_SKIP (e.g. "seq rand cp": metadata figures only) is passed on.
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
  grep -q " $odfs_root/mnt-sync fuse" /proc/mounts && umount -l "$odfs_root/mnt-sync"
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

echo "== OpenDFS, 3 replicas, -o sync_meta" >&2
mkdir -p "$odfs_root/mnt-sync"
# shellcheck disable=SC1091
. "$odfs_root/cluster.env"
if "${ODFS_BUILD_DIR:-$src/build}/mount/opendfs-mount" "$OPENDFS_METADS" "$odfs_root/mnt-sync" \
    -o "sync_meta,error_log=$odfs_root/mount-sync.log" >&2; then
  "$shared/fsbench.sh" "$odfs_root/mnt-sync" sync_meta > "$out/sync_meta.txt" || true
  umount "$odfs_root/mnt-sync" || true
else
  echo "sync_meta mount failed: column left empty" >&2
fi

python3 - "$out" <<'PY'
import sys, os
d = sys.argv[1]
runs = {}
order = []
labels = ("local", "moosefs", "opendfs", "sync_meta")
for label in labels:
    path = os.path.join(d, label + ".txt")
    if not os.path.exists(path): continue
    for line in open(path):
        parts = line.split()
        if len(parts) < 3: continue
        fig = parts[1]
        if fig not in order: order.append(fig)
        runs.setdefault(fig, {})[label] = parts[2] + (" " + parts[3] if len(parts) > 3 and parts[2] == "FAIL" else "")
def ratio(r, label):
    try:
        m, o = float(r.get("moosefs")), float(r.get(label))
        return f"{o / m:.2f}" if m else ""
    except (TypeError, ValueError):
        return ""
print(f"{'figure':24} " + " ".join(f"{l:>10}" for l in labels) + f" {'odfs/mfs':>9} {'sync/mfs':>9}")
for fig in order:
    r = runs[fig]
    print(f"{fig:24} " + " ".join(f"{r.get(l, '-'):>10}" for l in labels) +
          f" {ratio(r, 'opendfs'):>9} {ratio(r, 'sync_meta'):>9}")
PY
echo "raw results: $out" >&2
