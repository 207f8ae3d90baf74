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

mkdir -p "$MNT/w"
ACKS="$E2E_ROOT/acked"
: > "$ACKS"
# Writer: every line in $ACKS is a file whose write and close succeeded.
python3 "$(dirname "$0")/ack_writer.py" "$MNT/w" "$ACKS" &
WRITER=$!
cleanup_writer() { kill "$WRITER" 2>/dev/null || true; wait "$WRITER" 2>/dev/null || true; }
e2e_bg "$WRITER"  # must not outlive a failing test

sleep 2
leader=$(leader_addr) || fail "no leader before the kill"
n=$(metad_no "$leader")
before=$(wc -l < "$ACKS")
[ "$before" -gt 0 ] || fail "writer made no progress before the kill"
t0=$(python3 -c 'import time; print(time.monotonic_ns())')
e2e_kill "metad$n"  # returns once it is gone
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
python3 - "$MNT/w" "$ACKS" "$(dirname "$0")" <<'PY' || fail "an acknowledged file is missing or damaged"
import os, sys
sys.path.insert(0, sys.argv[3])
from ack_writer import content
d = sys.argv[1]
bad = 0
for line in open(sys.argv[2]):
    i = int(line.split()[0])
    want = content(i)
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
