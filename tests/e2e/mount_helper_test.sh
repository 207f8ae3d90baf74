#!/usr/bin/env bash
# mount -t fuse.opendfs and an fstab line work through util-linux.
. "$(dirname "$0")/lib.sh"
e2e_up
first=${OPENDFS_METADS%%,*}
helper=/sbin/mount.fuse.opendfs
[ -x "$helper" ] || { echo "SKIP: $helper not installed (meson install -C build)"; exit 77; }

M="$E2E_ROOT/m"
mkdir -p "$M"
EXTRA_MOUNTS+=("$M")
check "mount -t" mount -t fuse.opendfs "$first" "$M" -o blk_rep=2
mountpoint -q "$M" || fail "not mounted"
grep -q " $M fuse.opendfs " /proc/mounts || fail "/proc/mounts does not show fuse.opendfs"
echo x > "$M/via-helper"
[ "$(cat "$MNT/via-helper")" = x ] || fail "file written through helper mount not seen"
# No error_log: a mount in the background logs to /var/log/opendfs (its
# stderr is /dev/null), the file named after the mountpoint.
default_log="/var/log/opendfs/mount-$(echo "${M#/}" | tr / -).log"
trap 'rm -f "$default_log"; e2e_cleanup' EXIT
grep -q "mount: serving" "$default_log" || fail "no default mount log at $default_log"
check "umount" umount "$M"

# fstab: a private fstab via --fstab (util-linux >= 2.33) so the machine's is untouched.
tab="$E2E_ROOT/fstab"
echo "$first $M fuse.opendfs defaults,_netdev 0 0" > "$tab"
check "mount via fstab" mount --fstab "$tab" "$M"
[ "$(cat "$M/via-helper")" = x ] || fail "fstab mount shows other content"
check "umount fstab mount" umount "$M"
e2e_pass
