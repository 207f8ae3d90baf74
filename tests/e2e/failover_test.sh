#!/usr/bin/env bash
# Paxos failover with real processes: 3 metads, a writer creating small files
# through the mount without pause, the leader metad SIGKILLed mid-stream.
# Prints the time from the kill to the first write that succeeds again,
# checks every file whose write was acknowledged is intact, restarts the
# killed metad and waits until `cluster status` shows it applied as far as
# the leader.
. "$(dirname "$0")/lib.sh"
# checkpoint_num=100: the killed metad misses several checkpoints (editlog
# trims) while down; it catches up from the Paxos log, not the editlog.
e2e_up --metads 3 --set blk_sz=1MB --set checkpoint_num=100

status_json() { "$CLI" -n "$OPENDFS_METADS" cluster status --json; }
# The serving leader with the highest ballot (a deposed leader that has not
# heard of its successor yet may still claim to serve for a moment).
leader_addr() {
  status_json | python3 -c '
import json, sys
ls = [m for m in json.load(sys.stdin)["metads"] if m["is_leader"]]
key = lambda m: tuple(int(x) for x in m["ballot"].split("."))
print(max(ls, key=key)["address"])'
}

mkdir -p "$MNT/w"
ACKS="$E2E_ROOT/acked"
: > "$ACKS"
# Writer: file i holds "file i" + 2000 bytes of a fixed pattern; each line in
# $ACKS is a file whose write and close returned success: i, end, start (ns).
python3 - "$MNT/w" "$ACKS" <<'PY' &
import os, sys, time
d, acks = sys.argv[1], sys.argv[2]
with open(acks, 'a', buffering=1) as log:
    i = 0
    while os.path.isdir(d):
        i += 1
        data = (f"file {i}\n".encode() + bytes(range(256)) * 8)[:2048]
        start = time.monotonic_ns()
        try:
            with open(os.path.join(d, f"f{i}"), 'wb') as f:
                f.write(data)
            log.write(f"{i} {time.monotonic_ns()} {start}\n")
        except OSError as e:
            sys.stderr.write(f"write f{i}: {e}\n")
            time.sleep(0.01)
PY
WRITER=$!
cleanup_writer() { kill "$WRITER" 2>/dev/null || true; wait "$WRITER" 2>/dev/null || true; }
e2e_bg "$WRITER"  # must not outlive a failing test

sleep 2
leader=$(leader_addr) || fail "no leader before the kill"
n=$(echo "$leader" | sed -E 's/^127\.[0-9]+\.1\.([0-9]+):.*/\1/')
pidf="$E2E_ROOT/metad$n/metad.pid"
before=$(wc -l < "$ACKS")
[ "$before" -gt 0 ] || fail "writer made no progress before the kill"
victim=$(cat "$pidf")
t0=$(python3 -c 'import time; print(time.monotonic_ns())')
kill -9 "$victim"
# Gone = no process or a zombie (our init may reap daemons late).
while [ -r "/proc/$victim/stat" ] && [ "$(awk '{print $3}' "/proc/$victim/stat" 2>/dev/null)" != Z ]; do
  sleep 0.01
done
# Taken once the leader is gone: writes that start later cannot reach it.
kill_ns=$(python3 -c 'import time; print(time.monotonic_ns())')
echo "killed leader metad$n ($leader) after $before acknowledged files"

# Wait for the first acknowledged write that started after the kill.
deadline=$((SECONDS + 60))
first=""
while [ $SECONDS -lt $deadline ]; do
  first=$(awk -v k="$kill_ns" '$3 > k { print $2; exit }' "$ACKS")
  [ -n "$first" ] && break
  sleep 0.1
done
[ -n "$first" ] || { cleanup_writer; fail "no write succeeded within 60 s of the leader's death"; }
python3 -c "print('leader gone %.0f ms after kill -9' % (($kill_ns - $t0) / 1e6))"
python3 -c "print('failover: first write %.0f ms after SIGKILL of the leader' % (($first - $t0) / 1e6))"
sleep 2
cleanup_writer
total=$(wc -l < "$ACKS")
echo "writer: $total acknowledged files"

# Every acknowledged file is intact.
python3 - "$MNT/w" "$ACKS" <<'PY' || fail "an acknowledged file is missing or damaged"
import os, sys
d = sys.argv[1]
bad = 0
for line in open(sys.argv[2]):
    i = int(line.split()[0])
    want = (f"file {i}\n".encode() + bytes(range(256)) * 8)[:2048]
    try:
        got = open(os.path.join(d, f"f{i}"), 'rb').read()
    except OSError as e:
        print(f"f{i}: {e}"); bad += 1; continue
    if got != want:
        print(f"f{i}: {len(got)} bytes, content differs"); bad += 1
sys.exit(1 if bad else 0)
PY

# The killed metad restarts and catches up.
"$BUILD/metad/opendfs-metad" -c "$E2E_ROOT/metad$n/namenode.conf" || fail "restart of metad$n"
deadline=$((SECONDS + 60))
caught=0
while [ $SECONDS -lt $deadline ]; do
  if status_json | python3 -c '
import json, sys
m = json.load(sys.stdin)["metads"]
lead = [x for x in m if x["is_leader"]]
back = [x for x in m if x["address"] == sys.argv[1]]
sys.exit(0 if lead and back and back[0]["role"] != "down" and back[0]["applied_index"] >= lead[0]["applied_index"] else 1)' "$leader"; then
    caught=1; break
  fi
  sleep 0.5
done
status_json
[ "$caught" -eq 1 ] || fail "restarted metad$n did not catch up within 60 s"
e2e_pass
