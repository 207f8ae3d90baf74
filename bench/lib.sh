# shellcheck shell=bash
# bench/lib.sh: what the end-to-end bench scripts share. It gives them a
# scratch root, a cluster started with deploy/opendfs-local, and cleanup
# however the script ends. Source it, then:
#   bench_root NAME          -> $root = a fresh /var/tmp/opendfs-NAME.XXXXXX,
#                               removed (cluster stopped first) at exit
#   bench_on_exit 'CMD'      -> also run CMD at exit, before the cluster stops
#   bench_up ARGS...         -> opendfs-local up --root "$root" ARGS..., then
#                               the cluster's environment ($OPENDFS_METADS)
#   bench_cli                -> the opendfs CLI of this build (or on PATH)
# ODFS_BUILD_DIR picks another build, as for the tests.
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_exit_cmds=()

bench_cleanup() {
  local c
  for c in "${bench_exit_cmds[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
  if [ -n "${root:-}" ]; then
    "$src/deploy/opendfs-local" down --root "$root" >/dev/null 2>&1 || true
    rm -rf "$root"
  fi
}

bench_root() {
  root=$(mktemp -d "/var/tmp/opendfs-$1.XXXXXX")
  trap bench_cleanup EXIT
}

bench_on_exit() { bench_exit_cmds+=("$1"); }

bench_up() {
  "$src/deploy/opendfs-local" up --root "$root" "$@" >/dev/null
  # shellcheck disable=SC1091
  . "$root/cluster.env"
  export OPENDFS_METADS
}

bench_cli() {
  local cli=${ODFS_BUILD_DIR:-$src/build}/mount/opendfs
  [ -x "$cli" ] || cli=$(command -v opendfs)
  echo "$cli"
}
