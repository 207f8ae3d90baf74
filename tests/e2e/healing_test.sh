#!/usr/bin/env bash
# Self-healing with real processes (issue 6): 3 metads, blockds with a short
# dn_timeout, 1 MiB blocks, replication 3.
#  1. A 4th blockd joins, one blockd is SIGKILLed: every block is back to 3
#     good replicas (time printed); it restarts: the extra replicas are
#     trimmed back to 3.
#  2. Bytes flipped inside a replica's block file: reads return the right
#     data, the scanner reports it, the replica is replaced, fsck ends clean.
#  3. Two of the three blockds holding a block are killed: reads work from
#     the third; the block heals as far as capacity allows and fully once
#     they return.
# Every file is read back byte-identical after each step (opendfs get, past
# the kernel page cache).
. "$(dirname "$0")/lib.sh"
e2e_up --blockds 3 --set dn_timeout=3 --set blk_sz=1MB --set scan_interval=1 --set scan_rate=256MB

mkdir -p "$MNT/data"
python3 - "$MNT/data" "$E2E_ROOT/want" <<'PY'
import os, random, sys
d, want = sys.argv[1], sys.argv[2]
os.makedirs(want)
rng = random.Random(6)
for i, size in enumerate([2_500_000, 1_048_576, 3_000_001, 700_000, 5, 0, 4096]):
    data = rng.randbytes(size)
    for where in (d, want):
        with open(os.path.join(where, f"f{i}"), "wb") as f:
            f.write(data)
