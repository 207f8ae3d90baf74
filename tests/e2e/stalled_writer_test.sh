#!/usr/bin/env bash
# Nothing waits behind someone else's network wait (issue 12 §5): while a
# writer on mount 1 waits for a block lock that mount 2 holds, stat, ls and
# reads of other files on mount 1 answer at once; the writer completes when
# the lock is released and both writes are in the file.
. "$(dirname "$0")/lib.sh"
e2e_up --set blk_sz=1MB

e2e_mount2 -o blk_sz=1MB

head -c 300000 /dev/zero > "$MNT/f"
echo other > "$MNT/other"

# Mount 2 takes block 0's write lock (a piece sent, no commit) and holds it
# until $E2E_ROOT/release appears.
python3 - "$MNT2/f" "$E2E_ROOT" <<'PY' &
import os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
os.pwrite(fd, b'H', 10)
os.pwrite(fd, b'H', 200000)   # not contiguous: the first piece goes out, the lock is taken
open(os.path.join(sys.argv[2], 'held'), 'w').close()
while not os.path.exists(os.path.join(sys.argv[2], 'release')):
    time.sleep(0.05)
os.close(fd)
PY
holder=$!
e2e_bg $holder
for _ in $(seq 200); do [ -e "$E2E_ROOT/held" ] && break; sleep 0.05; done
[ -e "$E2E_ROOT/held" ] || fail "mount 2 did not take the lock"

# Mount 1's writer: its fsync waits for the lock (the FileWriter's mutex is
# held across those retries).
python3 - "$MNT/f" "$E2E_ROOT" <<'PY' &
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
os.pwrite(fd, b'W', 20)
os.fsync(fd)
os.close(fd)
open(os.path.join(sys.argv[2], 'written'), 'w').close()
PY
writer=$!
e2e_bg $writer
sleep 1.5
[ ! -e "$E2E_ROOT/written" ] || fail "the writer did not wait for mount 2's lock"

# Metadata of the file being written, and other files, answer meanwhile.
t0=$(now_ms)
check "stat while the writer waits" timeout 5 stat "$MNT/f" >/dev/null
check "ls while the writer waits" timeout 5 ls -l "$MNT" >/dev/null
[ "$(timeout 5 cat "$MNT/other")" = other ] || fail "read of another file while the writer waits"
size=$(timeout 5 stat -c %s "$MNT/f") || fail "stat -c %s"
[ "$size" = 300000 ] || fail "size while the writer waits: $size"
t1=$(now_ms)
[ ! -e "$E2E_ROOT/written" ] || fail "the writer finished before the checks were done: nothing was shown"
echo "stat/ls/read while a writer waits for a lock: $((t1 - t0)) ms"

touch "$E2E_ROOT/release"
wait $holder || fail "holder failed"
for _ in $(seq 600); do [ -e "$E2E_ROOT/written" ] && break; sleep 0.05; done
[ -e "$E2E_ROOT/written" ] || fail "the writer did not finish after the lock was released"
wait $writer || fail "writer failed"
python3 - "$MNT/f" <<'PY' || fail "both writes in the file"
import sys
d = open(sys.argv[1], 'rb').read()
assert len(d) == 300000, len(d)
assert d[10:11] == b'H' and d[200000:200001] == b'H' and d[20:21] == b'W', (d[10:11], d[20:21], d[200000:200001])
PY
e2e_pass
