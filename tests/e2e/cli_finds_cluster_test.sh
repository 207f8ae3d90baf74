#!/usr/bin/env bash
# The CLI finds its cluster with no flags, and opendfs-local tells about
# every process (issue 16 items 1 and 2, the papercuts of item 8):
#  - `opendfs-local up` writes /etc/opendfs/dfscli.conf; `opendfs cluster
#    status` and `opendfs ls /` then need no -c, -n or OPENDFS_METADS; `down`
#    removes the file (an existing one is put back at exit);
#  - run inside the mount, the CLI finds the cluster from the mount and takes
#    relative paths from the working directory;
#  - OPENDFS_METADS still wins over both;
#  - `opendfs-local status --json` lists every process with pid, address,
#    data dir and state, and a killed blockd shows as stopped;
#  - a failed `up` stops the daemons it had started (none left running);
#  - a cluster root and a mountpoint with spaces work;
#  - a daemon failing after it daemonized still says why on the terminal,
#    and every binary answers --version with the project's version.
. "$(dirname "$0")/lib.sh"

SYS_CONF=/etc/opendfs/dfscli.conf
BACKUP="$E2E_ROOT/dfscli.conf.saved"
[ -f "$SYS_CONF" ] && mv "$SYS_CONF" "$BACKUP"
restore_sys_conf() {
  rm -f "$SYS_CONF"
  [ -f "$BACKUP" ] && mv "$BACKUP" "$SYS_CONF"
  return 0
}
trap 'rc=$?; restore_sys_conf; (exit $rc); e2e_cleanup' EXIT

# A mountpoint with a space in it.
MNT="$E2E_ROOT/mount point"
e2e_up --metads 1 --cli-conf "$SYS_CONF"
unset OPENDFS_METADS
metads=$(sed -n 's/^OPENDFS_METADS=//p' "$E2E_ROOT/cluster.env")

# ---- no flags: /etc/opendfs/dfscli.conf ----
check "dfscli.conf written" grep -q "namenode_addr = \"$metads\"" "$SYS_CONF"
cd /
"$CLI" cluster status >/dev/null || fail "cluster status with no flags (from $SYS_CONF)"
mkdir -p "$MNT/a/b"
echo hello > "$MNT/a/b/f"
"$CLI" ls /a | grep -q "/a/b" || fail "ls /a with no flags"
echo "no flags: cluster found from $SYS_CONF"

# ---- inside the mount: the cluster and relative paths from it ----
# bash completion: commands, and remote paths asked of the cluster.
complete_words() {  # complete_words WORD... -> the completions of the last one
  (
    PATH="$(dirname "$CLI"):$PATH"
    . "$SRC/deploy/completion/opendfs"
    COMP_WORDS=(opendfs "$@"); COMP_CWORD=$#
    _opendfs
    printf '%s\n' "${COMPREPLY[@]}"
  )
}
complete_words cl | grep -qx cluster || fail "completion of 'cl'"
complete_words ls /a/ | grep -qx "/a/b/" || fail "completion of ls /a/: $(complete_words ls /a/)"
complete_words stat /a/b/ | grep -qx "/a/b/f" || fail "completion of stat /a/b/"
complete_words mkdir - | grep -qx -- "-p" || fail "completion of mkdir's flags"
echo "bash completion: commands, flags, remote paths"

mv "$SYS_CONF" "$E2E_ROOT/sys.conf.aside"
cd "$MNT/a"
"$CLI" ls | grep -q "/a/b" || fail "ls in \$MNT/a lists /a"
"$CLI" ls b | grep -q "/a/b/f" || fail "ls b in \$MNT/a lists /a/b"
echo "from local" > "$E2E_ROOT/local.txt"
"$CLI" put "$E2E_ROOT/local.txt" b/put.txt || fail "put to a relative path"
[ "$(cat "$MNT/a/b/put.txt")" = "from local" ] || fail "put landed elsewhere"
"$CLI" get ../a/b/f "$E2E_ROOT/got.txt" || fail "get from a relative path"
[ "$(cat "$E2E_ROOT/got.txt")" = "hello" ] || fail "get read the wrong file"
cd /
out=$("$CLI" ls / 2>&1) && fail "outside the mount with no config the CLI found a cluster: $out"
echo "$out" | grep -q "no cluster" || fail "no-cluster message: $out"
mv "$E2E_ROOT/sys.conf.aside" "$SYS_CONF"
echo "inside the mount: cluster and relative paths from the mount"

# ---- OPENDFS_METADS wins over the file and the mount ----
cd "$MNT"
if OPENDFS_METADS=127.0.0.1:1 timeout 60 "$CLI" ls / >/dev/null 2>&1; then
  fail "OPENDFS_METADS pointing nowhere was ignored"
