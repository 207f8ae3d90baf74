#!/usr/bin/env bash
# The write protocol's step 3 (DESIGN §5) with real processes: 3 metads, 3
# blockds, 8 MB blocks (two 4 MiB pieces each), short leases.
#  a. A blockd is killed between the two pieces of a block: the client drops
#     it and commits with the other two. Restarted, it reports the block at
#     the committed version with half the data: the metad finds it stale
#     (left out of the acknowledged set), has it deleted, and copies the
#     block back onto it; every replica ends byte-identical.
#  b. A mount is SIGKILLed in the middle of an overwrite that extends a file
#     from 6 to 7.5 MiB, after one replica missed the second piece: when its session lease
#     expires the leader settles the block from the replicas — the longest
#     one becomes the authority, the others are stale — and the block ends
#     with 3 identical replicas of the authority; another mount then
#     overwrites the same block as usual.
#  c. The same with a leader change in between: the writer's mount and the
#     leader metad are killed together; the new leader, which never knew the
#     lock, settles the block one lease after it takes over.
. "$(dirname "$0")/lib.sh"
e2e_up --blockds 3 --set dn_timeout=3 --set session_timeout=3 --set heartbeat_interval=1 \
       --set blk_sz=8MB
PIECE=$((4 << 20))

# The data file of block `id` on blockd i.
replica_file() { find "$E2E_ROOT/blockd$1/data" -name "blk_$2" ! -name '*.*' | head -n 1; }
block_id() { "$CLI" fsck "$1" --blocks | sed -n "s/^  block $2 id \([0-9]*\) .*/\1/p"; }
# Waits until `cond` (a shell command) succeeds; fails with `what` after `secs`.
wait_for() {  # secs what cond...
  local secs=$1 what=$2
  local deadline=$((SECONDS + secs))
  shift 2
  until "$@"; do
    [ $SECONDS -lt $deadline ] || fail "$what within $secs s"
    sleep 0.1
  done
}
size_is() { [ -n "$(replica_file "$1" "$2")" ] && [ "$(stat -c %s "$(replica_file "$1" "$2")")" -ge "$3" ]; }
starts_with() {  # i block file: the replica's first 64 KiB are those of file
  local f
  f=$(replica_file "$1" "$2")
  [ -n "$f" ] && cmp -s -n 65536 "$f" "$3"
}
leader_log_has() { grep -q "$1" "$E2E_ROOT"/metad*/logs/error.log; }
replicas_identical() {  # block: the three replica files hold the same bytes
  cmp -s "$(replica_file 1 "$1")" "$(replica_file 2 "$1")" &&
    cmp -s "$(replica_file 1 "$1")" "$(replica_file 3 "$1")"
}
t_start=$SECONDS

# ---- a. a blockd misses the second piece of a block ----
head -c $((16 << 20)) /dev/urandom > "$E2E_ROOT/a.want"
python3 - "$MNT/a" "$E2E_ROOT/a.want" "$E2E_ROOT/a.go" <<'PY' &
import os, sys, time
dst, src, go = sys.argv[1:]
data = open(src, "rb").read()
fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.pwrite(fd, data[:4 << 20], 0)          # the first piece of block 0
while not os.path.exists(go):
    time.sleep(0.05)
os.pwrite(fd, data[4 << 20:], 4 << 20)    # the rest: blockd2 is gone by now
os.close(fd)
PY
writer=$!
e2e_bg "$writer"
wait_for 20 "the mount's file is not visible" test -e "$MNT/a"
b0=""
wait_for 20 "block 0 of /a has no id" eval 'b0=$(block_id /a 0); [ -n "$b0" ]'
wait_for 20 "blockd2 never got the first piece of block $b0" size_is 2 "$b0" $PIECE
e2e_kill blockd2
touch "$E2E_ROOT/a.go"
wait "$writer" || fail "writing /a with blockd2 killed"
cmp -s "$E2E_ROOT/a.want" "$MNT/a" || fail "/a reads back wrong right after the write"
half=$(stat -c %s "$(replica_file 2 "$b0")")
[ "$half" -lt $((8 << 20)) ] || fail "blockd2's replica of block $b0 is whole ($half bytes): it missed nothing"
echo "a: blockd2 killed after $half bytes of block $b0; /a written on the other two"

