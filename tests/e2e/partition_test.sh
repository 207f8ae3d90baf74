#!/usr/bin/env bash
# A leader cut off from the other metads but still reachable by clients
# (issue 12 §4): 3 metads, a checked writer on the mount (create, write,
# close, rename, stat, read, create, unlink per round), then the leader's
# Paxos traffic (port 8002, both directions, in and out) is dropped by a tc
# filter on lo for 15 s while its client port stays reachable.
# Expected: the isolated leader steps down when its lease runs out and
# answers NotLeader, the mount moves to the new leader, the writer sees no
# error and no stall of 5 s or more; a read through a client that asks the
# isolated metad first is not stale (a rename made at the new leader is
# seen) and the isolated metad itself answers no read; after the filter is
# removed the old leader rejoins as a follower and catches up, and every
# file is there.
#
# The test runs in a network namespace of its own (unshare --net), so its tc
# filter never touches other loopback traffic of the machine; the filter is
# removed in the exit trap all the same. Skips when network namespaces or
# the htb/u32/pfifo traffic control the filter needs are unavailable.
if [ -z "${ODFS_PARTITION_NETNS:-}" ]; then
  if [ "$(id -u)" -ne 0 ] || ! unshare --net true 2>/dev/null; then
    echo "SKIP: needs root and network namespaces"
    exit 77
  fi
  exec unshare --net env ODFS_PARTITION_NETNS=1 bash "$0" "$@"
fi
ip link set lo up
. "$(dirname "$0")/lib.sh"

CUT_S=${PARTITION_CUT_S:-15}
STALL_MAX_S=5

# Drops every packet to or from host $1's Paxos port 8002 (its own server
# and, as metad binds its outgoing Paxos connections to its own address,
# its connections to the peers): htb's unclassified traffic goes straight
# out, the matched traffic into a class whose pfifo holds 0 packets.
paxos_cut() {
  tc qdisc add dev lo root handle 1: htb &&
    tc class add dev lo parent 1: classid 1:2 htb rate 10gbit 2>/dev/null &&
    tc qdisc add dev lo parent 1:2 handle 20: pfifo limit 0 || return 1
  local dir port
  for dir in src dst; do
    for port in sport dport; do
      tc filter add dev lo parent 1: protocol ip prio 1 u32 \
        match ip "$dir" "$1/32" match ip "$port" 8002 0xffff classid 1:2 || return 1
    done
  done
}
paxos_heal() { tc qdisc del dev lo root 2>/dev/null || true; }
# Probe the filter machinery before starting anything.
paxos_cut 127.0.0.2 2>/dev/null || { paxos_heal; echo "SKIP: tc htb/u32/pfifo unavailable"; exit 77; }
paxos_heal
# e2e_cleanup reads the exit status as its first step: hand it on.
trap 'rc=$?; paxos_heal; (exit $rc); e2e_cleanup' EXIT

e2e_up --metads 3
META_ADDRS=$(echo "$OPENDFS_METADS" | tr ',' ' ')
# cluster status as seen through metad $1 (host:port).
status_via() { OPENDFS_METADS=$1 "$CLI" cluster status --json; }
# The serving leader with the highest ballot, as seen through metad $1.
leader_via() {
  status_via "$1" | python3 -c '
import json, sys
ls = [m for m in json.load(sys.stdin)["metads"] if m["is_leader"] and m["role"] == "leader"]
key = lambda m: tuple(int(x) for x in m["ballot"].split("."))
print(max(ls, key=key)["address"] if ls else "")'
}
# The role metad $1 reports for itself.
own_role() {
  status_via "$1" | python3 -c '
import json, sys
print([m["role"] for m in json.load(sys.stdin)["metads"] if m["address"] == sys.argv[1]][0])' "$1"
}

mkdir -p "$MNT/w"
echo probe > "$MNT/probe_a"
STOP="$E2E_ROOT/writer.stop"
SUMMARY="$E2E_ROOT/writer.json"
python3 "$(dirname "$0")/partition_writer.py" "$MNT/w" "$STOP" "$SUMMARY" 2> "$E2E_ROOT/writer.err" &
WRITER=$!
e2e_bg "$WRITER"
sleep 2
[ -n "$(ls "$MNT/w")" ] || fail "writer made no progress before the cut"

leader=$(leader_addr) || fail "no leader before the cut"
host=${leader%:*}
others=""
for m in $META_ADDRS; do [ "$m" = "$leader" ] || others+="${others:+,}$m"; done
first_other=${others%%,*}
echo "cutting the Paxos traffic of leader $leader (clients still reach it)"
cut_ns=$(python3 -c 'import time; print(time.monotonic_ns())')
paxos_cut "$host" || fail "installing the tc filter"

