# A namespace load that checks every system call, for failover runs
# (failover_ops_test.sh, bench/failover_bench.sh).
#
#   python3 failover_ops.py DIR STATE [--workers N] [--seed S]
#
# Each worker owns DIR/wK and keeps a shadow of what it believes is there:
# files (name -> content) and empty directories. In a loop it picks one of
#   create  open(O_CREAT|O_EXCL|O_WRONLY) + write + close of a new name
#           (mostly small files, one in eight larger than inline data)
#   read    open + read + close of a shadow file, compared byte for byte
#   rename  of a shadow file to a new name (sometimes into a directory)
#   unlink  of a shadow file
#   mkdir   of a new directory; rmdir of an empty one
#   slow    a new file written in pieces over ~0.3 s, fsync, close (a file
#           held open while the leader changes)
#   hold    a new file written and left open; once it has been open for 3 s
#           it is unlinked, read through its descriptor (an unlinked open
#           file stays readable) and closed — so descriptors opened under
#           one leader are used under the next
# Every call's result is checked; a failure (any errno, a short or wrong
# read) is logged to stderr as "ERROR op path errno=NAME ..." and the shadow
# follows what the call reported, so an error is counted once. Each op's
# start and end (CLOCK_MONOTONIC ns) go to STATE.ops; STATE.progress holds
# "ops errors" and is rewritten every 0.1 s.
#
# SIGTERM (or SIGINT) stops the workers after their current op; then the
# namespace is compared with the shadow (readdir of every directory, the
# content of every file) and STATE.summary gets one JSON object:
#   {"ops": N, "errors": N, "errnos": {"create:ECONNRESET": n, ...},
#    "shadow_mismatches": N}
# The exit status is 0 when there were no errors and no mismatches.
import errno
import json
import os
import random
import signal
import sys
import threading
import time

stop = threading.Event()