e2e_start blockd2
wait_blockd_state 2 live 20
wait_for 20 "the metad did not find blockd2's replica of block $b0 stale" \
  leader_log_has "stale replica block=$b0 on $(blockd_addr 2)"
wait_healthy 40
"$CLI" fsck /a --locations > "$E2E_ROOT/loc.out"
[ "$(grep -c ' good 3/3 ' "$E2E_ROOT/loc.out")" = 2 ] || { cat "$E2E_ROOT/loc.out"; fail "/a: not every block has 3 good replicas"; }
grep -q "$(blockd_addr 2) good" "$E2E_ROOT/loc.out" || fail "blockd2 holds no good replica of /a again"
grep -q "deleted block=$b0 " "$E2E_ROOT/blockd2/logs/error.log" || fail "blockd2 never deleted its stale replica of block $b0"
replicas_identical "$b0" || fail "the replicas of block $b0 differ after healing"
"$CLI" get /a "$E2E_ROOT/a.got" || fail "opendfs get /a"
cmp -s "$E2E_ROOT/a.want" "$E2E_ROOT/a.got" || fail "/a differs from what was written"
echo "a: the stale replica was deleted and block $b0 copied back: 3 identical replicas ($((SECONDS - t_start)) s)"

# ---- b. the writer dies in the middle of an overwrite ----
head -c $((6 << 20)) /dev/urandom > "$E2E_ROOT/b.old"
cp "$E2E_ROOT/b.old" "$MNT/b"
NEW=$((15 << 19))  # 7.5 MiB: short of the block's end, which would commit it
head -c $NEW /dev/urandom > "$E2E_ROOT/b.new"
wait_healthy 30
b=$(block_id /b 0)
[ -n "$b" ] || fail "/b has no block 0"

# A mount of our own in the foreground (its pid is the one to kill) at
# $E2E_ROOT/$1; sets $mount_pid.
expect_settled() {  # path block length: block 0 at version 2, 3 identical good replicas
  wait_healthy 40
  "$CLI" fsck "$1" --locations > "$E2E_ROOT/loc.out"
  grep -q "^  block 0 id $2 version 2 length $3 good 3/3" "$E2E_ROOT/loc.out" ||
    { cat "$E2E_ROOT/loc.out"; fail "block $2 is not settled at version 2 with $3 bytes and 3 good replicas"; }
  replicas_identical "$2" || fail "the replicas of block $2 differ after the settle"
}
start_mount() {
  mkdir -p "$E2E_ROOT/$1"
  EXTRA_MOUNTS+=("$E2E_ROOT/$1")
  "$BUILD/mount/opendfs-mount" "$OPENDFS_METADS" "$E2E_ROOT/$1" -f -o blk_sz=8MB \
    -o error_log="$E2E_ROOT/$1.log" &
  mount_pid=$!
  e2e_bg "$mount_pid"
  wait_for 20 "mount $1 did not come up" grep -q " $E2E_ROOT/$1 fuse" /proc/mounts
}
kill_mount() {  # name pid
  kill -9 "$2"
  wait "$2" 2>/dev/null || true
  umount -l "$E2E_ROOT/$1"
}

start_mount mnt2
MNT2="$E2E_ROOT/mnt2"
mount2=$mount_pid
python3 - "$MNT2/b" "$E2E_ROOT/b.new" "$E2E_ROOT/b.go" <<'PY' &
import os, sys, time
dst, src, go = sys.argv[1:]
data = open(src, "rb").read()
fd = os.open(dst, os.O_WRONLY)
os.pwrite(fd, data[:4 << 20], 0)          # piece 1: every replica
while not os.path.exists(go):
    time.sleep(0.05)
os.pwrite(fd, data[4 << 20:], 4 << 20)    # piece 2 (3.5 MiB, buffered) ...
os.pwrite(fd, data[:16], 0)               # ... sent now: this does not extend it
time.sleep(3600)                          # never closes: the mount dies first
PY
writer=$!
e2e_bg "$writer"
for i in 1 2 3; do
  wait_for 20 "blockd$i never got the first piece of the overwrite" starts_with "$i" "$b" "$E2E_ROOT/b.new"
