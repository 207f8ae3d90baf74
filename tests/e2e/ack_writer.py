# A writer that never pauses, for failover measurements (failover_test.sh,
# bench/failover_bench.sh): creates DIR/f1, f2, ... each holding "file i" and
# 2000 bytes of a fixed pattern, and appends to ACKS one line per file whose
# write and close succeeded: "i end_ns start_ns" (CLOCK_MONOTONIC). Failed
# writes are skipped after 10 ms. Exits when DIR disappears.
#   python3 ack_writer.py DIR ACKS
import os
import sys
import time


def content(i):
    return (f"file {i}\n".encode() + bytes(range(256)) * 8)[:2048]


def main():
    d, acks = sys.argv[1], sys.argv[2]
    with open(acks, "a", buffering=1) as log:
        i = 0
        while os.path.isdir(d):
            i += 1
            start = time.monotonic_ns()
            try:
                with open(os.path.join(d, f"f{i}"), "wb") as f:
                    f.write(content(i))
                log.write(f"{i} {time.monotonic_ns()} {start}\n")
            except OSError as e:
                sys.stderr.write(f"write f{i}: {e}\n")
                time.sleep(0.01)


if __name__ == "__main__":
    main()
