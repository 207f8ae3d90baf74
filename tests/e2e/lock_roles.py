#!/usr/bin/env python3
"""Processes for tests/e2e/locks_failover_test.sh, one role each.

  holder DIR STATE    takes a flock LOCK_EX on DIR/f, an fcntl write lock on
                      bytes 100..199 of DIR/g and an OFD write lock on bytes
                      0..9 of DIR/h; writes "held" to STATE; then, until
                      STATE.release exists, writes to g under its lock and
                      every second re-takes its own locks (a holder must
                      never be refused its own lock); then unlocks, closes,
                      writes "released". Any error: exit 1 with the reason.
  prober DIR LOG STOP  (another mount) tries the same three locks without
                      blocking in a loop and checks F_GETLK / F_OFD_GETLK
                      report the holder's locks, until STOP exists. Each
                      round appends "round N <monotonic ms>" to LOG; a grant
                      or a wrong F_GETLK appends "BAD ..." and exits 1;
                      other errors are logged as "ERR ..." (the test fails
                      on them too).
  waiter DIR LOG      (another mount) F_SETLKW on bytes 150..159 of DIR/g;
                      appends "got <monotonic ms>" once granted, exits 0.
"""
import errno
import fcntl
import os
import struct
import sys
import time

FMT = "hhqqi"  # struct flock on x86-64: type, whence, start, len, pid


def now_ms():
    return int(time.monotonic() * 1000)


def flock_struct(kind, start, length):
    return struct.pack(FMT, kind, os.SEEK_SET, start, length, 0)


def append(path, line):
    with open(path, "a") as f:
        f.write(line + "\n")


def take_all(f, g, h):
    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    fcntl.lockf(g, fcntl.LOCK_EX | fcntl.LOCK_NB, 100, 100)
    fcntl.fcntl(h, fcntl.F_OFD_SETLK, flock_struct(fcntl.F_WRLCK, 0, 10))


def holder(d, state):
    f = os.open(os.path.join(d, "f"), os.O_RDWR)
    g = os.open(os.path.join(d, "g"), os.O_RDWR)
    h = os.open(os.path.join(d, "h"), os.O_RDWR)
    try:
        take_all(f, g, h)
        append(state, "held")
        last_retake = time.monotonic()
        n = 0
        while not os.path.exists(state + ".release"):
            os.pwrite(g, b"%08d" % n, 100)
            n += 1
            if time.monotonic() - last_retake > 1.0:
                take_all(f, g, h)  # re-taking a lock one holds is granted
                last_retake = time.monotonic()
            time.sleep(0.05)
        fcntl.lockf(g, fcntl.LOCK_UN, 100, 100)
        fcntl.flock(f, fcntl.LOCK_UN)
        os.close(h)  # drops the OFD lock
        os.close(f)
        os.close(g)
    except OSError as e:
        append(state, f"ERR holder: {e}")
        sys.exit(1)
    append(state, "released")


def expect_refused(what, fn, log):
    try:
        fn()
    except OSError as e:
        if e.errno in (errno.EAGAIN, errno.EACCES):  # EWOULDBLOCK == EAGAIN
            return True
        append(log, f"ERR {what}: {e}")
        return False
    append(log, f"BAD {what} granted to the second mount while the first holds it")
    sys.exit(1)


def check_getlk(what, fd, cmd, kind_start_len, log):
    try:
        got = fcntl.fcntl(fd, cmd, flock_struct(fcntl.F_WRLCK, 0, 0))
    except OSError as e:
        append(log, f"ERR {what}: {e}")
        return
    t, _, start, length, _ = struct.unpack(FMT, got)
    if (t, start, length) != kind_start_len:
        append(log, f"BAD {what} reported {(t, start, length)}, want {kind_start_len}")
        sys.exit(1)


def prober(d, log, stop):
    f = os.open(os.path.join(d, "f"), os.O_RDWR)
    g = os.open(os.path.join(d, "g"), os.O_RDWR)
    h = os.open(os.path.join(d, "h"), os.O_RDWR)
    n = 0
    while not os.path.exists(stop):
        # F_GETLK first: after a leader change it must not answer from a
        # table that the re-assertions have not rebuilt yet.
        check_getlk("F_GETLK g", g, fcntl.F_GETLK, (fcntl.F_WRLCK, 100, 100), log)
        check_getlk("F_OFD_GETLK h", h, fcntl.F_OFD_GETLK, (fcntl.F_WRLCK, 0, 10), log)
        expect_refused("flock f", lambda: fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB), log)
        expect_refused("fcntl g", lambda: fcntl.lockf(g, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 120), log)
        expect_refused("ofd h", lambda: fcntl.fcntl(
            h, fcntl.F_OFD_SETLK, flock_struct(fcntl.F_RDLCK, 5, 1)), log)
        n += 1
        append(log, f"round {n} {now_ms()}")
        time.sleep(0.1)


def waiter(d, log):
    g = os.open(os.path.join(d, "g"), os.O_RDWR)
    append(log, f"waiting {now_ms()}")
    try:
        fcntl.lockf(g, fcntl.LOCK_EX, 10, 150)
    except OSError as e:
        append(log, f"ERR waiter: {e}")
        sys.exit(1)
    append(log, f"got {now_ms()}")
    os.close(g)


if __name__ == "__main__":
    role = sys.argv[1]
    {"holder": holder, "prober": prober, "waiter": waiter}[role](*sys.argv[2:])
