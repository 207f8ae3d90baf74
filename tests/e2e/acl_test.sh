#!/usr/bin/env bash
# POSIX ACLs on a real mount (issue 12 item 2), each step run the same on
# the mount and on a scratch directory of the local ext4 disk (mounted with
# acl), with the results compared:
#  - setfacl -m u:4321:rw on a 0600 file lets uid 4321 read and write it,
#    the mask limits it (m::r), named group entries grant to members only;
#  - a directory's default ACL is inherited by new files and directories
#    (and their subdirectories), the umask ignored;
#  - chmod rewrites the mask; setfacl -b drops the ACL;
#  - getfacl -R of the tree equals ext4's;
#  - cp -a and rsync -A into the mount and back keep every ACL;
#  - a second mount, and a fresh mount after a metad restart, see them.
. "$(dirname "$0")/lib.sh"
command -v setfacl >/dev/null && command -v rsync >/dev/null ||
  fail "needs the acl and rsync packages (deploy/install-deps.sh)"
e2e_up --metads 1 --set blk_sz=1MB
chmod 755 "$E2E_ROOT"
REF="$E2E_ROOT/ref"  # /var/tmp: the local disk
mkdir -p "$REF"
chmod 755 "$REF"
setfacl -m u:4321:r "$REF" 2>/dev/null && setfacl -b "$REF" ||
  fail "the local disk under $E2E_ROOT has no ACL support: nothing to compare with"

as_other() { setpriv --reuid=4321 --regid=4321 --clear-groups "$@"; }
as_member() { setpriv --reuid=4321 --regid=4321 --groups=4322 "$@"; }
can() {  # can WHO read|write FILE -> prints yes/no
  local who=$1 op=$2 f=$3
  if [ "$op" = read ]; then
    $who cat "$f" >/dev/null 2>&1 && echo yes || echo no
  else
    $who sh -c 'echo more >> "$1"' sh "$f" 2>/dev/null && echo yes || echo no
  fi
}
# getfacl -R of a tree, entries sorted by path (readdir orders differ).
acls_of() {
  (cd "$1" && getfacl -R -p . 2>&1) | python3 -c '
import sys
blocks = [b.strip() for b in sys.stdin.read().split("\n\n") if b.strip()]
print("\n\n".join(sorted(blocks)))'
}
same_acls() {  # what dirA dirB
  diff <(acls_of "$2") <(acls_of "$3") > "$E2E_ROOT/acl.diff" ||
    { cat "$E2E_ROOT/acl.diff"; fail "$1: getfacl differs"; }
}

# The scenario, run in $1 (ext4 or the mount); prints what uid 4321 could do.
scenario() {
  local d=$1/t
  mkdir "$d" && chmod 755 "$d"
  echo secret > "$d/f" && chmod 600 "$d/f"
  echo "f before: $(can as_other read "$d/f") $(can as_other write "$d/f")"
  setfacl -m u:4321:rw "$d/f"
  echo "f u:4321:rw: $(can as_other read "$d/f") $(can as_other write "$d/f") mode=$(stat -c %a "$d/f")"
  setfacl -m m::r "$d/f"
  echo "f m::r: $(can as_other read "$d/f") $(can as_other write "$d/f") mode=$(stat -c %a "$d/f")"
  chmod 660 "$d/f"
  echo "f chmod 660: $(can as_other read "$d/f") $(can as_other write "$d/f")"
  chmod 640 "$d/f"
  echo "f chmod 640: $(can as_other read "$d/f") $(can as_other write "$d/f")"
  echo data > "$d/g" && chmod 600 "$d/g"
  setfacl -m g:4322:rw "$d/g"
  echo "g g:4322:rw: member $(can as_member read "$d/g") $(can as_member write "$d/g")" \
       "non-member $(can as_other read "$d/g")"
  echo data > "$d/b" && setfacl -m u:4321:rwx,g:4322:r "$d/b" && setfacl -b "$d/b"
  echo "b setfacl -b: mode=$(stat -c %a "$d/b") $(can as_other read "$d/b")"
  # Default ACL: inherited, umask ignored.
  mkdir "$d/dd" && chmod 750 "$d/dd"
  setfacl -d -m u:4321:rwx,g:4322:rx,o::- "$d/dd"
  setfacl -m u:4321:rx "$d/dd"
  (umask 077
   echo x > "$d/dd/file"
   mkdir "$d/dd/sub"
   mkdir "$d/dd/sub/deeper"
   echo y > "$d/dd/sub/f2"
   mkfifo "$d/dd/fifo"
   ln -s file "$d/dd/link")
  echo "dd/file: mode=$(stat -c %a "$d/dd/file") $(can as_other read "$d/dd/file") $(can as_other write "$d/dd/file")"
  echo "dd/sub/f2: mode=$(stat -c %a "$d/dd/sub/f2") $(can as_other write "$d/dd/sub/f2")"
  echo "dd/sub/deeper: mode=$(stat -c %a "$d/dd/sub/deeper")"
  # Without a default ACL the umask applies.
  (umask 027; echo z > "$d/plain"; mkdir "$d/plaindir")
  echo "umask: $(stat -c %a "$d/plain") $(stat -c %a "$d/plaindir")"
  # Only the owner (or root) may change an ACL.
  echo mine > "$d/owned" && chown 4321:4321 "$d/owned" && chmod 600 "$d/owned"
  as_other setfacl -m u:4323:r "$d/owned" && echo "owner setfacl: ok" || echo "owner setfacl: refused"
  as_member setfacl -m u:4323:r "$d/g" 2>/dev/null && echo "stranger setfacl: ok" ||
    echo "stranger setfacl: refused"
  setfacl -d -m u:4321:r "$d/f" 2>/dev/null && echo "default on a file: ok" ||
    echo "default on a file: refused"
}

