#!/usr/bin/env bash
# End-to-end figures of a real OpenDFS mount (deploy/opendfs-local: 3 metads,
# 3 blockds, 3 replicas) next to a plain local directory on the same disk, in
# the same run (issue 7's measurements):
#   - fio sequential write and read of a file (buffered, 1 MiB blocks, end_fsync=1)
#   - small files: create + write 1 KiB + close, then stat each
#   - cp -a /usr/include
# Usage: bench/e2e_bench.sh [SIZE_MB (default 1024)] [FILES (default 2000)]
# Needs root, /dev/fuse and fio. Prints "figure local opendfs ratio".
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
size_mb=${1:-1024}
files=${2:-2000}
bench_root bench
mnt="$root/mnt"
localdir="$root/local"
mkdir -p "$localdir"
bench_up --mount "$mnt" --net 200 --set blk_rep=3

now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.3f}')"; }

fio_rate() {  # dir rw -> MiB/s
  fio --name=seq --directory="$1" --filename=fio.dat --rw="$2" --bs=1M --size="${size_mb}M" \
      --ioengine=psync --end_fsync=1 --output-format=json 2>/dev/null |
    python3 -c "import json,sys; j=json.load(sys.stdin)['jobs'][0]; k='$2'.replace('write','write').replace('read','read'); print(f\"{j['write' if 'write' in k else 'read']['bw']/1024:.1f}\")"
}

small_files() {  # dir -> "creates/s stats/s"
  local d="$1/small" t0 t1 t2
  mkdir -p "$d"
  t0=$(now)
  python3 - "$d" "$files" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
data = b'x' * 1024
for i in range(n):
    fd = os.open(f"{d}/f{i}", os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
    os.write(fd, data)
    os.close(fd)
PY
  t1=$(now)
  python3 - "$d" "$files" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    os.stat(f"{d}/f{i}")
PY
  t2=$(now)
  python3 -c "print(f'{$files/($t1-$t0):.0f} {$files/($t2-$t1):.0f}')"
}

cp_tree() {  # dir -> seconds
  local t0 t1
  t0=$(now); cp -a /usr/include "$1/include"; sync; t1=$(now)
  secs "$t0" "$t1"
}

ratio() { python3 -c "print(f'{$2/$1:.2f}' if $1 else '-')"; }

printf '%-28s %12s %12s %8s\n' figure local opendfs ratio
for rw in write read; do
  l=$(fio_rate "$localdir" "$rw"); sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
  o=$(fio_rate "$mnt" "$rw"); sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
  printf '%-28s %12s %12s %8s\n' "seq $rw MiB/s (${size_mb} MiB)" "$l" "$o" "$(ratio "$l" "$o")"
done
read -r lc ls < <(small_files "$localdir")
read -r oc os < <(small_files "$mnt")
printf '%-28s %12s %12s %8s\n' "create 1KiB files/s" "$lc" "$oc" "$(ratio "$lc" "$oc")"
printf '%-28s %12s %12s %8s\n' "stat files/s" "$ls" "$os" "$(ratio "$ls" "$os")"
l=$(cp_tree "$localdir"); o=$(cp_tree "$mnt")
printf '%-28s %12s %12s %8s\n' "cp -a /usr/include s" "$l" "$o" "$(ratio "$l" "$o")"
