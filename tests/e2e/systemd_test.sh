#!/usr/bin/env bash
# systemd support, tested without systemd as PID 1 (a container has none):
#  1. `systemd-analyze verify` accepts every unit (deploy/systemd/*.in with the
#     paths filled in, pointing at this build's binaries) with no warning, and
#     rejects a broken copy (so the check can fail);
#  2. systemd-fstab-generator turns the documented fstab line into .mount and
#     .automount units that verify too;
#  3. sd_notify for real: sd_notify_check.py listens on a unix datagram socket
#     as systemd would ($NOTIFY_SOCKET) and starts metad (-f, as the unit
#     does), blockd (no -f, daemon = ALLOW: must not fork under systemd) and a
#     mount, each on configs made from deploy/etc/*.sample; READY=1 must come
#     only once the ports accept connections (the mount: once mounted), and
#     SIGTERM must give STOPPING=1 and exit 0;
#  4. meanwhile the fstab line's options (_netdev, nofail, x-systemd.*) pass
#     the mount helper deploy/mount.fuse.opendfs and the mount works.
. "$(dirname "$0")/lib.sh"
command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze (apt-get install systemd)"; exit 77; }
[ "$(ps -p 1 -o comm=)" = systemd ] && echo "note: systemd is PID 1 here; the test still does not use it"