PY
verify_all() {
  local f
  for f in "$E2E_ROOT"/want/*; do
    "$CLI" get "/data/$(basename "$f")" "$E2E_ROOT/got" || fail "$1: reading /data/$(basename "$f")"
    cmp -s "$f" "$E2E_ROOT/got" || fail "$1: /data/$(basename "$f") differs from what was written"
  done
}
wait_healthy 30
blocks=$(fsck_count Blocks)
echo "written: $(fsck_count Files) files, $blocks blocks"

# ---- 1. a blockd dies; a new one takes its replicas ----
"$LOCAL" add-blockd --root "$E2E_ROOT" --set dn_timeout=3 --set scan_interval=1 --set scan_rate=256MB >/dev/null
wait_blockd_state 4 live 20
t0=$(now_ms)
e2e_kill blockd1
wait_blockd_state 1 dead 20
t_dead=$(now_ms)
wait_healthy 60
t_healed=$(now_ms)
echo "blockd1 killed: declared dead after $((t_dead - t0)) ms; $blocks blocks back to 3 replicas $((t_healed - t_dead)) ms later"
verify_all "after blockd1 died"
"$CLI" fsck / --locations | grep -q "$(blockd_addr 1)" && fail "a dead blockd is still listed as a holder"

# While it is away, part of f0 is overwritten: the copy blockd1 keeps of
# that block is now stale.
python3 - "$MNT/data/f0" "$E2E_ROOT/want/f0" <<'PY'
import sys
for path in sys.argv[1:]:
    with open(path, "r+b") as f:
        f.seek(1_100_000)
        f.write(b"overwritten while blockd1 was dead")
PY

# It comes back: its replicas are extra now and get trimmed to the goal,
# and its stale one is deleted.
e2e_start blockd1
wait_blockd_state 1 live 20
wait_healthy 60
replicas=$(sed -n 's/^ Blocks: *[0-9]* (\([0-9]*\) replicas)/\1/p' "$E2E_ROOT/fsck.out")
[ "$replicas" = $((blocks * 3)) ] || fail "after blockd1 returned: $replicas replicas for $blocks blocks"
echo "blockd1 returned: trimmed back to $replicas replicas"
verify_all "after blockd1 returned"

# ---- 2. flipped bytes in one replica ----
victim=$(find "$E2E_ROOT/blockd2/data" -name 'blk_*' ! -name '*.*' -size +500k | head -n 1)
[ -n "$victim" ] || fail "no block file of 500 KiB+ on blockd2"
python3 - "$victim" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(300_000)
    b = bytearray(f.read(16))
    f.seek(300_000)
    f.write(bytes(x ^ 0xFF for x in b))
PY
echo "flipped 16 bytes of $(basename "$victim") on blockd2"
verify_all "with a corrupt replica"
deadline=$((SECONDS + 30))
until grep -q "corrupt replica block=$(basename "$victim" | sed 's/blk_//')" "$E2E_ROOT/blockd2/logs/error.log"; do
  [ $SECONDS -lt $deadline ] || fail "blockd2's scanner did not find the flipped bytes within 30 s"
  sleep 0.2
done
wait_healthy 60
verify_all "after the corrupt replica was replaced"
echo "corrupt replica replaced; fsck clean"

# ---- 3. two of a block's three holders die ----
"$CLI" fsck /data/f2 --locations > "$E2E_ROOT/loc.out"
block_line=$(grep -m1 '^  block 0 ' "$E2E_ROOT/loc.out")
holders=$(echo "$block_line" | grep -o "127\.$E2E_NET\.2\.[0-9]*:8100 good" | sed -E 's/127\.[0-9]+\.2\.([0-9]+):8100 good/\1/')
[ "$(echo "$holders" | wc -l)" -eq 3 ] || fail "block 0 of /data/f2: expected 3 good holders: $block_line"
kill_a=$(echo "$holders" | sed -n 1p)
kill_b=$(echo "$holders" | sed -n 2p)
e2e_kill "blockd$kill_a"
e2e_kill "blockd$kill_b"
verify_all "with two holders of a block down"
wait_blockd_state "$kill_a" dead 20
wait_blockd_state "$kill_b" dead 20
# Two blockds left for goal 3: every block gets to 2 good replicas.
deadline=$((SECONDS + 60))
until "$CLI" fsck /data/f2 --locations > "$E2E_ROOT/loc.out" &&
      ! grep -q '^  block .* good [01]/3' "$E2E_ROOT/loc.out"; do
  [ $SECONDS -lt $deadline ] || { cat "$E2E_ROOT/loc.out"; fail "blocks of /data/f2 did not reach 2 replicas on the 2 live blockds"; }
  sleep 0.3
done
verify_all "with two blockds down"
e2e_start "blockd$kill_a"
e2e_start "blockd$kill_b"
wait_healthy 60
verify_all "after capacity returned"
echo "two holders killed: readable throughout, healed when they returned"

# ---- 4. a block with no replica left ----
mkdir "$MNT/single"
"$CLI" setrep /single 1 >/dev/null || fail "setrep /single 1"
head -c 200000 /dev/urandom > "$E2E_ROOT/lost"
cp "$E2E_ROOT/lost" "$MNT/single/lost"
wait_healthy 30
holder=$("$CLI" fsck /single/lost --locations | grep -o "127\.$E2E_NET\.2\.[0-9]*:8100 good" |
         sed -E 's/127\.[0-9]+\.2\.([0-9]+):8100 good/\1/')
[ -n "$holder" ] || fail "no holder of /single/lost"
e2e_kill "blockd$holder"
wait_blockd_state "$holder" dead 20
cat "$MNT/single/lost" > /dev/null 2> "$E2E_ROOT/err" && fail "reading a file whose only replica is gone succeeded"
grep -q "Input/output error" "$E2E_ROOT/err" || fail "reading a lost block: expected EIO, got: $(cat "$E2E_ROOT/err")"
"$CLI" fsck / > "$E2E_ROOT/fsck.out" 2>&1 && fail "fsck exited 0 with a block missing"
grep -q "^/single/lost: block 0 .*MISSING" "$E2E_ROOT/fsck.out" || { cat "$E2E_ROOT/fsck.out"; fail "fsck does not name the file with the missing block"; }
grep -q "^Status: MISSING DATA" "$E2E_ROOT/fsck.out" || fail "fsck status line"
echo "lost block: read fails with EIO, fsck names /single/lost and exits 1"
e2e_start "blockd$holder"
wait_healthy 60
cmp -s "$E2E_ROOT/lost" "$MNT/single/lost" || fail "/single/lost differs after its blockd returned"
e2e_pass
