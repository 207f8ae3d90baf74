#!/usr/bin/env bash
# Write-back directory leases (docs/write-back.md), two mounts of one cluster:
#  - ops in a directory mount A leases are batched (the leader's
#    opendfs_metad_flush_batch_ops histogram counts batches of more than one
#    op), and what A made is seen by B at once (recall; close-to-open);
#  - A builds a tree (mkdir/symlink/rename/unlink, as tar and rm -rf do)
#    while B lists, stats, renames into and deletes from it; at the end both
#    show identical listings (find -printf with sizes and modes) and fsck is
#    clean;
#  - late error: A makes entries in a leased directory, B (root) removes the
#    directory meanwhile; A's fsync of the directory reports the refusal;
#  - a SIGKILLed mount with an unflushed batch: what was fsynced is there,
#    the rest is there whole or absent, fsck clean.
. "$(dirname "$0")/lib.sh"
# A new leader grants no lease for one session lease: keep it short.
e2e_up --set blk_sz=1MB --set session_timeout=3 --set meta_flush_ms=5000
e2e_mount2 -o blk_sz=1MB

metad_batches() {  # FlushBatch calls seen by the leader with more than one op
  local url="http://$(leader_addr | sed 's/:8000$/:9100/')/metrics"
  curl -s "$url" | python3 -c '
import sys
le1 = total = 0
for line in sys.stdin:
    if line.startswith("opendfs_metad_flush_batch_ops_bucket") and "le=\"1\"" in line:
        le1 = float(line.split()[-1])
    if line.startswith("opendfs_metad_flush_batch_ops_count"):
        total = float(line.split()[-1])
print(int(total - le1))'
}

# ---- batched, and seen at once by the other mount ----
mkdir "$MNT/wb"
sleep 4  # the leader's grace (one session lease)
before=$(metad_batches)
for i in $(seq 1 20); do mkdir "$MNT/wb/d$i"; done
for i in $(seq 1 20); do ln -s "target$i" "$MNT/wb/d$i/link"; done
mv "$MNT/wb/d1/link" "$MNT/wb/d1/moved"
mkdir "$MNT/wb/gone"
rmdir "$MNT/wb/gone"
rm "$MNT/wb/d20/link"
rmdir "$MNT/wb/d20"
# B sees A's changes at once (A's lease is recalled).
[ -L "$MNT2/wb/d1/moved" ] || fail "B does not see A's rename"
[ ! -e "$MNT2/wb/d20" ] || fail "B still sees A's removed directory"
[ "$(ls "$MNT2/wb" | wc -l)" = 19 ] || fail "B lists $(ls "$MNT2/wb" | wc -l) entries, want 19"
after=$(metad_batches)
[ "$after" -gt "$before" ] || fail "no batch of several ops reached the leader ($before -> $after)"

# ---- two mounts on one tree ----
mkdir "$MNT/tree"
(
  for i in $(seq 1 30); do
    mkdir -p "$MNT/tree/a$i/b"
    echo "file $i" > "$MNT/tree/a$i/b/f"
    ln -s "../b/f" "$MNT/tree/a$i/l"
    chmod 0750 "$MNT/tree/a$i/b"
  done
) &
writer=$!
for i in $(seq 1 30); do
  ls -la "$MNT2/tree" >/dev/null 2>&1 || true
  stat "$MNT2/tree/a$i" >/dev/null 2>&1 || true
  mkdir -p "$MNT2/tree/from-b$i" 2>/dev/null || true
  mv "$MNT2/tree/from-b$i" "$MNT2/tree/a1/" 2>/dev/null || true
  rm -rf "$MNT2/tree/a$((i / 2))/l" 2>/dev/null || true
done
wait "$writer" || fail "the writer on A failed"
sync -f "$MNT/tree" 2>/dev/null || true
(cd "$MNT/tree" && find . -printf '%p %y %m %s\n' | sort) > "$E2E_ROOT/a.txt"
(cd "$MNT2/tree" && find . -printf '%p %y %m %s\n' | sort) > "$E2E_ROOT/b.txt"
diff "$E2E_ROOT/a.txt" "$E2E_ROOT/b.txt" >&2 || fail "the two mounts see different trees"
[ "$(wc -l < "$E2E_ROOT/a.txt")" -gt 90 ] || fail "tree too small: $(wc -l < "$E2E_ROOT/a.txt")"

# ---- late error ----
# A holds the lease on "late" with a mkdir buffered, then stops answering
# (SIGSTOP) for longer than a session lease: the leader revokes the lease and
# lets B remove the directory. When A runs again its flush is refused on
# apply, and A's fsync of the directory says so.
mkdir "$MNT/late"
sleep 0.5
a_pid=$(pgrep -f "opendfs-mount [^ ]* $MNT -o" | head -1)
[ -n "$a_pid" ] || fail "no pid for the mount at $MNT"
python3 - "$MNT/late" "$MNT2/late" "$a_pid" <<'PY' || fail "late error not reported"
import errno, os, signal, subprocess, sys, time
a, b, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.mkdir(os.path.join(a, "x0"))         # takes the lease
fd = os.open(a, os.O_RDONLY | os.O_DIRECTORY)
os.fsync(fd)
os.mkdir(os.path.join(a, "x"))          # buffered (meta_flush_ms is long)
os.kill(pid, signal.SIGSTOP)
try:
    subprocess.run(["rm", "-rf", b], check=True, timeout=60)
finally:
    os.kill(pid, signal.SIGCONT)
time.sleep(0.5)
try:
    os.fsync(fd)
except OSError as e:
    assert e.errno in (errno.ENOENT, errno.ESTALE), e
    sys.exit(0)
sys.exit("the refused mkdir was not reported by fsync")
PY
grep -q "refused by the leader" "$E2E_ROOT/mount.log" || fail "the late error was not logged"

# ---- SIGKILL with an unflushed batch ----
mkdir "$MNT/kill"
python3 - "$MNT/kill" <<'PY' || fail "before the kill"
import os, sys
d = sys.argv[1]
os.mkdir(os.path.join(d, "synced"))
os.symlink("t", os.path.join(d, "synced", "s"))
fd = os.open(os.path.join(d, "synced"), os.O_RDONLY | os.O_DIRECTORY)
os.fsync(fd)                               # durable from here
os.close(fd)
for i in range(50):
    os.mkdir(os.path.join(d, "maybe%d" % i))  # buffered: there whole or absent
PY
kill -9 "$(pgrep -f "opendfs-mount [^ ]* $MNT2 -o" | head -1)" 2>/dev/null || true
pid=$(pgrep -f "opendfs-mount [^ ]* $MNT -o" | head -1)
[ -n "$pid" ] && kill -9 "$pid"
umount -l "$MNT" 2>/dev/null || true
umount -l "$MNT2" 2>/dev/null || true
sleep 1
e2e_mount2 -o blk_sz=1MB
[ -L "$MNT2/kill/synced/s" ] || fail "an fsynced symlink was lost"
for p in "$MNT2"/kill/maybe*; do
  [ -e "$p" ] || continue
  [ -d "$p" ] || fail "$p is there but not a directory"
done
"$CLI" fsck / > "$E2E_ROOT/fsck.out" 2>&1 || { cat "$E2E_ROOT/fsck.out"; fail "fsck not clean"; }
echo "PASS"