# --- 1. unit files -----------------------------------------------------------
U="$E2E_ROOT/units"
mkdir -p "$U/bin" "$U/etc/opendfs"
ln -s "$BUILD/metad/opendfs-metad" "$BUILD/blockd/opendfs-blockd" "$BUILD/mount/opendfs-mount" "$U/bin/"
for f in "$SRC"/deploy/systemd/*.service.in; do
  sed -e "s|@bindir@|$U/bin|g" -e "s|@sysconfdir@|$U/etc|g" "$f" > "$U/$(basename "$f" .in)"
done
# Every @var@ of the templates is filled in by deploy/meson.build.
for f in "$BUILD"/deploy/opendfs-{metad,blockd,mount}@.service; do
  [ -f "$f" ] || fail "meson did not generate $f"
  ! grep -q '@[a-z]*@' "$f" || fail "$f: unsubstituted $(grep -o '@[a-z]*@' "$f" | head -n 1)"
done

# verify_clean DIR UNIT...: exit 0 and not one line of complaint.
verify_clean() {
  local dir=$1 out; shift
  out=$(cd "$dir" && systemd-analyze verify "$@" 2>&1) || { echo "$out"; return 1; }
  [ -z "$out" ] || { echo "$out"; return 1; }
}
check "systemd-analyze verify" verify_clean "$U" ./opendfs-metad@namenode.service \
  ./opendfs-blockd@datanode.service "./$(systemd-escape -p --template=opendfs-mount@.service /mnt/opendfs)"
echo "ok: systemd-analyze verify: the three units are clean"
B="$E2E_ROOT/broken"
mkdir -p "$B"
sed 's/^Type=notify/Type=notfy/' "$U/opendfs-metad@.service" > "$B/opendfs-metad@.service"
! verify_clean "$B" ./opendfs-metad@namenode.service >/dev/null || fail "verify_clean accepts a broken unit"
sed 's|^ExecStart=[^ ]*|ExecStart=/nonexistent/opendfs-metad|' "$U/opendfs-metad@.service" > "$B/opendfs-metad@.service"
! verify_clean "$B" ./opendfs-metad@namenode.service >/dev/null || fail "verify_clean accepts a missing binary"

# --- 2. the fstab line -------------------------------------------------------
FSMNT="$E2E_ROOT/fsmnt"
CLICONF="$E2E_ROOT/etc/dfscli.conf"
FSTAB_OPTS="config=$CLICONF,_netdev,nofail,x-systemd.automount,x-systemd.mount-timeout=30,allow_other"
echo "opendfs $FSMNT fuse.opendfs $FSTAB_OPTS 0 0" > "$E2E_ROOT/fstab"
gen=/lib/systemd/system-generators/systemd-fstab-generator
if [ -x "$gen" ]; then
  G="$E2E_ROOT/gen"
  mkdir -p "$G"
  check "fstab generator" env SYSTEMD_FSTAB="$E2E_ROOT/fstab" SYSTEMD_PROC_CMDLINE="" "$gen" "$G" "$G" "$G"
  unit=$(systemd-escape -p --suffix=mount "$FSMNT")
  auto=$(systemd-escape -p --suffix=automount "$FSMNT")
  [ -f "$G/$unit" ] && [ -f "$G/$auto" ] || fail "generator made no $unit + $auto: $(ls "$G")"
  grep -q '^Type=fuse.opendfs' "$G/$unit" || fail "$unit: no Type=fuse.opendfs"
  grep -q "^Options=.*allow_other" "$G/$unit" || fail "$unit: options lost"
  ls "$G"/remote-fs.target.wants/"$auto" >/dev/null 2>&1 ||
    fail "_netdev,x-systemd.automount: $auto not wanted by remote-fs.target (nofail: wants, not requires)"
  check "systemd-analyze verify (fstab units)" verify_clean "$G" "./$unit" "./$auto"
  echo "ok: fstab line -> $unit + $auto (remote-fs.target), both verify"
else
  echo "note: no $gen; fstab units not generated"
fi

# --- 3. sd_notify, on the sample configs -------------------------------------
V="$E2E_ROOT/var"
A="127.$E2E_NET.1.1"
mkdir -p "$E2E_ROOT/etc" "$V/metad/editlog" "$V/metad/fsimage" "$V/blockd"
for s in namenode datanode dfscli; do
  sed -e "s|127\.0\.0\.1|$A|g" -e "s|/var/lib/opendfs|$V|g" "$SRC/deploy/etc/$s.conf.sample" \
    > "$E2E_ROOT/etc/$s.conf"
done
M="$E2E_ROOT/mnt-notify"
mkdir -p "$M" "$FSMNT"
EXTRA_MOUNTS+=("$M" "$FSMNT")

# --- 4. (run while the daemons are up) the helper takes the fstab options ----
H="$E2E_ROOT/sbin"
mkdir -p "$H"
cp "$SRC/deploy/mount.fuse.opendfs" "$H/"
ln -s "$BUILD/mount/opendfs-mount" "$H/opendfs-mount"
cat > "$E2E_ROOT/during.sh" <<DURING
#!/usr/bin/env bash
set -eu
# As mount(8) calls it for the fstab line.
"$H/mount.fuse.opendfs" opendfs "$FSMNT" -o "$FSTAB_OPTS,error_log=$E2E_ROOT/fsmnt.log" || { echo "FAIL: helper refused the fstab options"; exit 1; }
mountpoint -q "$FSMNT" || { echo "FAIL: helper did not mount"; exit 1; }
echo via-fstab > "$FSMNT/f"
[ "\$(cat "$M/f")" = via-fstab ] || { echo "FAIL: fstab mount and notify mount disagree"; exit 1; }
umount "$FSMNT"
echo "ok: mount.fuse.opendfs accepts $FSTAB_OPTS"
DURING
chmod +x "$E2E_ROOT/during.sh"

python3 - "$E2E_ROOT/spec.json" <<PY
import json, sys
e = "$E2E_ROOT/etc"
json.dump({"daemons": [
    {"name": "metad", "cmd": ["$BUILD/metad/opendfs-metad", "-f", "-c", e + "/namenode.conf"],
     "ports": ["$A:8000", "$A:8001"]},
    {"name": "blockd", "cmd": ["$BUILD/blockd/opendfs-blockd", "-c", e + "/datanode.conf"],
     "ports": ["$A:8100"]},
    {"name": "mount", "cmd": ["$BUILD/mount/opendfs-mount", "-f", "opendfs", "$M",
                              "-o", "config=" + e + "/dfscli.conf,allow_other"],
     "mounts": ["$M"]},
  ], "during": ["$E2E_ROOT/during.sh"]}, open(sys.argv[1], "w"))
PY
check "sd_notify" python3 "$SRC/tests/e2e/sd_notify_check.py" "$E2E_ROOT/spec.json"
e2e_pass
