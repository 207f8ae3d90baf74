#!/bin/bash
# Cluster-wide locks across metad leader changes (DESIGN §5 Locks; issue 12
# §3): locks are leader memory, so a new leader rebuilds them from the
# mounts' re-assertions during its grace period (half a session lease).
#
# Mount 1 holds a flock LOCK_EX on f, an fcntl write lock on bytes 100..199
# of g and an OFD lock on bytes 0..9 of h; mount 2 probes the same locks
# without blocking (every probe must be refused, before, during and after
# the grace period, and F_GETLK / F_OFD_GETLK must report mount 1's lock)
# and a process on mount 2 waits in F_SETLKW on g. The leader metad is
# SIGKILLed twice (the killed one restarted in between). Then mount 1
# releases: the waiter gets g at once and mount 2 gets every lock.
. "$(dirname "$0")/lib.sh"
LEASE_S=6          # session lease; the grace period is half of it
GRACE_MS=3000
e2e_up --metads 3 --set session_timeout=$LEASE_S
# Both mounts log where the failure report (lib.sh) shows them.
e2e_mount2  # the mounts log to $E2E_ROOT/mount.log and mount2.log (shown on failure)
ROLES="$(dirname "$0")/lock_roles.py"
for x in f g h; do head -c 4096 /dev/zero > "$MNT/$x"; done
sleep $((LEASE_S / 2 + 1))  # past the first leader's own grace period

HOLD="$E2E_ROOT/holder.state"; PROBE="$E2E_ROOT/prober.log"; WAIT="$E2E_ROOT/waiter.log"
: > "$HOLD"; : > "$PROBE"; : > "$WAIT"
python3 "$ROLES" holder "$MNT" "$HOLD" & HOLDER=$!; e2e_bg $HOLDER
for _ in $(seq 100); do grep -q held "$HOLD" && break; sleep 0.1; done
grep -q held "$HOLD" || fail "holder did not get its locks: $(cat "$HOLD")"
python3 "$ROLES" prober "$MNT2" "$PROBE" "$E2E_ROOT/prober.stop" & PROBER=$!; e2e_bg $PROBER
python3 "$ROLES" waiter "$MNT2" "$WAIT" & WAITER=$!; e2e_bg $WAITER
sleep 1

rounds() { grep -c '^round' "$PROBE" || true; }
prober_ok() {
  if grep -E '^(BAD|ERR)' "$PROBE"; then fail "second mount: $(grep -E '^(BAD|ERR)' "$PROBE" | head -3)"; fi
  kill -0 $PROBER 2>/dev/null || fail "prober exited: $(tail -3 "$PROBE")"
  grep -q ERR "$HOLD" && fail "holder saw an error: $(grep ERR "$HOLD")"
  grep -q got "$WAIT" && fail "F_SETLKW waiter on mount 2 was granted g while mount 1 holds it"
  kill -0 $HOLDER 2>/dev/null || fail "holder exited: $(cat "$HOLD")"
}

# Kills the serving leader, waits for its successor and its grace period,
# then checks that mount 2 is still refused (with probes made after grace).
failover() {  # round-name
  local old n new t_new before
  prober_ok
  old=$(leader_addr) || fail "$1: no leader"
  n=$(metad_no "$old")
  e2e_kill "metad$n"
  local t_kill; t_kill=$(now_ms)
  new=""
  for _ in $(seq 200); do
    new=$(leader_addr 2>/dev/null) && [ -n "$new" ] && [ "$new" != "$old" ] && break
    new=""; sleep 0.1
  done
  [ -n "$new" ] || fail "$1: no new leader after killing metad$n"
  t_new=$(now_ms)
  echo "$1: killed metad$n ($old); $new leads after $((t_new - t_kill)) ms"
  # Past the grace period (measured from when we saw the new leader, which
  # is after it started serving), plus probes that started after it.
  sleep $(( (GRACE_MS + 1500) / 1000 ))
  before=$(rounds)
  for _ in $(seq 100); do [ "$(rounds)" -ge $((before + 3)) ] && break; sleep 0.1; done
  [ "$(rounds)" -ge $((before + 3)) ] || fail "$1: second mount's probes stalled after the grace period ($(tail -2 "$PROBE"))"
  prober_ok
  echo "$1: $(rounds) probe rounds so far, every one refused"
  e2e_start "metad$n"  # a majority again for the next kill
}

failover "kill 1"
sleep 2
failover "kill 2"
sleep 1

# Mount 1 releases: the waiter across both failovers gets g, then mount 2
# gets every lock.
touch "$E2E_ROOT/prober.stop"
wait $PROBER || fail "prober: $(grep -E '^(BAD|ERR)' "$PROBE" | head -3)"
t_rel=$(now_ms)
touch "$HOLD.release"
wait $HOLDER || fail "holder: $(cat "$HOLD")"
grep -q released "$HOLD" || fail "holder did not release: $(cat "$HOLD")"
for _ in $(seq 100); do grep -q got "$WAIT" && break; sleep 0.1; done
grep -q got "$WAIT" || fail "F_SETLKW waiter did not get g within 10 s of the release: $(cat "$WAIT")"
wait $WAITER || fail "waiter: $(cat "$WAIT")"
echo "waiter granted $(( $(date +%s%3N) - t_rel )) ms (at most) after the release"
python3 - "$MNT2" <<'PY' || fail "second mount cannot take the released locks"
import fcntl, os, struct, sys
d = sys.argv[1]
f = os.open(os.path.join(d, "f"), os.O_RDWR)
g = os.open(os.path.join(d, "g"), os.O_RDWR)
h = os.open(os.path.join(d, "h"), os.O_RDWR)
fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
fcntl.lockf(g, fcntl.LOCK_EX | fcntl.LOCK_NB, 100, 100)
fcntl.fcntl(h, fcntl.F_OFD_SETLK, struct.pack("hhqqi", fcntl.F_WRLCK, 0, 0, 10, 0))
PY
e2e_pass
