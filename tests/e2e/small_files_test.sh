#!/usr/bin/env bash
# Small files kept inline (DESIGN §5): files up to inline_max live in their
# metadata record — no block, no blockd traffic — and move to blocks when they
# grow. The same operations run on a local directory and on the mount, and
# the two trees must stay identical: after writes, overwrites in place, sparse
# writes, truncates, growth past inline_max, a second mount's writes, the CLI,
# and a restart of every metad (editlog + fsimage + Paxos replay).
. "$(dirname "$0")/lib.sh"
e2e_up --set blk_sz=1MB --set inline_max=4096 --set checkpoint_num=40

LOC="$E2E_ROOT/local"
mkdir -p "$LOC"
both() {  # both 'shell command using $D' : run it with D=local dir, D=mount
  D="$LOC" bash -c "$1" || fail "local: $1"
  D="$MNT" bash -c "$1" || fail "mount: $1"
}
same() { diff -r "$LOC" "$MNT" >/dev/null || { diff -r "$LOC" "$MNT" | head; fail "trees differ: $1"; }; }
blocks() { "$CLI" fsck / > "$E2E_ROOT/fsck.out" 2>&1 || true; fsck_count Blocks; }

# 150 small files (0..4096 bytes) and 10 just past inline_max.
mkdir -p "$E2E_ROOT/src"
python3 - "$E2E_ROOT/src" <<'PY'
import os, random, sys
random.seed(7)
for i in range(150):
    open(f"{sys.argv[1]}/s{i}", "wb").write(os.urandom(random.randint(0, 4096)))
for i in range(10):
    open(f"{sys.argv[1]}/b{i}", "wb").write(os.urandom(random.randint(4097, 9000)))
PY
both 'cp -r '"$E2E_ROOT"'/src "$D/"'
same "copied files"
[ "$(blocks)" = 10 ] || { cat "$E2E_ROOT/fsck.out"; fail "expected 10 blocks (only the files past inline_max)"; }
[ "$(stat -c %b "$MNT/src/s1")" -gt 0 ] || fail "an inline file reports no allocated blocks"

