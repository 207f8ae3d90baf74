#!/usr/bin/env bash
# Replication goals and decommissioning with real processes (issue 6):
#  1. setrep on a directory: files created in it inherit the goal;
#     setrep 1 -> 3 -> 2 on a file moves its live replica counts there.
#  2. A blockd is decommissioned while a writer and a reader keep going: no
#     operation fails, nothing new lands on it, it drains, it can be switched
#     off with every file intact. Decommissioning another survives a leader
#     change (it is logged); recommission puts it back in service.
. "$(dirname "$0")/lib.sh"
e2e_up --blockds 4 --set dn_timeout=3 --set blk_sz=1MB --set replication_max_copies=16

# The good replicas of every block of PATH, one count per line.
good_counts() { "$CLI" fsck "$1" --blocks | sed -n 's/^  block .* good \([0-9]*\)\/.*/\1/p'; }
replica_counts() { "$CLI" fsck "$1" --locations | awk '/^  block / { print gsub(/:8100 /, "") }'; }
wait_counts() {  # path n timeout
  local deadline=$((SECONDS + $3))
  while [ $SECONDS -lt $deadline ]; do
    if [ "$(good_counts "$1" | sort -u)" = "$2" ] && [ "$(replica_counts "$1" | sort -u)" = "$2" ]; then
      return 0
    fi
    sleep 0.3
  done
  "$CLI" fsck "$1" --locations
  fail "$1: blocks not at $2 replicas within $3 s"
}

# ---- 1. goals ----
mkdir "$MNT/one"
"$CLI" setrep /one 1 >/dev/null || fail "setrep on a directory"
head -c 3500000 /dev/urandom > "$E2E_ROOT/f"
cp "$E2E_ROOT/f" "$MNT/one/f"
mkdir "$MNT/one/sub"
echo inherited > "$MNT/one/sub/g"
[ "$("$CLI" fsck /one/f --blocks | sed -n 's/.*, goal \([0-9]*\)$/\1/p')" = 1 ] || fail "file in a goal-1 directory does not have goal 1"
[ "$("$CLI" fsck /one/sub/g --blocks | sed -n 's/.*, goal \([0-9]*\)$/\1/p')" = 1 ] || fail "subdirectory did not inherit goal 1"
wait_counts /one/f 1 30
echo "goal 1 inherited: $(good_counts /one/f | wc -l) blocks with 1 replica"
"$CLI" setrep /one/f 3 >/dev/null || fail "setrep 3"
wait_counts /one/f 3 60
echo "setrep 3: every block has 3 replicas"
"$CLI" setrep /one/f 2 >/dev/null || fail "setrep 2"
wait_counts /one/f 2 60
echo "setrep 2: every block has 2 replicas"
"$CLI" get /one/f "$E2E_ROOT/got" && cmp -s "$E2E_ROOT/f" "$E2E_ROOT/got" || fail "/one/f changed"
"$CLI" setrep -R /one 3 >/dev/null || fail "setrep -R"
wait_counts /one/f 3 60
echo "setrep -R 3: back to 3"

# ---- 2. decommission under load ----
mkdir "$MNT/load"
python3 - "$MNT/load" "$E2E_ROOT/stop" "$E2E_ROOT/load.log" <<'PY' &
import os, sys, time
d, stop, log = sys.argv[1:4]
i = errors = 0
with open(log, "w", buffering=1) as out:
    while not os.path.exists(stop) and os.path.isdir(d):
        data = (f"load {i}\n".encode() * 40000)[:300_000 + i * 997]
        try:
            with open(os.path.join(d, f"w{i}"), "wb") as f:
                f.write(data)
            with open(os.path.join(d, f"w{i // 2}"), "rb") as f:
                f.read()
        except OSError as e:
            errors += 1
            out.write(f"error {i}: {e}\n")
        i += 1
    out.write(f"done {i} {errors}\n")
