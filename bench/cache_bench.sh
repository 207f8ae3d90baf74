#!/usr/bin/env bash
# Kernel cache timeouts with pushed invalidation (issue 12 §2): the same
# cluster (3 metads, deploy/opendfs-local) mounted a second time at B with
#   events off (attr/entry_timeout 1 s: the old contract, the baseline),
#   cache_events on with cache_timeout_max_ms = 1000, 5000, 30000;
# for each: a stat sweep over a tree of FILES files (as make or git status
# do) every 1.5 s for SECONDS seconds on B -> mean ms per sweep (a sweep
# after the timeout revalidates every file with metad); and the cost on the
# other side:
# chmods on mount A of files B has cached (each waits for B's
# acknowledgement when events are on) -> chmods/s.
# Usage: bench/cache_bench.sh [FILES (default 2000)] [SECONDS (default 15)].
# Needs root and FUSE. Uses 127.203.0.0/16. Prints one row per setting and
# ratios against the baseline measured in the same run.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
files=${1:-2000}
secs=${2:-15}
root=$(mktemp -d /var/tmp/opendfs-cache.XXXXXX)
mntb="$root/mntb"
cleanup() {
  grep -q " $mntb fuse" /proc/mounts && umount -l "$mntb"
  "$src/deploy/opendfs-local" down --root "$root" >/dev/null 2>&1 || true
  rm -rf "$root"
}
trap cleanup EXIT
"$src/deploy/opendfs-local" up --root "$root" --mount "$root/mnt" --net 203 --metads 3 >/dev/null
# shellcheck disable=SC1091
. "$root/cluster.env"
mkdir -p "$mntb"
python3 - "$root/mnt/tree" "$files" <<'PY'
import os, sys
top, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(top, f"d{i % 20}")
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, f"f{i}"), "w").close()
PY
run() {  # label mount-options
  "$src/build/mount/opendfs-mount" "$OPENDFS_METADS" "$mntb" -o "$2,error_log=$root/mountb.log"
  python3 - "$1" "$root/mnt/tree" "$mntb/tree" "$files" "$secs" <<'PY'
import os, sys, time
label, a, b, n, secs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
paths = [f"d{i % 20}/f{i}" for i in range(n)]
for p in paths: os.stat(os.path.join(b, p))  # warm
t0 = time.monotonic(); sweeps = []
while time.monotonic() - t0 < secs:
    time.sleep(1.5)
    s0 = time.monotonic()
    for p in paths: os.stat(os.path.join(b, p))
    sweeps.append(time.monotonic() - s0)
sweep_ms = 1000 * sum(sweeps) / len(sweeps)
k = min(n, 500)
modes = [os.stat(os.path.join(a, paths[i])).st_mode & 0o777 for i in range(k)]
t0 = time.monotonic()
for i in range(k):  # a real change each time (a chmod by root to the same mode is free)
    os.chmod(os.path.join(a, paths[i]), 0o600 if modes[i] == 0o644 else 0o644)
chmod_rate = k / (time.monotonic() - t0)
print(f"{label} {sweep_ms:.1f} {chmod_rate:.0f}")
PY
  umount "$mntb"
}
out="$root/rows"
run "events-off-1s" "cache_events=0" > "$out"
run "events-1s" "cache_timeout_max_ms=1000" >> "$out"
run "events-5s" "cache_timeout_max_ms=5000" >> "$out"
run "events-30s" "cache_timeout_max_ms=30000" >> "$out"
run "events-off-again" "cache_events=0" >> "$out"  # the noise of this machine
python3 - "$out" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
base_s, base_c = float(rows[0][1]), float(rows[0][2])
print(f"{'setting':16} {'ms/sweep':>9} {'ratio':>6} {'chmod/s on A':>13} {'ratio':>6}")
for label, s, c in rows:
    print(f"{label:16} {float(s):9.1f} {float(s)/base_s:6.2f} {float(c):13.0f} {float(c)/base_c:6.2f}")
PY