fi
cd /

# ---- status --json: every process ----
json=$("$LOCAL" status --root "$E2E_ROOT" --json)
echo "$json" | python3 -c '
import json, os, sys
j = json.load(sys.stdin)
procs = {p["name"]: p for p in j["processes"]}
assert set(procs) == {"metad1", "blockd1", "blockd2", "blockd3", "mount"}, procs.keys()
for p in procs.values():
    assert p["state"] == "running", p
    assert p["pid"] and os.path.exists("/proc/%d" % p["pid"]), p
    assert p["address"], p
for n in ("metad1", "blockd1"):
    assert os.path.isdir(procs[n]["data_dir"]), procs[n]
assert procs["mount"]["address"].endswith("mount point"), procs["mount"]
assert j["reachable"] and len(j["cluster"]["blockds"]) == 3, j["cluster"]
' || fail "status --json: $json"
kill -9 "$(cat "$E2E_ROOT/blockd2/blockd.pid")"
sleep 0.5
"$LOCAL" status --root "$E2E_ROOT" --json | python3 -c '
import json, sys
procs = {p["name"]: p for p in json.load(sys.stdin)["processes"]}
assert procs["blockd2"]["state"] == "stopped" and procs["blockd2"]["pid"] is None, procs["blockd2"]
assert procs["blockd1"]["state"] == "running"
' || fail "status --json after killing blockd2"
echo "status --json: pids, addresses, data dirs, states"

# ---- down removes the dfscli.conf it wrote ----
"$LOCAL" down --root "$E2E_ROOT" >/dev/null
[ -e "$SYS_CONF" ] && fail "down left $SYS_CONF"
grep -q "fuse.opendfs" <(grep "$E2E_ROOT" /proc/mounts) && fail "down left the mount with a space"

# ---- a failed up stops what it started ----
BAD="$E2E_ROOT/bad root"
touch "$E2E_ROOT/not-a-dir"
if "$LOCAL" up --root "$BAD" --net "$E2E_NET" --metads 1 --blockds 2 --cli-conf none \
     --set "blockd.data_dir=$E2E_ROOT/not-a-dir/data" >"$E2E_ROOT/bad.log" 2>&1; then
  "$LOCAL" down --root "$BAD" >/dev/null 2>&1
  fail "up with a blockd data_dir under a file succeeded"
fi
grep -q "stopping the daemons" "$E2E_ROOT/bad.log" || fail "failed up did not say it cleans up: $(cat "$E2E_ROOT/bad.log")"
if [ -f "$BAD/metad1/metad.pid" ] && kill -0 "$(cat "$BAD/metad1/metad.pid")" 2>/dev/null; then
  kill -9 "$(cat "$BAD/metad1/metad.pid")"
  fail "a failed up left metad1 running"
fi
[ -f "$BAD/cluster.env" ] && fail "a failed up left $BAD/cluster.env"
echo "failed up: its metad stopped, nothing recorded"

# ---- start-up failures after the fork reach the terminal ----
sed -e "s|^server.editlog_dir = .*|server.editlog_dir = \"$E2E_ROOT/not-a-dir/editlog\";|" \
    -e "s|^server.pid_file = .*|server.pid_file = \"$E2E_ROOT/late.pid\";|" \
    "$BAD/metad1/namenode.conf" > "$E2E_ROOT/late.conf"
grep -q "daemon = ALLOW" "$E2E_ROOT/late.conf" || fail "late.conf does not daemonize"
if "$BUILD/metad/opendfs-metad" -c "$E2E_ROOT/late.conf" 2>"$E2E_ROOT/late.err"; then
  fail "metad with an editlog_dir under a file started"
fi
grep -q "opendfs-metad: .*editlog.*not-a-dir" "$E2E_ROOT/late.err" ||
  fail "metad's failure after the fork did not reach the terminal: $(cat "$E2E_ROOT/late.err")"
version=$(sed -n "s/^  version : '\(.*\)',/\1/p" "$SRC/meson.build")
for b in metad/opendfs-metad blockd/opendfs-blockd mount/opendfs-mount mount/opendfs; do
  "$BUILD/$b" --version | grep -q " $version" || fail "$b --version: $("$BUILD/$b" --version)"
  "$BUILD/$b" --help >/dev/null || fail "$b --help"
done
"$LOCAL" --version | grep -q " $version" || fail "opendfs-local --version: $("$LOCAL" --version)"
"$LOCAL" --help | grep -q "opendfs-local up" || fail "opendfs-local --help"
echo "start-up failure after the fork printed; --version $version everywhere"
e2e_pass
