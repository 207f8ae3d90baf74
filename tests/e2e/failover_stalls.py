# The longest stall the failover load saw after each kill
# (failover_ops_test.sh, bench/failover_bench.sh).
#
#   python3 failover_stalls.py OPS KILLS
#
# OPS: failover_ops.py's "worker start_ns end_ns" lines; KILLS: one line per
# kill, "kill_ns label" (CLOCK_MONOTONIC). A kill's stall is the longest time
# any op spent waiting after that kill and before the next one:
# max(min(end, next) - max(start, kill)) over the ops that ended after the
# kill and started before the next kill. Prints one line per kill and the maximum.
import sys


def main():
    ops = []
    for line in open(sys.argv[1]):
        p = line.split()
        if len(p) == 3:
            ops.append((int(p[1]), int(p[2])))
    kills = []
    for line in open(sys.argv[2]):
        p = line.split(maxsplit=1)
        if p:
            kills.append((int(p[0]), p[1].strip() if len(p) > 1 else ""))
    worst = 0.0
    for i, (k, label) in enumerate(kills):
        nxt = kills[i + 1][0] if i + 1 < len(kills) else float("inf")
        stall = max((min(e, nxt) - max(s, k) for s, e in ops if e >= k and s < nxt), default=0) / 1e9
        worst = max(worst, stall)
        print(f"kill {i + 1} ({label}): longest stall {stall:.2f} s")
    print(f"longest stall over {len(kills)} kills: {worst:.2f} s")


if __name__ == "__main__":
    main()