def content(name, size):
    seed = (name * (size // max(len(name), 1) + 1)).encode()
    return (f"{name}:{size}\n".encode() + seed)[:size]


class Worker:
    def __init__(self, root, k, seed, ops_log, lock):
        self.k = k
        self.dir = os.path.join(root, f"w{k}")
        self.rng = random.Random(seed * 1000 + k)
        self.files = {}      # relpath -> bytes
        self.dirs = set()    # relpaths of directories we made (besides .)
        self.next = 0
        self.ops = 0
        self.errors = {}     # "op:ERRNO" -> count
        self.held = []       # (relpath, fd, data, opened_s): open descriptors
        self.ops_log = ops_log
        self.lock = lock

    def fresh(self, prefix):
        self.next += 1
        return f"{prefix}{self.next}"

    def error(self, op, path, e):
        name = errno.errorcode.get(e.errno, str(e.errno)) if isinstance(e, OSError) else str(e)
        key = f"{op}:{name}"
        self.errors[key] = self.errors.get(key, 0) + 1
        sys.stderr.write(f"ERROR {op} {path} errno={name} {e} t={time.monotonic_ns()}\n")

    def path(self, rel):
        return os.path.join(self.dir, rel)

    def pick_dir(self):
        return self.rng.choice(["."] + sorted(self.dirs))

    def op_create(self):
        rel = os.path.normpath(os.path.join(self.pick_dir(), self.fresh("f")))
        size = self.rng.choice([0, 1, 100, 2000, 5000]) if self.rng.random() < 0.875 \
            else self.rng.choice([20000, 150000])
        data = content(rel, size)
        try:
            fd = os.open(self.path(rel), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except OSError as e:
            return self.error("create", rel, e)
        self.files[rel] = b""  # it exists from here on, whatever follows
        try:
            n = os.write(fd, data) if data else 0
            if n != len(data):
                self.error("write", rel, RuntimeError(f"short write {n} of {len(data)}"))
                data = data[:n]
        except OSError as e:
            self.error("write", rel, e)
            data = None
        try:
            os.close(fd)
        except OSError as e:
            self.error("close", rel, e)
            data = None
        if data is None:
            self.files[rel] = None  # content unknown after a failed write
        else:
            self.files[rel] = data

    def op_slow(self):
        rel = os.path.normpath(os.path.join(self.pick_dir(), self.fresh("s")))
        size = self.rng.choice([3000, 60000])
        data = content(rel, size)
        try:
            fd = os.open(self.path(rel), os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o644)
        except OSError as e:
            return self.error("create", rel, e)
        self.files[rel] = None
        ok = True
        try:
            piece = size // 6
            for off in range(0, size, piece):
                n = os.pwrite(fd, data[off:off + piece], off)
                if n != len(data[off:off + piece]):
                    raise OSError(errno.EIO, f"short pwrite {n} at {off}")
                time.sleep(0.05)
            os.fsync(fd)
            got = os.pread(fd, size + 1, 0)
            if got != data:
                self.error("pread", rel, RuntimeError(f"content differs: {len(got)} bytes"))
        except OSError as e:
            self.error("pwrite/fsync", rel, e)
            ok = False
        try:
            os.close(fd)
        except OSError as e:
            self.error("close", rel, e)
            ok = False
        if ok:
            self.files[rel] = data

    def op_hold(self):
        if len(self.held) >= 3:
            return self.op_create()
        rel = os.path.normpath(os.path.join(self.pick_dir(), self.fresh("h")))
        data = content(rel, self.rng.choice([500, 30000]))
        try:
            fd = os.open(self.path(rel), os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o644)
        except OSError as e:
            return self.error("create", rel, e)
        self.files[rel] = None
        try:
            if os.write(fd, data) != len(data):
                raise OSError(errno.EIO, "short write")
        except OSError as e:
            self.error("write", rel, e)
            try:
                os.close(fd)
            except OSError:
                pass
            return
        self.files[rel] = data
        self.held.append((rel, fd, data, time.monotonic()))

    def op_orphan(self):
        rel, fd, data, _ = self.held.pop(0)
        try:
            os.unlink(self.path(rel))
            del self.files[rel]
        except OSError as e:
            self.error("unlink-open", rel, e)
        try:
            got = os.pread(fd, len(data) + 1, 0)
            if got != data:
                self.error("read-unlinked", rel, RuntimeError(f"content differs: {len(got)} bytes"))
        except OSError as e:
            self.error("read-unlinked", rel, e)
        try:
            os.close(fd)
        except OSError as e:
            self.error("close-unlinked", rel, e)

    def close_held(self):
        for rel, fd, _, _ in self.held:
            try:
                os.close(fd)
            except OSError as e:
                self.error("close", rel, e)
        self.held = []

    def unheld(self):
        held = {h[0] for h in self.held}
        return sorted(f for f in self.files if f not in held)

    def op_read(self):
        if not self.unheld():
            return self.op_create()
        rel = self.rng.choice(self.unheld())
        want = self.files[rel]
        try:
            fd = os.open(self.path(rel), os.O_RDONLY)
        except OSError as e:
            return self.error("open", rel, e)
        try:
            got = b""
            while True:
                b = os.read(fd, 1 << 20)
                if not b:
                    break
                got += b
            if want is not None and got != want:
                self.error("read", rel, RuntimeError(f"content differs: {len(got)} bytes, want {len(want)}"))
        except OSError as e:
            self.error("read", rel, e)
        try:
            os.close(fd)
        except OSError as e:
            self.error("close", rel, e)

    def op_rename(self):
        if not self.unheld():
            return self.op_create()
        rel = self.rng.choice(self.unheld())
        new = os.path.normpath(os.path.join(self.pick_dir(), self.fresh("r")))
        try:
            os.rename(self.path(rel), self.path(new))
        except OSError as e:
            return self.error("rename", f"{rel}->{new}", e)
        self.files[new] = self.files.pop(rel)

    def op_unlink(self):
        if not self.unheld():
            return self.op_create()
        rel = self.rng.choice(self.unheld())
        try:
            os.unlink(self.path(rel))
        except OSError as e:
            return self.error("unlink", rel, e)
        del self.files[rel]

    def op_mkdir(self):
        if len(self.dirs) >= 8:
            return self.op_rmdir()
        rel = self.fresh("d")
        try:
            os.mkdir(self.path(rel), 0o755)
        except OSError as e:
            return self.error("mkdir", rel, e)
        self.dirs.add(rel)

    def op_rmdir(self):
        empty = [d for d in sorted(self.dirs)
                 if not any(os.path.dirname(f) == d for f in self.files)]
        if not empty:
            return self.op_mkdir() if len(self.dirs) < 8 else self.op_unlink()
        rel = self.rng.choice(empty)
        try:
            os.rmdir(self.path(rel))
        except OSError as e:
            return self.error("rmdir", rel, e)
        self.dirs.discard(rel)

    def step(self):
        r = self.rng.random()
        if len(self.files) > 200:  # keep the namespace small: shrink
            r = 0.9 if r < 0.5 else r
        start = time.monotonic_ns()
        if self.held and time.monotonic() - self.held[0][3] > 3:
            self.op_orphan()
        elif r < 0.03:
            self.op_hold()
        elif r < 0.06:
            self.op_slow()
        elif r < 0.35:
            self.op_create()
        elif r < 0.55:
            self.op_read()
        elif r < 0.75:
            self.op_rename()
        elif r < 0.90:
            self.op_unlink()
        elif r < 0.95:
            self.op_mkdir()
        else:
            self.op_rmdir()
        end = time.monotonic_ns()
        self.ops += 1
        with self.lock:
            self.ops_log.write(f"{self.k} {start} {end}\n")

    def run(self):
        try:
            os.mkdir(self.dir)
        except OSError as e:
            self.error("mkdir", f"w{self.k}", e)
            return
        while not stop.is_set():
            self.step()
        self.close_held()

    def check(self):
        """Walks DIR/wK and compares it with the shadow; returns mismatches."""
        bad = 0
        seen_files, seen_dirs = {}, set()
        for top, dirs, files in os.walk(self.dir):
            reltop = os.path.relpath(top, self.dir)
            for d in dirs:
                seen_dirs.add(os.path.normpath(os.path.join(reltop, d)))
            for f in files:
                rel = os.path.normpath(os.path.join(reltop, f))
                try:
                    with open(os.path.join(top, f), "rb") as fh:
                        seen_files[rel] = fh.read()
                except OSError as e:
                    seen_files[rel] = e
        for rel in sorted(set(seen_files) | set(self.files)):
            if rel not in seen_files:
                print(f"MISMATCH w{self.k}/{rel}: in the shadow, missing on the mount", file=sys.stderr)
                bad += 1
            elif rel not in self.files:
                print(f"MISMATCH w{self.k}/{rel}: on the mount, not in the shadow", file=sys.stderr)
                bad += 1
            elif isinstance(seen_files[rel], OSError):
                print(f"MISMATCH w{self.k}/{rel}: unreadable: {seen_files[rel]}", file=sys.stderr)
                bad += 1
            elif self.files[rel] is not None and seen_files[rel] != self.files[rel]:
                print(f"MISMATCH w{self.k}/{rel}: content differs", file=sys.stderr)
                bad += 1
        for rel in sorted(seen_dirs ^ self.dirs):
            where = "on the mount only" if rel in seen_dirs else "in the shadow only"
            print(f"MISMATCH w{self.k}/{rel}/: directory {where}", file=sys.stderr)
            bad += 1
        return bad


def main():
    args = sys.argv[1:]
    workers, seed = 2, int(time.time())
    while len(args) > 2:
        if args[-2] == "--workers":
            workers = int(args[-1])
        elif args[-2] == "--seed":
            seed = int(args[-1])
        else:
            sys.exit(f"usage: {sys.argv[0]} DIR STATE [--workers N] [--seed S]")
        args = args[:-2]
    root, state = args
    print(f"failover_ops: seed={seed} workers={workers}", file=sys.stderr)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    lock = threading.Lock()
    ops_log = open(state + ".ops", "w", buffering=1)
    ws = [Worker(root, k, seed, ops_log, lock) for k in range(workers)]
    ts = [threading.Thread(target=w.run, daemon=True) for w in ws]
    for t in ts:
        t.start()

    def progress():
        ops = sum(w.ops for w in ws)
        errs = sum(sum(w.errors.values()) for w in ws)
        with open(state + ".progress.tmp", "w") as f:
            f.write(f"{ops} {errs}\n")
        os.replace(state + ".progress.tmp", state + ".progress")

    while any(t.is_alive() for t in ts):
        progress()
        stop.wait(0.1)
        if stop.is_set():
            for t in ts:
                t.join()
    progress()
    ops_log.close()
    mismatches = sum(w.check() for w in ws)
    errnos = {}
    for w in ws:
        for k, v in w.errors.items():
            errnos[k] = errnos.get(k, 0) + v
    summary = {"seed": seed, "ops": sum(w.ops for w in ws), "errors": sum(errnos.values()),
               "errnos": errnos, "shadow_mismatches": mismatches,
               "files": sum(len(w.files) for w in ws), "dirs": sum(len(w.dirs) for w in ws)}
    with open(state + ".summary", "w") as f:
        json.dump(summary, f)
    print(json.dumps(summary))
    sys.exit(0 if summary["errors"] == 0 and mismatches == 0 else 1)


if __name__ == "__main__":
    main()
