#!/usr/bin/env bash
# Ordinary tools on a real mount: files spanning several blocks, a real source
# tree, tar, renames, links, permissions, times, truncate, rm -rf, df, git.
. "$(dirname "$0")/lib.sh"
e2e_up --set blk_sz=1MB

work="$E2E_ROOT/local"
mkdir -p "$work"

# A file of several blocks (blk_sz=1MB): cp in, cmp, cp out, cmp.
head -c $((5 * 1024 * 1024 + 12345)) /dev/urandom > "$work/big"
check "cp in" cp "$work/big" "$MNT/big"
check "cmp in mount" cmp "$work/big" "$MNT/big"
check "cp out" cp "$MNT/big" "$work/big.back"
check "cmp copy out" cmp "$work/big" "$work/big.back"
[ "$(stat -c %s "$MNT/big")" = "$(stat -c %s "$work/big")" ] || fail "size differs"

# A real tree with cp -a, compared with diff -r.
check "cp -a tree" cp -a /usr/include/linux "$MNT/linux"
check "diff -r tree" diff -r /usr/include/linux "$MNT/linux"

# tar round trip.
check "tar create" tar -C /usr/include -cf "$work/net.tar" net
mkdir "$MNT/untar"
check "tar extract" tar -C "$MNT/untar" -xf "$work/net.tar"
check "diff untar" diff -r /usr/include/net "$MNT/untar/net"
check "tar from mount" tar -C "$MNT/untar" -cf "$work/net2.tar" net
check "tar lists the same" diff <(tar -tf "$work/net.tar" | sort) <(tar -tf "$work/net2.tar" | sort)

# mv, ln, ln -s.
echo hello > "$MNT/a"
check "mv" mv "$MNT/a" "$MNT/b"
[ ! -e "$MNT/a" ] || fail "a still exists after mv"
check "ln" ln "$MNT/b" "$MNT/c"
[ "$(stat -c %h "$MNT/b")" = 2 ] || fail "nlink after ln is $(stat -c %h "$MNT/b")"
[ "$(stat -c %i "$MNT/b")" = "$(stat -c %i "$MNT/c")" ] || fail "hard link has another inode"
check "ln -s" ln -s b "$MNT/s"
[ "$(readlink "$MNT/s")" = b ] || fail "readlink"
[ "$(cat "$MNT/s")" = hello ] || fail "read through symlink"
mkdir -p "$MNT/d1/d2"
check "mv dir" mv "$MNT/d1" "$MNT/d3"
[ -d "$MNT/d3/d2" ] || fail "renamed dir lost its child"

# chmod, chown, touch -d, truncate.
check "chmod" chmod 640 "$MNT/b"
[ "$(stat -c %a "$MNT/b")" = 640 ] || fail "mode is $(stat -c %a "$MNT/b")"
check "chown" chown 1234:5678 "$MNT/b"
[ "$(stat -c %u:%g "$MNT/b")" = 1234:5678 ] || fail "owner is $(stat -c %u:%g "$MNT/b")"
# A chown or chmod by root to what the file already is changes nothing (it
# is answered without a commit, ctime stays; a non-owner is still refused:
# small_files_test); one that changes something, or touches a set-id bit,
# commits.
ctime=$(stat -c %Z.%z "$MNT/b")
check "chown to the same owner" chown 1234:5678 "$MNT/b"
check "chmod to the same mode" chmod 640 "$MNT/b"
[ "$(stat -c %Z.%z "$MNT/b")" = "$ctime" ] || fail "a no-op chown/chmod changed ctime"
check "chmod g+s" chmod 2640 "$MNT/b"
check "chmod to the same set-id mode" chmod 2640 "$MNT/b"
[ "$(stat -c %a "$MNT/b")" = 2640 ] || fail "mode is $(stat -c %a "$MNT/b")"
check "chmod back" chmod 640 "$MNT/b"
[ "$(stat -c %a "$MNT/b")" = 640 ] || fail "mode is $(stat -c %a "$MNT/b")"
check "touch -d" touch -d "2001-02-03 04:05:06.789 UTC" "$MNT/b"
[ "$(TZ=UTC stat -c %y "$MNT/b")" = "2001-02-03 04:05:06.789000000 +0000" ] ||
  fail "mtime is $(TZ=UTC stat -c %y "$MNT/b")"
check "truncate grow" truncate -s 3000000 "$MNT/big2" 
[ "$(stat -c %s "$MNT/big2")" = 3000000 ] || fail "truncate grow size"
cmp -n 3000000 "$MNT/big2" /dev/zero || fail "grown file is not zeros"
cp "$work/big" "$MNT/big3"
check "truncate shrink" truncate -s 1500000 "$MNT/big3"
check "shrunk content" cmp -n 1500000 "$work/big" "$MNT/big3"
[ "$(stat -c %s "$MNT/big3")" = 1500000 ] || fail "truncate shrink size"

# df shows the cluster's capacity.
df "$MNT" | tail -1 | awk '{ exit !($2 > 0) }' || fail "df shows no capacity"

# git in the mount.
(
  cd "$MNT" && mkdir repo && cd repo
  git init -q . && git config user.email t@example.com && git config user.name t
  cp -r /usr/include/linux/netfilter . && git add -A && git commit -qm first
  echo change >> netfilter/x_tables.h && git commit -qam second
  [ "$(git log --oneline | wc -l)" = 2 ] || exit 1
  git fsck >/dev/null 2>&1
) || fail "git in the mount"

# rm -rf everything.
check "rm -rf" rm -rf "$MNT/linux" "$MNT/untar" "$MNT/repo" "$MNT/d3"
[ ! -e "$MNT/linux" ] || fail "rm -rf left linux/"
e2e_pass