done
e2e_kill blockd1
touch "$E2E_ROOT/b.go"
for i in 2 3; do
  wait_for 20 "blockd$i never got the second piece of the overwrite" size_is "$i" "$b" $NEW
done
sleep 0.3  # let the second piece land whole before its writer dies
kill_mount mnt2 "$mount2"
kill "$writer" 2>/dev/null || true
e2e_start blockd1
echo "b: mount killed mid-overwrite of block $b (blockd1 missed piece 2)"

# blockd2 and blockd3 hold 7.5 MiB at the new version, blockd1 6 MiB: blockd2,
# the longest with the smallest address, is the authority.
wait_for 30 "the leader did not settle block $b from blockd2" \
  leader_log_has "settling block=$b .* forward $(blockd_addr 2) length=$NEW"
expect_settled /b "$b" "$NEW"
cmp -s "$(replica_file 1 "$b")" "$E2E_ROOT/b.new" || fail "block $b does not hold the authority's bytes"
"$CLI" get /b "$E2E_ROOT/b.got" || fail "opendfs get /b"
cmp -s "$E2E_ROOT/b.new" "$E2E_ROOT/b.got" || fail "/b is not the settled overwrite"
echo "b: settled forward from blockd2; 3 identical replicas ($((SECONDS - t_start)) s)"

# Another mount writes the same block afterwards as usual.
python3 - "$MNT/b" "$E2E_ROOT/b.new" <<'PY' || fail "overwriting /b after the settle"
import os, sys
for path in sys.argv[1:]:
    fd = os.open(path, os.O_WRONLY)
    os.pwrite(fd, b"written after the settle", 1000)
    os.close(fd)
PY
"$CLI" get /b "$E2E_ROOT/b.got" || fail "opendfs get /b"
cmp -s "$E2E_ROOT/b.new" "$E2E_ROOT/b.got" || fail "/b differs after the second overwrite"
wait_healthy 30
echo "b: overwritten again from the first mount ($((SECONDS - t_start)) s)"

# ---- c. the writer and the leader die together ----
head -c $((6 << 20)) /dev/urandom > "$E2E_ROOT/c.want"
cp "$E2E_ROOT/c.want" "$MNT/c"
wait_healthy 30
c=$(block_id /c 0)
head -c $PIECE /dev/urandom > "$E2E_ROOT/c.piece"
start_mount mnt3
python3 - "$E2E_ROOT/mnt3/c" "$E2E_ROOT/c.piece" <<'PY' &
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY)
os.pwrite(fd, open(sys.argv[2], "rb").read(), 0)  # one piece, every replica
time.sleep(3600)
PY
writer=$!
e2e_bg "$writer"
for i in 1 2 3; do
  wait_for 20 "blockd$i never got the piece of the overwrite of /c" starts_with "$i" "$c" "$E2E_ROOT/c.piece"
done
old_leader=$(leader_addr)
kill_mount mnt3 "$mount_pid"
e2e_kill "metad$(metad_no "$old_leader")"
kill "$writer" 2>/dev/null || true
echo "c: mount and leader metad $old_leader killed mid-overwrite of block $c"
python3 - "$E2E_ROOT/c.want" "$E2E_ROOT/c.piece" <<'PY'
import sys
want, piece = sys.argv[1:]
data = bytearray(open(want, "rb").read())
data[:len(open(piece, "rb").read())] = open(piece, "rb").read()
open(want, "wb").write(data)
PY
# Every replica has the piece at the new version and the same length: the
# smallest address is the authority.
wait_for 40 "no new leader settled block $c" \
  leader_log_has "settling block=$c .* forward $(blockd_addr 1) length=$((6 << 20))"
expect_settled /c "$c" $((6 << 20))
"$CLI" get /c "$E2E_ROOT/c.got" || fail "opendfs get /c"
cmp -s "$E2E_ROOT/c.want" "$E2E_ROOT/c.got" || fail "/c is not the settled overwrite"
echo "c: the new leader settled block $c ($((SECONDS - t_start)) s in all)"
e2e_pass
