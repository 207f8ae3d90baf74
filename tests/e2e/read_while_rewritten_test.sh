#!/bin/bash
# Unlocked reads of a block another mount is rewriting (issue 12; sqlite
# reads its database header without a lock): mount 1 rewrites a 32 KiB
# file (one block, one 64 KiB CRC chunk) in place in a loop, each round a
# new byte value over the whole file, fsync'd; mount 2 meanwhile opens,
# reads and closes it in a loop without any lock. Every read must succeed
# (no EIO while the block's write is open at metad, nor from a read that a
# rewrite tore between blockd's CRCs and its bytes) and return one whole
# version: 32 KiB of a single byte value. Fails when GetBlocks names only
# the version being written (no replica has reported it yet: "no live
# replica"), or a torn read is taken for corruption.
. "$(dirname "$0")/lib.sh"
e2e_up --metads 1
e2e_mount2
SECS=${ODFS_REWRITE_SECS:-8}
python3 - "$MNT/hdr" <<'PY' || fail "creating the file"
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
os.write(fd, b"\0" * 32768); os.fsync(fd); os.close(fd)
PY
# Writer: in place, whole file, fsync each round.
python3 - "$MNT/hdr" "$SECS" > "$E2E_ROOT/writer.out" 2>&1 <<'PY' & W=$!
import os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
end = time.monotonic() + float(sys.argv[2])
n = 0
while time.monotonic() < end:
    n += 1
    os.pwrite(fd, bytes([n % 251 + 1]) * 32768, 0)
    os.fsync(fd)
os.close(fd)
print(f"rewrites {n}")
PY
e2e_bg $W
# Reader on the other mount, no lock, until the writer is done.
python3 - "$MNT2/hdr" "$W" > "$E2E_ROOT/reader.out" 2>&1 <<'PY' & R=$!
import os, sys
path, writer = sys.argv[1], int(sys.argv[2])
reads = 0
seen = set()
errors = []
def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
while alive(writer) and len(errors) < 5:
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            data = os.pread(fd, 32768, 0)
        finally:
            os.close(fd)
    except OSError as e:
        errors.append(f"read {reads}: {e}")
        continue
    reads += 1
    if len(data) != 32768 or data.count(data[:1]) != len(data):
        errors.append(f"read {reads}: {len(data)} bytes, values {sorted(set(data))[:8]}: not one whole version")
        continue
    seen.add(data[0])
print(f"reads {reads}, versions seen {len(seen)}")
for e in errors:
    print(f"BAD {e}")
sys.exit(1 if errors else 0)
PY
e2e_bg $R
wait $W || fail "writer: $(cat "$E2E_ROOT/writer.out")"
rc=0; wait $R || rc=$?
cat "$E2E_ROOT/writer.out" "$E2E_ROOT/reader.out"
[ $rc -eq 0 ] || fail "unlocked reader on mount 2: $(grep BAD "$E2E_ROOT/reader.out" | head -3)"
versions=$(sed -n 's/.*versions seen \([0-9]*\).*/\1/p' "$E2E_ROOT/reader.out")
[ "${versions:-0}" -ge 3 ] || fail "the reader saw only $versions versions: it did not read while the file was rewritten"
e2e_pass
