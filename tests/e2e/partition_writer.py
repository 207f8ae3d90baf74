# A checked metadata writer for partition_test.sh: each round i creates
# DIR/t{i} with known bytes, renames it to DIR/f{i}, stats and reads f{i}
# back, then creates and unlinks DIR/u{i}. Every system call is checked; an
# error (any OSError or wrong content) is reported on stderr and counted, and
# the round moves on. Runs until STOP exists, then writes a JSON summary to
# SUMMARY: rounds, errors, the longest stall (the longest time between two
# consecutive system calls completing) and when it started (monotonic ns).
#   python3 partition_writer.py DIR STOP SUMMARY
import json
import os
import sys
import time


def content(i):
    return f"round {i}\n".encode() * 20


def main():
    d, stop, summary = sys.argv[1:4]
    rounds = errors = 0
    last = time.monotonic_ns()
    stall_ns, stall_at = 0, last

    def done():
        nonlocal last, stall_ns, stall_at
        now = time.monotonic_ns()
        if now - last > stall_ns:
            stall_ns, stall_at = now - last, last
        last = now

    while not os.path.exists(stop):
        i = rounds + 1
        t, f, u = (os.path.join(d, f"{p}{i}") for p in "tfu")
        step = "create"
        try:
            fd = os.open(t, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644); done()
            step = "write"
            if os.write(fd, content(i)) != len(content(i)):
                raise OSError(0, "short write")
            done()
            step = "close"
            os.close(fd); done()
            step = "rename"
            os.rename(t, f); done()
            step = "stat"
            if os.stat(f).st_size != len(content(i)):
                raise OSError(0, "wrong size")
            done()
            step = "read"
            with open(f, "rb") as r:
                if r.read() != content(i):
                    raise OSError(0, "wrong content")
            done()
            step = "create2"
            os.close(os.open(u, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)); done()
            step = "unlink"
            os.unlink(u); done()
        except OSError as e:
            errors += 1
            sys.stderr.write(f"round {i} {step}: {e}\n")
            sys.stderr.flush()
            done()
        rounds = i
    with open(summary, "w") as out:
        json.dump({"rounds": rounds, "errors": errors, "stall_ns": stall_ns,
                   "stall_at_ns": stall_at}, out)


if __name__ == "__main__":
    main()
