#!/usr/bin/env bash
# Two mounts of one cluster see each other's closed files (close-to-open);
# a file unlinked while open stays readable until closed; a remount shows
# everything intact.
. "$(dirname "$0")/lib.sh"
e2e_up --set blk_sz=1MB

e2e_mount2 -o blk_sz=1MB

head -c 3000000 /dev/urandom > "$E2E_ROOT/f"
cp "$E2E_ROOT/f" "$MNT/shared"
check "mount 2 reads what mount 1 wrote" cmp "$E2E_ROOT/f" "$MNT2/shared"
echo "from two" > "$MNT2/other"
[ "$(cat "$MNT/other")" = "from two" ] || fail "mount 1 does not see mount 2's file"
# Overwrite in the middle from mount 2; mount 1 sees it after re-open.
printf 'XYZ' | dd of="$MNT2/shared" bs=1 seek=1048570 conv=notrunc status=none
python3 - "$MNT/shared" <<'PY' || fail "mount 1 does not see mount 2's overwrite"
import sys
with open(sys.argv[1], 'rb') as f:
    f.seek(1048570)
    assert f.read(3) == b'XYZ'
PY
rm "$MNT2/other"
[ ! -e "$MNT/other" ] || fail "unlink from mount 2 not seen by mount 1"

# Unlinked while open: still readable and writable through the open handle.
python3 - "$MNT/open-unlinked" <<'PY' || fail "unlinked-while-open file"
import os, sys
p = sys.argv[1]
with open(p, 'wb') as f:
    f.write(b'a' * 2500000)
fd = os.open(p, os.O_RDWR)
os.unlink(p)
assert not os.path.exists(p)
os.lseek(fd, 0, 0)
assert os.read(fd, 10) == b'a' * 10
os.lseek(fd, 2400000, 0)
os.write(fd, b'bbbb')
os.fsync(fd)
os.lseek(fd, 2400000, 0)
assert os.read(fd, 4) == b'bbbb'
os.close(fd)
PY

# Both mounts overwrite the same block at once: the block's write lock makes
# one wait for the other; no write fails and the result is one writer's bytes.
head -c 100000 /dev/zero > "$MNT/contended"
python3 - "$MNT/contended" "$MNT2/contended" <<'PY' || fail "concurrent writers to one block"
import os, sys, threading
errors = []
def writer(path, tag):
    for i in range(15):
        try:
            fd = os.open(path, os.O_WRONLY)
            os.pwrite(fd, tag * 5000, 1000)
            os.fsync(fd)
            os.close(fd)
        except OSError as e:
            errors.append(f"{path}: {e}")
ts = [threading.Thread(target=writer, args=(sys.argv[1], b"A")),
      threading.Thread(target=writer, args=(sys.argv[2], b"B"))]
[t.start() for t in ts]
[t.join() for t in ts]
assert not errors, errors[:3]
data = open(sys.argv[1], "rb").read()
assert len(data) == 100000
assert data[1000:6000] in (b"A" * 5000, b"B" * 5000), set(data[1000:6000])
assert data[:1000] == bytes(1000) and data[6000:] == bytes(94000)
PY

# Remount: everything intact.
check "umount" umount "$MNT"
check "remount" "$SRC/build/mount/opendfs-mount" "$OPENDFS_METADS" "$MNT" -o "blk_sz=1MB,error_log=$E2E_ROOT/mount.log"
python3 - "$E2E_ROOT/f" "$MNT/shared" <<'PY' || fail "content after remount"
import sys
want = bytearray(open(sys.argv[1], 'rb').read()); want[1048570:1048573] = b'XYZ'
assert open(sys.argv[2], 'rb').read() == bytes(want)
PY
e2e_pass
