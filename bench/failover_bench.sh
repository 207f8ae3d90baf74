#!/usr/bin/env bash
# Failover time over many trials (issue 5's measurement): 3 metads, 3 blockds
# (deploy/opendfs-local), a writer creating 2 KiB files through the mount
# without pause (tests/e2e/ack_writer.py, as in the failover test); each trial
# SIGKILLs the serving leader and measures the time from the kill to the
# first write that started after the leader was gone and succeeded, then
# restarts the killed metad and waits until it has caught up.
# Beside the writer runs the checked namespace load of the failover ops test
# (tests/e2e/failover_ops.py: creates with O_EXCL + write + close, reads
# compared byte for byte, renames, unlinks, mkdir/rmdir, slow writes held
# open across the kill; every system call's result checked). After the last
# trial the load stops and compares the namespace with its shadow.
# Usage: bench/failover_bench.sh [TRIALS (default 20)]. Needs root and FUSE.
# Prints each trial, the median and max, and for the load: kills, ops done,
# errors (must be 0, with errno per kind), shadow mismatches and the longest
# stall per kill. Exits 1 when the load saw an error. Uses 127.202.0.0/16.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
trials=${1:-20}
writer=""
load=""
bench_root failover
bench_on_exit '[ -n "$writer" ] && kill "$writer"'
bench_on_exit '[ -n "$load" ] && kill "$load"'
bench_up --mount "$root/mnt" --net 202 --metads 3
cli=$(bench_cli)
status() { "$cli" cluster status --json 2>/dev/null; }

mkdir -p "$root/mnt/w"
acks="$root/acked"
: > "$acks"
python3 "$src/tests/e2e/ack_writer.py" "$root/mnt/w" "$acks" 2> "$root/writer.err" &
writer=$!
python3 "$src/tests/e2e/failover_ops.py" "$root/mnt" "$root/load" --workers 3 2> "$root/load.err" &
load=$!
kills="$root/kills"
: > "$kills"
sleep 2
results="$root/results"
: > "$results"
for t in $(seq 1 "$trials"); do
  # The serving leader with the highest ballot (a deposed leader may still
  # believe it serves for a moment).
  leader=$(status | python3 -c '
import json, sys
ls = [m for m in json.load(sys.stdin)["metads"] if m["is_leader"]]
print(max(ls, key=lambda m: tuple(int(x) for x in m["ballot"].split(".")))["address"])')
  n=$(echo "$leader" | sed -E 's/^127\.[0-9]+\.1\.([0-9]+):.*/\1/')
  pid=$(cat "$root/metad$n/metad.pid")
  t0=$(python3 -c 'import time; print(time.monotonic_ns())')
  echo "$t0 leader metad$n" >> "$kills"
  kill -9 "$pid"
  while [ -r "/proc/$pid/stat" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; do sleep 0.01; done
  # Writes that start once the leader is gone cannot reach it; the time is
  # counted from just before the kill.
  gone=$(python3 -c 'import time; print(time.monotonic_ns())')
  first=""
  for _ in $(seq 600); do
    first=$(awk -v k="$gone" '$3 > k { print $2; exit }' "$acks")
    [ -n "$first" ] && break
    sleep 0.1
  done
  [ -n "$first" ] || { echo "trial $t: no write succeeded within 60 s"; exit 1; }
  ms=$(( (first - t0) / 1000000 ))
  echo "$ms" >> "$results"
  echo "trial $t: killed leader metad$n, first write after ${ms} ms"
  rm -f "$root/metad$n/metad.pid"
  "$src/deploy/opendfs-local" start "metad$n" --root "$root" >/dev/null
  for _ in $(seq 300); do
    status | python3 -c '
import json, sys
m = json.load(sys.stdin)["metads"]
lead = [x for x in m if x["is_leader"]]
back = [x for x in m if x["address"] == sys.argv[1]]
sys.exit(0 if lead and back and back[0]["role"] != "down" and back[0]["applied_index"] >= lead[0]["applied_index"] else 1)' "$leader" && break
    sleep 0.2
  done
  sleep 1
done
python3 - "$results" "$(wc -l < "$acks")" <<'PY'
import statistics, sys
v = sorted(int(x) for x in open(sys.argv[1]))
print(f"failover over {len(v)} trials: median {statistics.median(v):.0f} ms, max {max(v)} ms, min {min(v)} ms ({sys.argv[2]} files acknowledged)")
PY
kill -TERM "$load"
rc=0
wait "$load" || rc=$?
load=""
grep -E '^(ERROR|MISMATCH)' "$root/load.err" | head -n 40 || true
python3 "$src/tests/e2e/failover_stalls.py" "$root/load.ops" "$kills"
python3 - "$root/load.summary" "$(wc -l < "$kills")" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"load: {sys.argv[2]} leader kills, ops {s['ops']}, errors {s['errors']} {s['errnos']}, "
      f"shadow mismatches {s['shadow_mismatches']} ({s['files']} files, {s['dirs']} dirs)")
PY
echo "writer: $(grep -c '^write ' "$root/writer.err" || true) failed writes"
grep -m 5 '^write ' "$root/writer.err" || true
exit "$rc"