scenario "$REF" > "$E2E_ROOT/ref.out" 2>&1
scenario "$MNT" > "$E2E_ROOT/mnt.out" 2>&1
cat "$E2E_ROOT/mnt.out"
diff "$E2E_ROOT/ref.out" "$E2E_ROOT/mnt.out" ||
  fail "the mount answers differently from ext4 (< ext4, > mount)"
# Not just "the same as ext4": the behaviours themselves.
grep -qx "f before: no no" "$E2E_ROOT/mnt.out" || fail "0600 file readable by others"
grep -qx "f u:4321:rw: yes yes mode=660" "$E2E_ROOT/mnt.out" || fail "named user entry"
grep -qx "f m::r: yes no mode=640" "$E2E_ROOT/mnt.out" || fail "mask"
grep -qx "g g:4322:rw: member yes yes non-member no" "$E2E_ROOT/mnt.out" || fail "named group"
grep -qx "dd/file: mode=660 yes yes" "$E2E_ROOT/mnt.out" || fail "default ACL inheritance"
grep -qx "dd/sub/deeper: mode=770" "$E2E_ROOT/mnt.out" || fail "default ACL: umask 077 applied to a subdirectory"
grep -qx "umask: 640 750" "$E2E_ROOT/mnt.out" || fail "umask without a default ACL"
getfacl -p "$MNT/t/f" | grep -qx "user:4321:rw-.*#effective:r--" || fail "getfacl of the mask"
same_acls "getfacl -R, mount vs ext4" "$REF/t" "$MNT/t"
echo "acl: $(grep -c . "$E2E_ROOT/mnt.out") checks answer as ext4 does; getfacl -R equal"

# metad enforces them too: the CLI (no kernel in between) gets the same
# answers, and what it creates inherits the default ACL.
as_other "$CLI" get /t/f - >/dev/null 2>&1 || fail "CLI: named user cannot read /t/f"
as_other "$CLI" get /t/g - >/dev/null 2>&1 && fail "CLI: non-member reads /t/g"
as_member "$CLI" get /t/g - >/dev/null 2>&1 || fail "CLI: named group member cannot read /t/g"
echo c | "$CLI" put - /t/dd/cli >/dev/null
getfacl -p "$MNT/t/dd/cli" | grep -qx "user:4321:rwx.*" || fail "CLI: create did not inherit the default ACL"
rm "$MNT/t/dd/cli"
echo "acl: metad enforces and inherits them for the CLI too"

# A second mount sees them.
e2e_mount2 -o blk_sz=1MB,allow_other
same_acls "second mount" "$REF/t" "$MNT2/t"
[ "$(can as_other read "$MNT2/t/f")" = yes ] || fail "second mount: named user cannot read"
# A change through one mount reaches the other's cached ACL within
# attr_timeout (1 s), as a chmod does.
setfacl -m u:4321:- "$MNT/t/f"
[ "$(can as_other read "$MNT/t/f")" = no ] || fail "this mount: revoked entry still reads"
sleep 1.5
[ "$(can as_other read "$MNT2/t/f")" = no ] || fail "second mount: revoked entry still reads after 1.5 s"
getfacl -p "$MNT2/t/f" | grep -qx "user:4321:---" || fail "second mount: getfacl shows the old ACL"
setfacl -m u:4321:rw,m::r "$MNT/t/f"  # as it was

# cp -a and rsync -A, in and out.
cp -a "$REF/t" "$MNT/cp"
same_acls "cp -a into the mount" "$REF/t" "$MNT/cp"
cp -a "$MNT/cp" "$E2E_ROOT/cpback"
same_acls "cp -a out of the mount" "$REF/t" "$E2E_ROOT/cpback"
rsync -aA "$REF/t/" "$MNT/rs/"
same_acls "rsync -A into the mount" "$REF/t" "$MNT/rs"
rsync -aA "$MNT/rs/" "$E2E_ROOT/rsback/"
same_acls "rsync -A out of the mount" "$REF/t" "$E2E_ROOT/rsback"
echo "acl: cp -a and rsync -A round trip every ACL"

# A metad restart keeps them (seen through a fresh mount: no kernel cache).
e2e_kill metad1
e2e_start metad1
deadline=$((SECONDS + 30))
until "$CLI" stat /t >/dev/null 2>&1; do
  [ $SECONDS -lt $deadline ] || fail "metad1 did not come back within 30 s"
  sleep 0.2
done
MNT3="$E2E_ROOT/mnt3"
mkdir -p "$MNT3"
EXTRA_MOUNTS+=("$MNT3")
check "third mount" "$BUILD/mount/opendfs-mount" "$OPENDFS_METADS" "$MNT3" -o "allow_other,error_log=$E2E_ROOT/mount3.log"
same_acls "after a metad restart" "$REF/t" "$MNT3/t"
[ "$(can as_other write "$MNT3/t/dd/file")" = yes ] || fail "after restart: inherited ACL not enforced"
echo "acl: a metad restart keeps every ACL"

e2e_pass
