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
# acknowledgement when events are on) and of files B never saw, interleaved
# -> chmods/s of each and their ratio.
# Usage: bench/cache_bench.sh [FILES (default 2000)] [SECONDS (default 15)].
# Needs root and FUSE. Uses 127.203.0.0/16. Prints one row per setting and
# ratios against the baseline measured in the same run.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
files=${1:-2000}
secs=${2:-15}
bench_root cache
mntb="$root/mntb"
# shellcheck disable=SC2016  # expanded at exit
bench_on_exit 'grep -q " $mntb fuse" /proc/mounts && umount -l "$mntb"'
bench_up --mount "$root/mnt" --net 203 --metads 3
mkdir -p "$mntb"
python3 - "$root/mnt/tree" "$files" <<'PY'
import os, sys
top, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(top, f"d{i % 20}")
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, f"f{i}"), "w").close()
os.makedirs(os.path.join(top, "cold"))
for i in range(500):  # never looked at through B
    open(os.path.join(top, "cold", f"c{i}"), "w").close()
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
# chmods on A of files B cached and of files it never saw, interleaved in
# batches of 25 so that the machine's noise hits both alike.
k = min(n, 500)
warm = [os.path.join(a, paths[i]) for i in range(k)]
cold = [os.path.join(a, "cold", f"c{i}") for i in range(500)][:k]
spent = {"warm": 0.0, "cold": 0.0}
for start in range(0, k, 25):
    for kind, group in (("warm", warm), ("cold", cold)):
        batch = group[start:start + 25]
        modes = [os.stat(p).st_mode & 0o777 for p in batch]
        t0 = time.monotonic()
        for p, m in zip(batch, modes):  # a real change (root's chmod to the same mode is free)
            os.chmod(p, 0o600 if m == 0o644 else 0o644)
        spent[kind] += time.monotonic() - t0
print(f"{label} {sweep_ms:.1f} {k / spent['warm']:.0f} {k / spent['cold']:.0f}")
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
base_s = float(rows[0][1])
print(f"{'setting':16} {'ms/sweep':>9} {'ratio':>6} {'chmod/s B-cached':>17} {'B-unseen':>9} {'ratio':>6}")
for label, s, w, c in rows:
    print(f"{label:16} {float(s):9.1f} {float(s)/base_s:6.2f} {float(w):17.0f} {float(c):9.0f} "
          f"{float(w)/float(c):6.2f}")
PY
