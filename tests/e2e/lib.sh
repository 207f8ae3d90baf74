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

e2e_cleanup() {
  local rc=$?
  set +e
  for m in "${EXTRA_MOUNTS[@]+"${EXTRA_MOUNTS[@]}"}"; do
    grep -q " $m fuse" /proc/mounts && { umount "$m" 2>/dev/null || umount -l "$m"; }
  done
  "$LOCAL" down --root "$E2E_ROOT" >/dev/null 2>&1
  grep -q " $MNT fuse" /proc/mounts && umount -l "$MNT"
  if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
    echo "---- logs ($E2E_ROOT) ----"
    tail -n 30 "$E2E_ROOT"/*/logs/error.log 2>/dev/null
  fi
  rm -rf "$E2E_ROOT"
  exit $rc
}
trap e2e_cleanup EXIT
trap 'exit 143' TERM INT

fail() { echo "FAIL: $*" >&2; exit 1; }
check() { local what=$1; shift; "$@" || fail "$what: '$*' failed"; }

e2e_up() {
  "$LOCAL" up --root "$E2E_ROOT" --mount "$MNT" --net "$E2E_NET" "$@" >"$E2E_ROOT/up.log" 2>&1 ||
    { cat "$E2E_ROOT/up.log"; fail "opendfs-local up"; }
  export OPENDFS_METADS
  OPENDFS_METADS=$(sed -n 's/^OPENDFS_METADS=//p' "$E2E_ROOT/cluster.env")
}

e2e_pass() { echo "PASS: $(basename "$0")"; }
