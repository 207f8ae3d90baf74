#!/usr/bin/env python3
"""Seeded random-operation integrity check (issue 12 §1).

  random_ops.py --seed N --ops K --mount A [--mount2 B] --shadow DIR --block-size BYTES

Runs K random operations on a few files through mount A — write, pwrite past
the end, truncate up and down, posix_fallocate, mmap read and write, read,
fsync, close and reopen — and the same operations on shadow copies in DIR (a local disk).
Every read (pread, mmap, and a fresh open through mount B after an fsync) and
every size is compared with the shadow. On the first mismatch it prints the
seed, the operation and the log of the operations before it, and exits 1.
The files span several blocks of BYTES, so block boundaries, holes between
blocks and short last blocks are all exercised.
"""
import argparse
import mmap
import os
import random
import sys

FILES = 3
LOG_TAIL = 40


class Mismatch(Exception):
    pass


class Pair:
    """One file on the mount and its shadow, each with an open fd (or none)."""

    def __init__(self, name, mount, shadow):
        self.name = name
        self.mpath = os.path.join(mount, name)
        self.spath = os.path.join(shadow, name)
        self.mfd = None
        self.sfd = None

    def open(self, trunc=False):
        flags = os.O_RDWR | os.O_CREAT | (os.O_TRUNC if trunc else 0)
        self.close()
        self.mfd = os.open(self.mpath, flags, 0o644)
        self.sfd = os.open(self.spath, flags, 0o644)

    def close(self):
        if self.mfd is not None:
            os.close(self.mfd)
            os.close(self.sfd)
        self.mfd = self.sfd = None

    def size(self):
        return os.fstat(self.sfd).st_size


def expect_equal(what, got, want):
    if got == want:
        return
    if isinstance(got, bytes) and isinstance(want, bytes):
        n = min(len(got), len(want))
        first = next((i for i in range(n) if got[i] != want[i]), n)
        raise Mismatch(f"{what}: {len(got)} bytes read, {len(want)} expected, "
                       f"first difference at +{first}")
    raise Mismatch(f"{what}: got {got!r}, expected {want!r}")


def payload(rng, n):
    return rng.randbytes(n)