# The other two elect a leader among themselves.
new=""
deadline=$((SECONDS + 10))
while [ $SECONDS -lt $deadline ]; do
  new=$(leader_via "$first_other" 2>/dev/null || true)
  [ -n "$new" ] && [ "$new" != "$leader" ] && break
  sleep 0.2
done
[ -n "$new" ] && [ "$new" != "$leader" ] || fail "no new leader within 10 s of the cut"
python3 -c "import time; print('new leader %s %.1f s after the cut' % ('$new', (time.monotonic_ns() - $cut_ns) / 1e9))"

# The isolated metad no longer claims to lead, and answers no read.
role=$(own_role "$leader") || fail "cluster status through the isolated metad"
echo "isolated metad says it is: $role"
[ "$role" != leader ] || fail "the isolated metad still says it leads"
mv "$MNT/probe_a" "$MNT/probe_b" || fail "rename at the new leader"
if OPENDFS_METADS=$leader timeout 3 "$CLI" stat /probe_a > "$E2E_ROOT/stale.out" 2>&1; then
  cat "$E2E_ROOT/stale.out"
  fail "the isolated metad answered a read from stale state (probe_a still there)"
fi
# A client that asks the isolated metad first gets the current state.
OPENDFS_METADS="$leader,$others" "$CLI" stat /probe_b > /dev/null ||
  fail "stat of the renamed file through the isolated metad first"
if OPENDFS_METADS="$leader,$others" "$CLI" stat /probe_a > /dev/null 2>&1; then
  fail "stale read: probe_a still visible through a client of the isolated metad"
fi

remaining=$(python3 -c "import time; print(max(0.0, $CUT_S - (time.monotonic_ns() - $cut_ns) / 1e9))")
sleep "$remaining"
paxos_heal
echo "filter removed after ${CUT_S} s"

# The old leader rejoins as a follower and catches up: it applies at least
# what the leader had applied when the cut healed. (Not "equal to the
# leader's index now": the writer keeps committing, so a follower is
# usually a heartbeat behind the leader's newest record.)
healed_at=$(status_via "$first_other" | python3 -c '
import json, sys
print(max(x["applied_index"] for x in json.load(sys.stdin)["metads"] if x["is_leader"]))') ||
  fail "no leader in cluster status right after the heal"
deadline=$((SECONDS + 30))
rejoined=0
while [ $SECONDS -lt $deadline ]; do
  if status_via "$first_other" | python3 -c '
import json, sys
m = json.load(sys.stdin)["metads"]
lead = [x for x in m if x["is_leader"] and x["role"] == "leader"]
back = [x for x in m if x["address"] == sys.argv[1]]
sys.exit(0 if lead and back and back[0]["role"] == "follower" and
         back[0]["applied_index"] >= int(sys.argv[2]) else 1)' "$leader" "$healed_at" 2>/dev/null; then
    rejoined=1; break
  fi
  sleep 0.5
done
status_via "$first_other" | python3 -c '
import json, sys
for m in json.load(sys.stdin)["metads"]:
    print("  %s %s ballot=%s applied=%s" % (m["address"], m["role"], m["ballot"], m["applied_index"]))' || true

sleep 2
touch "$STOP"
for _ in $(seq 200); do kill -0 "$WRITER" 2>/dev/null || break; sleep 0.1; done
kill -0 "$WRITER" 2>/dev/null && { cat "$E2E_ROOT/writer.err"; fail "writer stuck 20 s after being told to stop"; }
wait "$WRITER" || fail "writer exited with an error"
head -n 20 "$E2E_ROOT/writer.err"
read -r rounds errors stall_s stall_after_cut_s < <(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(j["rounds"], j["errors"], "%.2f" % (j["stall_ns"] / 1e9), "%.2f" % ((j["stall_at_ns"] - int(sys.argv[2])) / 1e9))' "$SUMMARY" "$cut_ns")
echo "writer: $rounds rounds, $errors errors, longest stall ${stall_s} s (starting ${stall_after_cut_s} s after the cut)"
[ "$errors" -eq 0 ] || fail "the writer saw $errors errors"
python3 -c "import sys; sys.exit(0 if $stall_s < $STALL_MAX_S else 1)" ||
  fail "a stall of ${stall_s} s (limit ${STALL_MAX_S} s)"
[ "$rejoined" -eq 1 ] || fail "the old leader did not rejoin as a caught-up follower within 30 s"

# Every round's file is there with its bytes; no temporary left behind.
python3 - "$MNT/w" "$rounds" <<'PY' || fail "files missing or damaged after the partition"
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
names = set(os.listdir(d))
bad = [f"f{i}" for i in range(1, n + 1) if f"f{i}" not in names or
       open(os.path.join(d, f"f{i}"), "rb").read() != f"round {i}\n".encode() * 20]
left = sorted(x for x in names if x[0] in "tu")
print(f"{n} files checked, {len(bad)} bad, leftovers {left[:5]}")
sys.exit(1 if bad or left else 0)
PY
e2e_pass
