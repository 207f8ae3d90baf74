#!/usr/bin/env bash
# Seeded random-operation integrity check (issue 12 §1): write, pwrite past
# the end, truncate up and down, mmap read and write, read, fsync, reopen and
# reads through a second mount, on files of several 256 KiB blocks, every
# read compared with a shadow copy on local disk (tests/e2e/random_ops.py).
# A mismatch prints the seed and the operations before it.
#   ODFS_RANDOM_OPS_SEEDS=N   seeds 1..N (default 4)
#   ODFS_RANDOM_OPS_OPS=K     operations per seed (default 2000)
#   ODFS_RANDOM_OPS_SEED=S    one seed only (replay)
. "$(dirname "$0")/lib.sh"
BS=262144
e2e_up --set blk_sz=256KB

e2e_mount2 -o blk_sz=256KB

ops=${ODFS_RANDOM_OPS_OPS:-2000}
if [ -n "${ODFS_RANDOM_OPS_SEED:-}" ]; then
  seeds=$ODFS_RANDOM_OPS_SEED
else
  seeds=$(seq "${ODFS_RANDOM_OPS_SEEDS:-4}")
fi
start=$(now_ms)
total=0
for seed in $seeds; do
  mkdir -p "$MNT/s$seed"
  python3 "$SRC/tests/e2e/random_ops.py" --seed "$seed" --ops "$ops" \
    --mount "$MNT/s$seed" --mount2 "$MNT2/s$seed" --shadow "$E2E_ROOT/shadow$seed" \
    --block-size $BS || fail "random ops, seed $seed (replay: ODFS_RANDOM_OPS_SEED=$seed)"
  total=$((total + ops))
done
ms=$(( $(now_ms) - start ))
echo "random ops: $total ops in $ms ms ($(( total * 1000 / (ms + 1) )) ops/s)"
e2e_pass
