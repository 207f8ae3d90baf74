#!/bin/bash
# A writer's block lock across a metad leader change (issue 12): block
# write locks are leader memory, so the new leader finds the write open in
# the namespace but no lock, and one session lease after it takes over it
# settles the block — unless the writer, alive, re-asserted its lock on its
# new session (as it re-asserts flock/fcntl locks). Then a commit however
# late succeeds.
#
# Mount 1 overwrites a committed file in the middle of its block (the first
# piece sent: the block is locked and at a new version), then stalls; the
# leader is SIGKILLed; the writer waits more than two leases after the new
# leader serves, then fsyncs: no EIO, the data reads back from mount 2, and
# no metad settled the block.
. "$(dirname "$0")/lib.sh"
LEASE_S=4
e2e_up --metads 3 --set session_timeout=$LEASE_S
e2e_mount2
head -c 1048576 /dev/urandom > "$E2E_ROOT/base"
cp "$E2E_ROOT/base" "$MNT/f"
sleep $((LEASE_S / 2 + 1))  # past the first leader's grace period

STATE="$E2E_ROOT/writer.state"; : > "$STATE"
python3 - "$MNT/f" "$STATE" <<'PY' & W=$!
import os, sys, time
path, state = sys.argv[1], sys.argv[2]
def say(line):
    with open(state, "a") as f:
        f.write(line + "\n")
fd = os.open(path, os.O_RDWR)
os.pwrite(fd, b"A" * 65536, 0)
# Not contiguous with the first: the first is sent as a piece now, which
# locks block 0 at metad and moves it to a new version.
os.pwrite(fd, b"B" * 65536, 524288)
say("mid")
while not os.path.exists(state + ".go"):
    time.sleep(0.1)
try:
    os.fsync(fd)
    os.close(fd)
except OSError as e:
    say(f"ERR {e}")
    sys.exit(1)
say("committed")
PY
e2e_bg $W
for _ in $(seq 100); do grep -q mid "$STATE" && break; sleep 0.1; done
grep -q mid "$STATE" || fail "writer did not start: $(cat "$STATE")"
sleep 1

old=$(leader_addr) || fail "no leader"
n=$(metad_no "$old")
e2e_kill "metad$n"
new=""
for _ in $(seq 200); do
  new=$(leader_addr 2>/dev/null) && [ -n "$new" ] && [ "$new" != "$old" ] && break
  new=""; sleep 0.1
done
[ -n "$new" ] || fail "no new leader after killing metad$n"
echo "killed metad$n ($old); $new leads"
# The new leader settles orphaned writes one lease after it serves: stall
# well past that before committing.
sleep $((2 * LEASE_S + 2))
touch "$STATE.go"
rc=0; wait $W || rc=$?
cat "$STATE"
[ $rc -eq 0 ] || fail "late commit after the failover: $(grep ERR "$STATE")"
python3 - "$E2E_ROOT/base" "$MNT2/f" <<'PY' || fail "data after the late commit, read from mount 2"
import sys
want = bytearray(open(sys.argv[1], "rb").read())
want[0:65536] = b"A" * 65536
want[524288:589824] = b"B" * 65536
got = open(sys.argv[2], "rb").read()
if got != bytes(want):
    diff = next(i for i in range(min(len(got), len(want))) if got[i] != want[i]) if len(got) == len(want) else -1
    sys.exit(f"{len(got)} bytes, first difference at {diff}")
PY
if grep -h "settling block" "$E2E_ROOT"/metad*/logs/*.log 2>/dev/null; then
  fail "a metad settled the block while its writer was alive"
fi
grep -q "re-asserted 1 of 1 open block writes" "$E2E_ROOT"/mount.log ||
  fail "mount 1 did not re-assert its block write: $(grep -i assert "$E2E_ROOT"/mount.log | tail -3)"
e2e_pass