def run(args):
    rng = random.Random(args.seed)
    bs = args.block_size
    max_size = bs * 4 + bs // 3
    pairs = [Pair(f"f{i}", args.mount, args.shadow) for i in range(FILES)]
    for p in pairs:
        p.open(trunc=True)
    log = []

    def op_write(p):
        size = p.size()
        off = rng.randrange(0, max(1, min(size + 1, max_size)))
        n = rng.choice([1, 100, 4096, 65536, bs // 2, bs + 17])
        n = max(1, min(n, max_size - off))
        data = payload(rng, n)
        log.append(f"pwrite {p.name} off={off} len={n}")
        os.pwrite(p.mfd, data, off)
        os.pwrite(p.sfd, data, off)

    def op_write_past_end(p):
        size = p.size()
        if size >= max_size - 10:
            return op_truncate(p)
        off = rng.randrange(size, max_size - 1)
        n = max(1, min(rng.choice([10, 1000, 70000]), max_size - off))
        data = payload(rng, n)
        log.append(f"pwrite-past-end {p.name} size={size} off={off} len={n}")
        os.pwrite(p.mfd, data, off)
        os.pwrite(p.sfd, data, off)

    def op_truncate(p):
        size = rng.choice([0, rng.randrange(0, max_size), p.size() // 2,
                           p.size() + rng.randrange(1, bs)])
        size = min(size, max_size)
        how = rng.choice(["ftruncate", "truncate"])
        log.append(f"{how} {p.name} {p.size()} -> {size}")
        if how == "ftruncate":
            os.ftruncate(p.mfd, size)
        else:
            os.truncate(p.mpath, size)
        os.ftruncate(p.sfd, size)

    def op_read(p):
        size = p.size()
        off = rng.randrange(0, size + 2)
        n = rng.choice([1, 1000, 4096, 100000, bs + 5])
        log.append(f"pread {p.name} off={off} len={n} size={size}")
        expect_equal(log[-1], os.pread(p.mfd, n, off), os.pread(p.sfd, n, off))

    def op_stat(p):
        log.append(f"fstat {p.name}")
        expect_equal(log[-1] + " size", os.fstat(p.mfd).st_size, p.size())
        log.append(f"stat {p.name}")
        expect_equal(log[-1] + " size", os.stat(p.mpath).st_size, p.size())

    def op_mmap_read(p):
        size = p.size()
        if size == 0:
            return
        log.append(f"mmap-read {p.name} size={size}")
        with mmap.mmap(p.mfd, size, prot=mmap.PROT_READ) as m:
            got = m[:]
        expect_equal(log[-1], got, os.pread(p.sfd, size, 0))

    def op_mmap_write(p):
        size = p.size()
        if size == 0:
            return
        off = rng.randrange(0, size)
        n = max(1, min(rng.choice([1, 333, 5000, 70000]), size - off))
        data = payload(rng, n)
        log.append(f"mmap-write {p.name} off={off} len={n} size={size}")
        with mmap.mmap(p.mfd, size) as m:
            m[off:off + n] = data
            if rng.random() < 0.5:
                m.flush()
        os.pwrite(p.sfd, data, off)

    def op_fallocate(p):
        off = rng.randrange(0, max_size)
        n = max(1, min(rng.choice([1, 5000, bs]), max_size - off))
        log.append(f"posix_fallocate {p.name} off={off} len={n} size={p.size()}")
        os.posix_fallocate(p.mfd, off, n)
        os.posix_fallocate(p.sfd, off, n)

    def op_fsync(p):
        log.append(f"fsync {p.name}")
        os.fsync(p.mfd)

    def op_reopen(p):
        trunc = rng.random() < 0.1
        log.append(f"close+reopen {p.name}{' O_TRUNC' if trunc else ''}")
        p.open(trunc=trunc)

    def op_other_mount(p):
        if not args.mount2:
            return op_read(p)
        # Close-to-open: what this mount fsynced, a fresh open on the other
        # mount reads back in full.
        os.fsync(p.mfd)
        size = p.size()
        log.append(f"fsync + read through mount 2 {p.name} size={size}")
        with open(os.path.join(args.mount2, p.name), "rb") as f:
            expect_equal(log[-1] + " size", os.fstat(f.fileno()).st_size, size)
            expect_equal(log[-1], f.read(), os.pread(p.sfd, size, 0))

    ops = [(op_write, 25), (op_write_past_end, 10), (op_truncate, 8), (op_read, 25),
           (op_stat, 6), (op_mmap_read, 5), (op_mmap_write, 5), (op_fsync, 5), (op_fallocate, 2),
           (op_reopen, 5), (op_other_mount, 3)]
    funcs = [f for f, _ in ops]
    weights = [w for _, w in ops]
    try:
        for i in range(args.ops):
            p = rng.choice(pairs)
            rng.choices(funcs, weights)[0](p)
        for p in pairs:  # the end state, through both mounts
            op_other_mount(p)
            p.close()
    except (Mismatch, OSError) as e:
        print(f"FAIL: seed={args.seed} op #{len(log)}: {e}", file=sys.stderr)
        print(f"replay: {sys.argv[0]} --seed {args.seed} --ops {args.ops} "
              f"--block-size {bs} ...", file=sys.stderr)
        for line in log[-LOG_TAIL:]:
            print("  " + line, file=sys.stderr)
        return 1
    print(f"seed={args.seed}: {args.ops} ops, {len(log)} checked steps, clean")
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--ops", type=int, default=2000)
    ap.add_argument("--mount", required=True)
    ap.add_argument("--mount2")
    ap.add_argument("--shadow", required=True)
    ap.add_argument("--block-size", type=int, required=True)
    args = ap.parse_args()
    os.makedirs(args.shadow, exist_ok=True)
    sys.exit(run(args))


if __name__ == "__main__":
    main()
