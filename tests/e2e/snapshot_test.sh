#!/usr/bin/env bash
# Paxos catch-up by snapshot, with real processes (issue 5): 5 metads keeping
# only 20 Paxos slots for catch-up (paxos_log_keep=20) and checkpointing
# every 50 records. Two followers are SIGKILLed at once: writes go on with 3
# of 5. Hundreds of slots later they restart; the log they need is gone, so
# the leader ships its state and each installs it and catches up. Then the
# whole cluster stops and one of them is started alone on its own editlog
# and fsimage: its namespace must list exactly what the leader listed.
. "$(dirname "$0")/lib.sh"
e2e_up --metads 5 --set paxos_log_keep=20 --set checkpoint_num=50 --set blk_sz=1MB

leader=$(leader_addr) || fail "no leader"
ln=$(metad_no "$leader")
down=()
for i in 1 2 3 4 5; do
  [ "$i" != "$ln" ] && [ ${#down[@]} -lt 2 ] && down+=("$i")
done
e2e_kill "metad${down[0]}"
e2e_kill "metad${down[1]}"
echo "killed followers metad${down[0]} and metad${down[1]}; the leader is metad$ln"

mkdir -p "$MNT/w"
for i in $(seq 1 150); do
  echo "file $i $(head -c 200 /dev/urandom | base64 -w0)" > "$MNT/w/f$i" || fail "write f$i with 2 of 5 metads down"
done
mkdir "$MNT/w/sub" && mv "$MNT/w/f1" "$MNT/w/sub/moved" && rm "$MNT/w/f2" || fail "namespace ops with 2 of 5 down"
echo "150 files written with 3 of 5 metads"

e2e_start "metad${down[0]}"
e2e_start "metad${down[1]}"
deadline=$((SECONDS + 60))
until status_json | python3 -c '
import json, sys
m = json.load(sys.stdin)["metads"]
lead = [x for x in m if x["is_leader"]][0]
back = [x for x in m if x["address"].split(".")[3].split(":")[0] in sys.argv[1:]]
sys.exit(0 if len(back) == 2 and all(x["role"] != "down" and x["applied_index"] >= lead["applied_index"] for x in back) else 1)' "${down[@]}"; do
  [ $SECONDS -lt $deadline ] || { status_json; fail "restarted followers did not catch up within 60 s"; }
  sleep 0.5
done
for i in "${down[@]}"; do
  grep -q "installed a shipped fsimage" "$E2E_ROOT/metad$i/logs/error.log" ||
    fail "metad$i caught up without a snapshot (paxos_log_keep not exceeded?)"
done
grep -q "shipping a snapshot" "$E2E_ROOT/metad$ln/logs/error.log" || fail "the leader never shipped a snapshot"
echo "both restarted followers installed a snapshot and caught up"

# Writes still work, and reach the followers that installed the snapshot.
echo after > "$MNT/w/after" || fail "write after the catch-up"
"$CLI" ls /w /w/sub | sort > "$E2E_ROOT/leader.ls"

# The first of them alone, on its own disk state.
"$LOCAL" down --root "$E2E_ROOT" >/dev/null
f="$E2E_ROOT/metad${down[0]}"
alone="127.$E2E_NET.1.9:8000"
cat > "$E2E_ROOT/alone.conf" <<CONF
Server server;
server.bind_for_cli = "$alone";
server.bind_for_dn = "127.$E2E_NET.1.9:8001";
server.editlog_dir = "$f/editlog";
server.fsimage_dir = "$f/fsimage";
server.error_log = "$E2E_ROOT/alone.log";
server.pid_file = "$E2E_ROOT/alone.pid";
server.daemon = ALLOW;
CONF
"$BUILD/metad/opendfs-metad" -c "$E2E_ROOT/alone.conf" || fail "metad${down[0]}'s state does not start alone: $(tail -3 "$E2E_ROOT/alone.log")"
e2e_bg "$(cat "$E2E_ROOT/alone.pid")"
"$CLI" -n "$alone" ls /w /w/sub | sort > "$E2E_ROOT/alone.ls" || fail "ls on the standalone metad"
diff "$E2E_ROOT/leader.ls" "$E2E_ROOT/alone.ls" || fail "the snapshot-installed metad's namespace differs from the leader's"
[ "$(grep -c ' /w/f[0-9]*$' "$E2E_ROOT/alone.ls")" -eq 148 ] || { head -5 "$E2E_ROOT/alone.ls"; fail "expected 148 files f* in /w"; }
kill "$(cat "$E2E_ROOT/alone.pid")"
echo "metad${down[0]} alone lists exactly what the leader listed ($(wc -l < "$E2E_ROOT/alone.ls") entries)"
e2e_pass