PY
LOAD=$!
e2e_bg "$LOAD"  # must not outlive a failing test
sleep 2
victim=2
"$CLI" blockd decommission "$(blockd_addr $victim)" || fail "decommission"
[ "$(blockd_state $victim)" = decommissioning ] || [ "$(blockd_state $victim)" = drained ] ||
  fail "blockd$victim is $(blockd_state $victim) after decommission"
wait_blockd_state $victim drained 90
mark=$(ls "$MNT/load" | sed 's/^w//' | sort -n | tail -n 1)
sleep 2
# Files written after it drained have no replica on it.
newer=0
for f in "$MNT"/load/w*; do
  n=${f##*/w}
  [ "$n" -gt $((mark + 1)) ] || continue
  newer=$((newer + 1))
  "$CLI" fsck "/load/w$n" --locations | grep -q "$(blockd_addr $victim)" &&
    fail "/load/w$n, written after the drain, has a replica on the decommissioned blockd"
done
[ "$newer" -gt 0 ] || fail "the writer made no progress after the drain"
touch "$E2E_ROOT/stop"
wait "$LOAD" || true
tail -n 3 "$E2E_ROOT/load.log"
grep -q '^done [0-9]* 0$' "$E2E_ROOT/load.log" || fail "reads or writes failed during decommissioning"
echo "decommission: drained under load ($(sed -n 's/^done \([0-9]*\) .*/\1/p' "$E2E_ROOT/load.log") files written)"
# Switch it off: everything stays readable, fsck stays healthy.
e2e_kill blockd$victim
wait_blockd_state $victim dead 20
wait_healthy 60
python3 - "$MNT/load" <<'PY' || fail "a file was damaged after the drained blockd was switched off"
import os, sys
bad = 0
for name in os.listdir(sys.argv[1]):
    i = int(name[1:])
    want = (f"load {i}\n".encode() * 40000)[:300_000 + i * 997]
    if open(os.path.join(sys.argv[1], name), "rb").read() != want:
        print(f"{name} differs"); bad += 1
sys.exit(1 if bad else 0)
PY
"$CLI" get /one/f "$E2E_ROOT/got" && cmp -s "$E2E_ROOT/f" "$E2E_ROOT/got" || fail "/one/f changed"

# Decommissioning is logged: a new leader goes on draining blockd3.
"$CLI" blockd decommission "$(blockd_addr 3)" >/dev/null || fail "decommission blockd3"
leader=$(leader_addr)
n=$(metad_no "$leader")
e2e_kill "metad$n"
deadline=$((SECONDS + 30))
until "$CLI" cluster status --json 2>/dev/null | grep -q '"is_leader":true' &&
      [ "$(blockd_state 3)" != "" ] && ! "$CLI" cluster status --json | grep -q "\"address\":\"$leader\",\"role\":\"leader\""; do
  [ $SECONDS -lt $deadline ] || fail "no new leader within 30 s of killing metad$n"
  sleep 0.3
done
# The new leader applies the logged state within a tick of taking over.
deadline=$((SECONDS + 10))
until state=$(blockd_state 3) && { [ "$state" = decommissioning ] || [ "$state" = drained ]; }; do
  [ $SECONDS -lt $deadline ] || fail "after a leader change blockd3 is $state, not decommissioning"
  sleep 0.3
done
echo "decommissioning survived a leader change (blockd3: $state)"
# Recommission: it returns to service.
"$CLI" blockd recommission "$(blockd_addr 3)" >/dev/null || fail "recommission blockd3"
[ "$(blockd_state 3)" = live ] || fail "blockd3 is $(blockd_state 3) after recommission"
"$CLI" blockd decommission 127.0.0.1:1 2>"$E2E_ROOT/err" && fail "decommission of an unknown blockd succeeded"
grep -q "no live blockd" "$E2E_ROOT/err" || fail "unclear error: $(cat "$E2E_ROOT/err")"
e2e_pass
