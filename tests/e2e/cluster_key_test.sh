#!/usr/bin/env bash
# Cluster key (issue 15 §1), real processes: three metads and two blockds
# started by opendfs-local with its 0600 cluster.key serve a mount (Paxos,
# registration, reports and copies all authenticated); a blockd holding
# another key is refused (a log line on both sides) and never goes live; a
# blockd whose key file is world-readable refuses to start with one line; a
# fake peer speaking Paxos without the key is refused and changes nothing;
# `opendfs key generate` never overwrites a key.
. "$(dirname "$0")/lib.sh"
e2e_up --metads 3 --blockds 2 --set blk_sz=1MB --set blk_rep=2

key="$E2E_ROOT/cluster.key"
[ "$(stat -c %a "$key")" = 600 ] || fail "cluster.key is mode $(stat -c %a "$key"), not 600"
grep -q "^server.cluster_key_file = \"$key\";" "$E2E_ROOT/metad1/namenode.conf" ||
  fail "namenode.conf does not name the key"

head -c 3000000 /dev/urandom > "$E2E_ROOT/f"
cp "$E2E_ROOT/f" "$MNT/f"
check "read back through the keyed cluster" cmp "$E2E_ROOT/f" "$MNT/f"

# A blockd with another key: refused at the metads, never live.
"$CLI" key generate --out "$E2E_ROOT/other.key" 2>/dev/null || fail "key generate --out"
if "$CLI" key generate --out "$E2E_ROOT/other.key" 2>"$E2E_ROOT/again.err"; then
  fail "key generate overwrote an existing key"
fi
grep -q "other.key" "$E2E_ROOT/again.err" || fail "key generate's refusal does not name the file"
bad="$E2E_ROOT/badblockd"
mkdir -p "$bad/data"
ns_srv=$(echo "$OPENDFS_METADS" | sed 's/:8000/:8001/g')
{
  echo "Server server;"
  printf 'server.%s = "%s";\n' bind_for_cli "127.$E2E_NET.2.9:8100" ns_srv "$ns_srv" \
    data_dir "$bad/data" error_log "$bad/error.log" \
    cluster_key_file "$E2E_ROOT/other.key"
} > "$bad/datanode.conf"
"$BUILD/blockd/opendfs-blockd" -c "$bad/datanode.conf" -f 2>/dev/null &
e2e_bg $!
for _ in $(seq 50); do grep -q "refusing peer" "$bad/error.log" 2>/dev/null && break; sleep 0.2; done
grep -q "refusing peer .*cluster key" "$bad/error.log" ||
  fail "the wrong-key blockd did not log its refusal: $(tail -3 "$bad/error.log" 2>/dev/null)"
grep -q "metad-dn: peer .* left during the cluster-key handshake" "$E2E_ROOT"/metad*/logs/error.log ||
  fail "no metad logged the refused blockd"
sleep 2
if "$CLI" cluster status | grep -q "127.$E2E_NET.2.9:8100"; then
  fail "the wrong-key blockd registered"
fi

# A world-readable key: the daemon does not start, and says why in one line.
cp "$key" "$E2E_ROOT/open.key"
chmod 644 "$E2E_ROOT/open.key"
sed "s|other.key|open.key|; s|2\.9:8100|2.10:8100|" "$bad/datanode.conf" > "$bad/open.conf"
if "$BUILD/blockd/opendfs-blockd" -c "$bad/open.conf" -f 2>"$bad/open.err"; then
  fail "a blockd with a world-readable key started"
fi
grep -q "open.key.*chmod 600" "$bad/open.err" || fail "unclear refusal: $(cat "$bad/open.err")"
[ "$(grep -c . "$bad/open.err")" -eq 1 ] || fail "refusal is not one line: $(cat "$bad/open.err")"

# A fake peer speaking Paxos in clear: the connection is closed, one log line.
python3 - "127.$E2E_NET.1.1" <<'PY' || fail "the fake Paxos peer was not refused"
import socket, struct, sys
s = socket.create_connection((sys.argv[1], 8002), timeout=5)
payload = b'\x0c\x00\x00\x00' + b'\x00' * 28  # any bytes: it must not get that far
hdr = struct.pack('<IBBHQII', 0x5346444F, 1, 0, 400, 1, len(payload), 0)
s.sendall(hdr + payload)
s.settimeout(5)
assert s.recv(100) == b'', 'the metad answered an unauthenticated Paxos frame'
PY
grep -q "metad-paxos: refusing peer .*not the cluster-key handshake" "$E2E_ROOT"/metad1/logs/error.log ||
  fail "metad1 did not log the fake peer"

# Everything still serves.
cp "$E2E_ROOT/f" "$MNT/g"
check "the cluster still serves" cmp "$E2E_ROOT/f" "$MNT/g"
live=$("$CLI" cluster status --json | python3 -c 'import json,sys; print(sum(b["state"]=="live" for b in json.load(sys.stdin)["blockds"]))')
[ "$live" -eq 2 ] || fail "$live blockds live, want 2"
e2e_pass
