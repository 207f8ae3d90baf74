#!/usr/bin/env bash
# Cross-mount cache invalidation (issue 12 §2): a change made through mount A
# is seen through mount B by the time the system call returned on A — the
# metad leader pushes invalidations to B (AwaitEvents) and A's reply waits
# for B's acknowledgement. 200 rounds each, no sleeps:
#  - user X stats and opens D/f through B (B caches D, f and the name), the
#    owner chmods D 0644 through A: B's stat/open of D/f fail EACCES at once;
#  - rename on A: B sees the new name and not the old one at once;
#  - unlink on A: B gets ENOENT at once;
#  - chmod of f on A: B's stat shows the new mode at once;
#  - block writes (a file past inline_max) on A, then fsync: B's stat shows
#    the new size and mtime at once, and a non-root write's cleared S_ISUID.
# Then: a leader kill — B drops its caches and stays exact afterwards.
# B runs with cache_timeout_max_ms=30000 so that only the invalidations can
# make these pass (a plain timeout would keep the stale view for 30 s).
. "$(dirname "$0")/lib.sh"
e2e_up --metads 3 --set blk_sz=1MB
MNTB="$E2E_ROOT/mntb"
mkdir -p "$MNTB"
EXTRA_MOUNTS+=("$MNTB")
check "mount B" "$BUILD/mount/opendfs-mount" "$OPENDFS_METADS" "$MNTB" \
  -o "allow_other,cache_timeout_max_ms=30000,error_log=$E2E_ROOT/mountb.log"
chmod 755 "$E2E_ROOT"

rounds() {  # A-dir B-dir rounds
  /usr/bin/python3 - "$1" "$2" "$3" <<'PY'
import errno, os, sys
a, b, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
X = 4321

def as_x(fn):
    # A child as user X (the kernel checks permissions with its fsuid).
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([]); os.setgid(X); os.setuid(X)
            fn()
            os._exit(0)
        except OSError as e:
            os._exit(100 + e.errno)
        except BaseException:
            os._exit(99)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])

def x_reads(p):
    def fn():
        os.stat(p)
        os.close(os.open(p, os.O_RDONLY))
    return as_x(fn)

def want(what, got, expected, i):
    if got != expected:
        sys.exit(f"round {i}: {what}: got {got}, want {expected}")

D_a, D_b = os.path.join(a, "D"), os.path.join(b, "D")
os.mkdir(D_a, 0o777); os.chmod(D_a, 0o777)
with open(os.path.join(D_a, "f"), "w") as f: f.write("data")
os.chmod(os.path.join(D_a, "f"), 0o666)
f_b = os.path.join(D_b, "f")
for i in range(n):
    # permission of an ancestor
    want("X reads D/f through B while D is 0777", x_reads(f_b), 0, i)
    os.chmod(D_a, 0o644)
    want("X reads D/f through B after chmod 0644 D on A", x_reads(f_b), 100 + errno.EACCES, i)
    os.chmod(D_a, 0o777)
    want("X reads D/f through B after chmod 0777 D on A", x_reads(f_b), 0, i)
    # mode of the file itself
    m = 0o644 if i % 2 else 0o604  # both readable by X
    os.chmod(os.path.join(D_a, "f"), m)
    want("B's stat of f after chmod on A", oct(os.stat(f_b).st_mode & 0o7777), oct(m), i)
    # rename and unlink
    old, new = os.path.join(D_a, f"r{i}"), os.path.join(D_a, f"s{i}")
    with open(old, "w") as f: f.write(str(i))
    want("B sees r before the rename", os.path.exists(os.path.join(D_b, f"r{i}")), True, i)
    os.rename(old, new)
    want("B still sees the old name after the rename", os.path.exists(os.path.join(D_b, f"r{i}")), False, i)
    want("B reads the new name after the rename", open(os.path.join(D_b, f"s{i}")).read(), str(i), i)
    os.unlink(new)
    try:
        os.stat(os.path.join(D_b, f"s{i}"))
        sys.exit(f"round {i}: B still stats s{i} after the unlink on A")
    except FileNotFoundError:
        pass
print(f"{n} rounds exact")
PY
}
rounds "$MNT" "$MNTB" 200 || fail "cross-mount changes not seen at once"
echo "chmod (ancestor and file), rename, unlink: seen through B at once, 200 rounds"

blocks() {  # A-dir B-dir rounds
  /usr/bin/python3 - "$1" "$2" "$3" <<'PY'
import os, stat, sys
a, b, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
X = 4321
pa, pb = os.path.join(a, "big"), os.path.join(b, "big")
fd = os.open(pa, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o666)
os.pwrite(fd, b"x" * 300_000, 0); os.fsync(fd)
size = 300_000
for i in range(n):
    before = os.stat(pb)  # B caches the attributes
    if before.st_size != size:
        sys.exit(f"round {i}: B's size {before.st_size}, want {size}")
    size += 700_000 + i  # crosses into new 1 MB blocks now and then
    os.pwrite(fd, b"y", size - 1); os.fsync(fd)
    after, mine = os.stat(pb), os.fstat(fd)
    if after.st_size != size:
        sys.exit(f"round {i}: B's size after A's fsync {after.st_size}, want {size}")
    if after.st_mtime_ns != mine.st_mtime_ns:
        sys.exit(f"round {i}: B's mtime {after.st_mtime_ns}, A's {mine.st_mtime_ns}")
os.close(fd)
# A non-root write clears S_ISUID; B sees it at once.
os.chmod(pa, 0o4666)
if os.stat(pb).st_mode & stat.S_ISUID == 0:
    sys.exit("B does not see S_ISUID after the chmod on A")
pid = os.fork()
if pid == 0:
    os.setgroups([]); os.setgid(X); os.setuid(X)
    f = os.open(pa, os.O_WRONLY); os.pwrite(f, b"z", 10); os.fsync(f); os.close(f)
    os._exit(0)
if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 0:
    sys.exit("X's write on A failed")
mode = os.stat(pb).st_mode & 0o7777
if mode != 0o666:
    sys.exit(f"B's mode after a non-root write on A: {oct(mode)}, want 0o666")
print(f"{n} block-write rounds exact")
PY
}
blocks "$MNT" "$MNTB" 30 || fail "another mount's block writes not seen at once"
echo "block writes + fsync on A (size, mtime, cleared S_ISUID): seen through B at once"

# A leader change: the new leader knows nothing of B's caches; B drops them
# and subscribes again, and is exact from then on.
leader=$(leader_addr)
e2e_kill "metad$(metad_no "$leader")"
for _ in $(seq 200); do
  "$CLI" ls / >/dev/null 2>&1 && break
  sleep 0.1
done
check "cluster answers after the leader kill" "$CLI" ls /
mkdir "$MNT/after"
rounds "$MNT/after" "$MNTB/after" 20 || fail "cross-mount changes not seen at once after a leader kill"
grep -q "cache events" "$E2E_ROOT/mountb.log" || fail "mount B did not log its new subscription"
echo "after a leader kill: exact again"
e2e_pass