# In-place overwrites, sparse writes, truncates, appends that stay small.
both 'printf XYZ | dd of="$D/src/s3" bs=1 seek=10 conv=notrunc status=none'
both 'python3 -c "
import os, sys
fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR, 0o644)
os.pwrite(fd, b\"tail\", 3000); os.pwrite(fd, b\"head\", 0); os.close(fd)" "$D/sparse"'
both 'truncate -s 100 "$D/src/s4"; truncate -s 3000 "$D/src/s5"; truncate -s 0 "$D/src/s6"'
both 'printf more >> "$D/src/s7"'
same "overwrites, sparse files, truncates"
[ "$(blocks)" = 10 ] || fail "small edits created blocks"

# Growing past inline_max moves the data to block 0, then appends go on.
both 'head -c 20000 '"$E2E_ROOT"'/src/b0 >> "$D/src/s8"'
both 'truncate -s 2000000 "$D/src/s9"; printf end >> "$D/src/s9"'
both 'python3 -c "
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
os.pwrite(fd, b\"far\", 1500000); os.close(fd)" "$D/src/s10"'
same "files grown past inline_max"
[ "$(blocks)" = 15 ] || { cat "$E2E_ROOT/fsck.out"; fail "expected 15 blocks after growth (s8; s9 and s10: block 0 and 1)"; }

# A second mount reads and grows what the first wrote.
MNT2="$E2E_ROOT/mnt2"
mkdir -p "$MNT2"
EXTRA_MOUNTS+=("$MNT2")
# allow_other: the non-owner checks below go through this mount.
check "second mount" "$SRC/build/mount/opendfs-mount" "$OPENDFS_METADS" "$MNT2" -o "blk_sz=1MB,allow_other,error_log=$E2E_ROOT/mount2.log"
chmod 755 "$E2E_ROOT"
check "mount 2 reads an inline file" cmp "$LOC/src/s11" "$MNT2/src/s11"
head -c 5000 /dev/urandom > "$E2E_ROOT/grow"
cat "$E2E_ROOT/grow" >> "$LOC/src/s11"
cat "$E2E_ROOT/grow" >> "$MNT2/src/s11"
check "mount 1 sees mount 2's growth" cmp "$LOC/src/s11" "$MNT/src/s11"

# The CLI's put and get take the same path.
head -c 777 /dev/urandom > "$E2E_ROOT/tiny"
check "put a small file" "$CLI" put "$E2E_ROOT/tiny" /tiny
check "get it back" "$CLI" get /tiny "$E2E_ROOT/tiny.back"
check "put/get round trip" cmp "$E2E_ROOT/tiny" "$E2E_ROOT/tiny.back"
cp "$E2E_ROOT/tiny" "$LOC/tiny"

# tar and cp -a set each small file's times while its data is staged: one
# commit carries both. Times, modes and bytes must come out exact.
mkdir "$MNT/untar" "$MNT/cpa"
tar cf - -C "$E2E_ROOT" src | tar xf - -C "$MNT/untar" || fail "untar onto the mount"
cp -a "$E2E_ROOT/src" "$MNT/cpa/" || fail "cp -a onto the mount"
# listing DIR TIMEFMT: files with mtime, mode, size (tar keeps whole seconds).
listing() { (cd "$1" && find . -type f -printf "%P %$2 %m %s\n" | sort); }
for d in untar:Ts cpa:T@; do
  fmt=${d#*:} d=${d%:*}
  diff <(listing "$E2E_ROOT/src" "$fmt") <(listing "$MNT/$d/src" "$fmt") >/dev/null ||
    { diff <(listing "$E2E_ROOT/src" "$fmt") <(listing "$MNT/$d/src" "$fmt") | head; fail "$d: times, modes or sizes differ"; }
  diff -r "$E2E_ROOT/src" "$MNT/$d/src" >/dev/null || fail "$d: contents differ"
done
rm -rf "$MNT/untar" "$MNT/cpa"
# Explicit times need ownership even when folded into the data commit: a
# non-owner that may write gets EPERM for the times, and its data is kept
# (through the allow_other mount). A chmod by a non-owner, even to the
# current mode, is refused.
printf old > "$MNT/shared-w"
chmod 666 "$MNT/shared-w"
as_other() { setpriv --reuid=4321 --regid=4321 --clear-groups "$@"; }
as_other cat "$MNT2/shared-w" >/dev/null || fail "the non-owner cannot read through the allow_other mount"
as_other chmod 666 "$MNT2/shared-w" 2>/dev/null && fail "chmod by a non-owner succeeded"
as_other /usr/bin/python3 - "$MNT2/shared-w" <<'PY' || fail "non-owner futimens"
import errno, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_TRUNC)
os.write(fd, b"new data")
try:
    os.utime(fd, (1000000000, 1000000000))
    sys.exit("futimens with explicit times by a non-owner succeeded")
except PermissionError:
    pass
os.close(fd)
PY
[ "$(cat "$MNT/shared-w")" = "new data" ] || fail "non-owner's data lost: $(cat "$MNT/shared-w")"
[ "$(stat -c %Y "$MNT/shared-w")" != 1000000000 ] || fail "non-owner set the mtime"
rm "$MNT/shared-w"

# Every metad restarts from its own disk: inline data comes back from the
# fsimage (checkpoint_num=40 has written several) and the editlog after it.
for i in 1 2 3; do e2e_kill "metad$i"; done
for i in 1 2 3; do e2e_start "metad$i"; done
deadline=$((SECONDS + 30))
until ls "$MNT/src" >/dev/null 2>&1 && diff -r "$LOC" "$MNT" >/dev/null 2>&1; do
  [ $SECONDS -lt $deadline ] || { diff -r "$LOC" "$MNT" | head; fail "tree not intact after restarting every metad"; }
  sleep 0.5
done
check "inline data read through the second mount after the restart" cmp "$LOC/src/s12" "$MNT2/src/s12"
e2e_pass
