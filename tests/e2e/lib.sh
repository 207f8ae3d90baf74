# Shared by the end-to-end tests: start a real cluster with opendfs-local on
# loopback, mount it, and tear everything down on exit — even when the test
# fails or is killed by meson's timeout (SIGTERM).
#
#   . "$(dirname "$0")/lib.sh"
#   e2e_up [--blockds N] [--set key=value ...]     # mounts at $MNT
#   ... assertions using check / fail ...
#   e2e_pass
#
# Skips (exit 77) when not root or /dev/fuse is missing.
set -euo pipefail

SRC=${ODFS_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LOCAL="$SRC/deploy/opendfs-local"
BUILD=${ODFS_BUILD_DIR:-$SRC/build}
CLI="$BUILD/mount/opendfs"
[ -x "$CLI" ] || CLI=$(command -v opendfs || echo opendfs)

if [ "$(id -u)" -ne 0 ] || [ ! -e /dev/fuse ]; then
  echo "SKIP: needs root and /dev/fuse"
  exit 77
fi

E2E_ROOT=$(mktemp -d /var/tmp/opendfs-e2e.XXXXXX)
# A loopback block of our own (127.X.0.0/16), away from a quickstart cluster
# and from daemons of an earlier run that may still be exiting: the first
# candidate where nothing answers on the metad and blockd ports.
E2E_NET=""
for _ in $(seq 100); do
  n=$((100 + RANDOM % 150))
  if ! (exec 3<>"/dev/tcp/127.$n.1.1/8000") 2>/dev/null &&
     ! (exec 3<>"/dev/tcp/127.$n.2.1/8100") 2>/dev/null; then
    E2E_NET=$n
    break
  fi
done
[ -n "$E2E_NET" ] || { echo "FAIL: no free loopback block for the test cluster"; exit 1; }
MNT="$E2E_ROOT/mnt"
EXTRA_MOUNTS=()
BG_PIDS=()  # background helpers (writers, extra daemons) stopped at exit: e2e_bg PID
e2e_bg() { BG_PIDS+=("$1"); }

e2e_cleanup() {
  local rc=$?
  set +e
  for p in "${BG_PIDS[@]+"${BG_PIDS[@]}"}"; do kill "$p" 2>/dev/null; done
  for m in "${EXTRA_MOUNTS[@]+"${EXTRA_MOUNTS[@]}"}"; do
    grep -q " $m fuse" /proc/mounts && { umount "$m" 2>/dev/null || umount -l "$m"; }
  done
  "$LOCAL" down --root "$E2E_ROOT" >/dev/null 2>&1
  grep -q " $MNT fuse" /proc/mounts && umount -l "$MNT"
  if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
    echo "---- logs ($E2E_ROOT) ----"
    tail -n 30 "$E2E_ROOT"/*/logs/error.log "$E2E_ROOT"/mount*.log 2>/dev/null
  fi
  rm -rf "$E2E_ROOT"
  exit $rc
}
trap e2e_cleanup EXIT
trap 'exit 143' TERM INT

fail() { echo "FAIL: $*" >&2; exit 1; }
check() { local what=$1; shift; "$@" || fail "$what: '$*' failed"; }

e2e_up() {
  "$LOCAL" up --root "$E2E_ROOT" --mount "$MNT" --net "$E2E_NET" --cli-conf "$E2E_ROOT/dfscli.conf" "$@" \
    >"$E2E_ROOT/up.log" 2>&1 ||
    { cat "$E2E_ROOT/up.log"; fail "opendfs-local up"; }
  export OPENDFS_METADS
  OPENDFS_METADS=$(sed -n 's/^OPENDFS_METADS=//p' "$E2E_ROOT/cluster.env")
}

e2e_pass() { echo "PASS: $(basename "$0")"; }

# A second mount of the test cluster at $MNT2 (unmounted at exit): e2e_mount2 [-o opts]
e2e_mount2() {
  MNT2="$E2E_ROOT/mnt2"
  mkdir -p "$MNT2"
  EXTRA_MOUNTS+=("$MNT2")
  check "second mount" "$SRC/build/mount/opendfs-mount" "$OPENDFS_METADS" "$MNT2" \
    -o "error_log=$E2E_ROOT/mount2.log" "$@"
}

# ---- cluster helpers (after e2e_up) ----
blockd_addr() { echo "127.$E2E_NET.2.$1:8100"; }
status_json() { "$CLI" cluster status --json; }
# The serving leader with the highest ballot (a deposed leader that has not
# heard of its successor yet may still claim to serve for a moment).
leader_addr() {
  status_json | python3 -c '
import json, sys
ls = [m for m in json.load(sys.stdin)["metads"] if m["is_leader"]]
key = lambda m: tuple(int(x) for x in m["ballot"].split("."))
print(max(ls, key=key)["address"])'
}
# 127.X.1.N:port -> N (the metadN directory under $E2E_ROOT).
metad_no() { echo "$1" | sed -E 's/^127\.[0-9]+\.1\.([0-9]+):.*/\1/'; }
# SIGKILLs a daemon (blockd3, metad1) and waits until it is gone or a zombie.
e2e_kill() {
  local pid
  pid=$(cat "$E2E_ROOT/$1/"*.pid) || fail "no pid file for $1"
  kill -9 "$pid"
  while [ -r "/proc/$pid/stat" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; do
    sleep 0.01
  done
  rm -f "$E2E_ROOT/$1/"*.pid
}
e2e_start() { "$LOCAL" start "$1" --root "$E2E_ROOT" >/dev/null || fail "restart $1"; }
# The state the leader gives blockd i: live, dead, decommissioning, drained.
blockd_state() {
  "$CLI" cluster status --json | python3 -c '
import json, sys
for b in json.load(sys.stdin)["blockds"]:
    if b["address"] == sys.argv[1]:
        print("drained" if b["drained"] else b["state"])' "$(blockd_addr "$1")"
}
wait_blockd_state() {  # i state timeout_s
  local deadline=$((SECONDS + $3))
  while [ $SECONDS -lt $deadline ]; do
    [ "$(blockd_state "$1")" = "$2" ] && return 0
    sleep 0.2
  done
  fail "blockd$1 not $2 within $3 s (is $(blockd_state "$1"))"
}
# One number from the summary of `opendfs fsck`: fsck_count "Healthy blocks".
fsck_count() { sed -n "s/^ $1: *\([0-9]*\).*/\1/p" "$E2E_ROOT/fsck.out"; }
# Waits until fsck reports every block with exactly its goal of good replicas
# and no corrupt replica left; prints the last fsck when it times out.
wait_healthy() {  # timeout_s
  local deadline=$((SECONDS + $1))
  while [ $SECONDS -lt $deadline ]; do
    if "$CLI" fsck / > "$E2E_ROOT/fsck.out" 2>&1 &&
       [ "$(fsck_count "Healthy blocks")" = "$(fsck_count Blocks)" ] &&
       [ "$(fsck_count "Corrupt replicas")" = 0 ] &&
       [ "$(fsck_count "Blocks being written")" = 0 ]; then
      return 0
    fi
    sleep 0.3
  done
  cat "$E2E_ROOT/fsck.out"
  "$CLI" cluster status
  fail "replication not healthy within $1 s"
}
now_ms() { date +%s%3N; }
