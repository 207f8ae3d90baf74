#!/bin/bash
# An inode another mount removed is ESTALE, not ENOENT (issue 12, as NFS):
# mount 2 caches names for a minute (entry_timeout=60); mount 1 replaces a
# file that mount 2 has looked up (unlink + create under the same name, or
# rename over it). Opening the name on mount 2 then reaches the daemon with
# the old inode; ESTALE makes the kernel look the path up again and the open
# finds the new file. Answered ENOENT, `cat` failed (sqlite: "unable to
# open database file" on a -journal the other mount had recreated).
. "$(dirname "$0")/lib.sh"
e2e_up --metads 1
e2e_mount2 -o entry_timeout=60,attr_timeout=60
echo one > "$MNT/f"
[ "$(cat "$MNT2/f")" = one ] || fail "mount 2 does not read f"
# cat's close reaches metad as an asynchronous RELEASE; until it does, metad
# keeps an unlinked f for that handle (open-unlinked files stay readable).
settle() { sleep 0.5; }
settle
rm "$MNT/f"; echo two > "$MNT/f"
got=$(cat "$MNT2/f" 2>&1) || fail "open on mount 2 after mount 1 replaced f: $got"
[ "$got" = two ] || fail "mount 2 read '$got' after mount 1 replaced f, want two"
echo three > "$MNT/g"; [ "$(cat "$MNT2/f")" = two ] || fail "f changed"
settle
mv "$MNT/g" "$MNT/f"
got=$(cat "$MNT2/f" 2>&1) || fail "open on mount 2 after mount 1 renamed over f: $got"
[ "$got" = three ] || fail "mount 2 read '$got' after the rename over f, want three"
# Gone for good: ENOENT in the end, not ESTALE.
settle
rm "$MNT/f"
out=$(cat "$MNT2/f" 2>&1) && fail "mount 2 still reads a removed f: $out"
case "$out" in *"No such file"*) ;; *) fail "open of a removed file on mount 2: '$out', want ENOENT" ;; esac
e2e_pass
