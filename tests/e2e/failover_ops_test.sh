#!/usr/bin/env bash
# Failover is invisible to applications (issue 12 §4): 3 metads, a load of
# creates (O_CREAT|O_EXCL + write + close), reads, renames, unlinks, mkdir
# and rmdir with every system call's result checked (failover_ops.py), while
# the leader metad is SIGKILLed and restarted FAILOVER_KILLS times (default
# 5) and a follower once. Passes when no call failed (no ECONNRESET,
# ETIMEDOUT, ..., and no EEXIST/ENOENT from a retry applied twice) and the
# namespace is exactly the load's shadow. Prints kills, ops, errors and the
# longest stall per kill.
. "$(dirname "$0")/lib.sh"
here=$(dirname "$0")
kills=${FAILOVER_KILLS:-5}
e2e_up --metads 3 --set blk_sz=1MB --set checkpoint_num=200

STATE="$E2E_ROOT/load"
KILLS="$E2E_ROOT/kills"
: > "$KILLS"
python3 "$here/failover_ops.py" "$MNT" "$STATE" --workers "${FAILOVER_WORKERS:-3}" 2> "$E2E_ROOT/load.err" &
LOAD=$!
e2e_bg "$LOAD"

ops_done() { cut -d' ' -f1 "$STATE.progress" 2>/dev/null || echo 0; }
mono_ns() { python3 -c 'import time; print(time.monotonic_ns())'; }
# The serving leader, waiting out an election.
current_leader() {
  local deadline=$((SECONDS + 30)) l
  while [ $SECONDS -lt $deadline ]; do
    l=$(leader_addr 2>/dev/null) && [ -n "$l" ] && { echo "$l"; return 0; }
    sleep 0.2
  done
  return 1
}
# Waits until the load completed `2` more ops than `1`.
wait_progress() {
  local deadline=$((SECONDS + 30))
  while [ $SECONDS -lt $deadline ]; do
    [ "$(ops_done)" -ge $(($1 + $2)) ] && return 0
    sleep 0.1
  done
  return 1
}
# Waits until metad at address $1 is back and applied as far as the leader.
wait_caught_up() {
  local deadline=$((SECONDS + 30))
  while [ $SECONDS -lt $deadline ]; do
    status_json 2>/dev/null | python3 -c '
import json, sys
m = json.load(sys.stdin)["metads"]
lead = [x for x in m if x["is_leader"]]
back = [x for x in m if x["address"] == sys.argv[1]]
sys.exit(0 if lead and back and back[0]["role"] != "down" and back[0]["applied_index"] >= lead[0]["applied_index"] else 1)' "$1" && return 0
    sleep 0.3
  done
  return 1
}
# kill_one ROLE: SIGKILLs the leader (ROLE=leader) or a follower, waits for
# the load to go on, restarts the metad and waits until it caught up.
kill_one() {
  local leader victim n before
  leader=$(current_leader) || fail "no leader"
  victim=$leader
  if [ "$1" = follower ]; then
    for n in 1 2 3; do
      [ "127.$E2E_NET.1.$n:8000" != "$leader" ] && { victim="127.$E2E_NET.1.$n:8000"; break; }
    done
  fi
  n=$(metad_no "$victim")
  before=$(ops_done)
  echo "$(mono_ns) $1 metad$n" >> "$KILLS"
  e2e_kill "metad$n"
  wait_progress "$before" 50 || fail "the load made no progress within 30 s of killing $1 metad$n"
  e2e_start "metad$n"
  wait_caught_up "$victim" || fail "metad$n did not catch up within 30 s"
  echo "killed $1 metad$n; ops so far $(ops_done)"
}

wait_progress 0 100 || fail "the load made no progress before the kills"
for i in $(seq "$kills"); do
  kill_one leader
  [ "$i" -eq 2 ] && kill_one follower
  sleep 1
done
kill -TERM "$LOAD"
rc=0
wait "$LOAD" || rc=$?
grep -E '^(ERROR|MISMATCH)' "$E2E_ROOT/load.err" | head -n 40 || true
python3 "$here/failover_stalls.py" "$STATE.ops" "$KILLS"
[ -r "$STATE.summary" ] || fail "the load wrote no summary (rc=$rc): $(tail -n 5 "$E2E_ROOT/load.err")"
python3 - "$STATE.summary" "$(grep -c leader "$KILLS")" "$(grep -c follower "$KILLS")" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"leader kills {sys.argv[2]}, follower kills {sys.argv[3]}: ops {s['ops']}, "
      f"errors {s['errors']} {s['errnos']}, shadow mismatches {s['shadow_mismatches']} "
      f"({s['files']} files, {s['dirs']} dirs)")
PY
if [ "$rc" -ne 0 ]; then
  echo "---- mount log (warnings and errors) ----"
  grep -E ' (WARN|ERROR) ' "$E2E_ROOT/mount.log" | tail -n 40 || true
fi
[ "$rc" -eq 0 ] || fail "the load saw application-visible errors or a namespace differing from its shadow"
e2e_pass
