#!/usr/bin/env bash
# Re-replication speed (issue 6's measurement): a cluster of 1 metad and 4
# blockds (deploy/opendfs-local, 64 MiB blocks, replication 3), SIZE_MB of
# data written with `opendfs put`, then the blockd holding the most replicas
# is SIGKILLed. Prints how long the metad took to declare it dead
# (dn_timeout), how long from then until fsck showed every block back at 3
# good replicas, and the re-replication throughput (the dead blockd's bytes
# over that time), with the copy settings used. For a baseline, the same
# bytes copied with cp between two directories on this disk in the same run.
# Usage: bench/heal_bench.sh [SIZE_MB (default 1024)] [COPY_RATE (default 0 =
#        unlimited, e.g. 50MB)] [MAX_COPIES (default 4)]
# Needs root (opendfs-local). Uses 127.201.0.0/16.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
size_mb=${1:-1024}
copy_rate=${2:-0}
max_copies=${3:-4}
bench_root heal
bench_up --metads 1 --blockds 4 --net 201 --set dn_timeout=5 \
  --set copy_rate="$copy_rate" --set replication_max_copies="$max_copies"
cli=$(bench_cli)
ms() { date +%s%3N; }
healthy() {
  "$cli" fsck / > "$root/fsck.out" 2>&1 || return 1
  local blocks ok
  blocks=$(sed -n 's/^ Blocks: *\([0-9]*\).*/\1/p' "$root/fsck.out")
  ok=$(sed -n 's/^ Healthy blocks: *\([0-9]*\).*/\1/p' "$root/fsck.out")
  [ "$blocks" = "$ok" ]
}

# Data: files of 256 MiB (4 blocks each).
head -c $((256 << 20)) /dev/urandom > "$root/chunk"
for ((i = 0; i < size_mb / 256; i++)); do "$cli" put "$root/chunk" "/f$i" >/dev/null; done
until healthy; do sleep 0.5; done
# The victim: the blockd with the most replicas.
read -r victim used < <("$cli" cluster status --json | python3 -c '
import json, sys
b = max(json.load(sys.stdin)["blockds"], key=lambda b: b["used_bytes"])
print(b["address"].split(".")[3].split(":")[0], b["used_bytes"])')
t_kill=$(ms)
kill -9 "$(cat "$root/blockd$victim/blockd.pid")"
until "$cli" cluster status --json | grep -q '"state":"dead"'; do sleep 0.1; done
t_dead=$(ms)
until healthy; do sleep 0.5; done
t_healed=$(ms)
heal_ms=$((t_healed - t_dead))
# Baseline: the same bytes copied on this disk by cp.
mkdir -p "$root/a" "$root/b"
head -c "$used" /dev/urandom > "$root/a/x"
sync
t0=$(ms)
cp "$root/a/x" "$root/b/x" && sync
t1=$(ms)
python3 - "$size_mb" "$used" "$((t_dead - t_kill))" "$heal_ms" "$((t1 - t0))" "$copy_rate" "$max_copies" <<'PY'
import sys
size_mb, used, dead_ms, heal_ms, cp_ms, rate, copies = sys.argv[1:]
used, heal_ms, cp_ms = int(used), int(heal_ms), int(cp_ms)
mb = used / 1e6
print(f"data written            {size_mb} MiB x 3 replicas on 4 blockds")
print(f"dead blockd held        {mb:.0f} MB")
print(f"declared dead after     {int(dead_ms)} ms (dn_timeout=5)")
print(f"re-replicated in        {heal_ms} ms after that (copy_rate={rate}, replication_max_copies={copies})")
print(f"re-replication rate     {mb / (heal_ms / 1000):.1f} MB/s")
print(f"baseline: cp + sync     {mb / (cp_ms / 1000):.1f} MB/s on the same disk")
print(f"ratio                   {(mb / (heal_ms / 1000)) / (mb / (cp_ms / 1000)):.2f}")
PY
