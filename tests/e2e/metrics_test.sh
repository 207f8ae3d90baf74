#!/usr/bin/env bash
# Prometheus metrics (issue 16 §3): every metad, blockd and the mount serve
# GET /metrics on their metrics_addr (opendfs-local: metads 127.X.1.i:9100,
# blockds 127.X.2.i:9100, the mount 127.X.3.1:9100) in the text exposition
# format. After file operations on the mount: every scrape parses (types,
# labels, cumulative histograms), exactly one metad reports is_leader 1 and
# Paxos role leader, the leader's Create Ok count and inode count cover the
# files created; then a 4 MiB write moves the real counters: blockd bytes
# written and WriteBlockData ops, the mount's write ops and bytes, and a
# failed open shows up as an ENOENT error of the mount. Every metric that
# deploy/grafana-dashboard.json queries is among the scraped ones. `opendfs
# top` shows a Create rate while files are being created.
. "$(dirname "$0")/lib.sh"
e2e_up

N=25
mkdir "$MNT/m"
for i in $(seq $N); do echo "file $i" > "$MNT/m/f$i"; done
sync

urls=()
for i in 1 2 3; do urls+=("http://127.$E2E_NET.1.$i:9100/metrics"); done
python3 "$SRC/tests/e2e/metrics_parse.py" "${urls[@]}" > "$E2E_ROOT/scrape.json" ||
  fail "a /metrics scrape failed or did not parse"

python3 - "$E2E_ROOT/scrape.json" "$N" <<'PY' || fail "metrics do not reflect the operations"
import json, sys
n = int(sys.argv[2])
scrapes = [json.loads(l) for l in open(sys.argv[1])]
leaders = [s for s in scrapes if s["samples"].get("opendfs_metad_is_leader{}") == 1]
if len(leaders) != 1:
    sys.exit(f"{len(leaders)} metads report is_leader 1 (want exactly 1)")
for s in scrapes:
    if s["types"].get("opendfs_metad_request_duration_seconds") != "histogram" and s is leaders[0]:
        sys.exit("leader has no request latency histogram")
    if s["samples"].get("opendfs_metad_inodes{}", 0) < n + 2:
        sys.exit(f"{s['url']}: inodes {s['samples'].get('opendfs_metad_inodes{}')} < {n + 2}")
L = leaders[0]["samples"]
creates = L.get('opendfs_metad_requests_total{method="Create",result="Ok"}', 0)
if creates < n:
    sys.exit(f"leader counted {creates} Ok creates, want >= {n}")
if L.get('opendfs_metad_paxos_role{role="leader"}') != 1:
    sys.exit("leader does not report paxos_role leader 1")
for key in ("opendfs_metad_committed_index{}", "opendfs_metad_ballot_round{}",
            "opendfs_metad_editlog_bytes{}", "opendfs_metad_resident_memory_bytes{}"):
    if L.get(key, 0) <= 0:
        sys.exit(f"leader {key} = {L.get(key)}, want > 0")
live = L.get('opendfs_metad_blockds{state="live"}')
if live != 3:
    sys.exit(f"leader counts {live} live blockds, want 3")
if L.get("opendfs_metad_batch_records_count{}", 0) < 1:
    sys.exit("no committed batch observed")
print(f"leader {leaders[0]['url']}: {creates:.0f} creates, "
      f"{L['opendfs_metad_inodes{}']:.0f} inodes")
PY

# Blockds and the mount: one scrape before and one after a 4 MiB write.
others=("http://$(blockd_addr 1 | sed 's/:8100$/:9100/')/metrics"
        "http://$(blockd_addr 2 | sed 's/:8100$/:9100/')/metrics"
        "http://$(blockd_addr 3 | sed 's/:8100$/:9100/')/metrics"
        "http://127.$E2E_NET.3.1:9100/metrics")
python3 "$SRC/tests/e2e/metrics_parse.py" "${others[@]}" > "$E2E_ROOT/before.json" ||
  fail "a blockd or mount /metrics scrape failed or did not parse"
head -c 4194304 /dev/urandom > "$MNT/m/big"
sync
cat "$MNT/m/no-such-file" 2>/dev/null && fail "reading a missing file worked"
python3 "$SRC/tests/e2e/metrics_parse.py" "${others[@]}" > "$E2E_ROOT/after.json" ||
  fail "a blockd or mount /metrics scrape failed or did not parse"
python3 - "$E2E_ROOT/before.json" "$E2E_ROOT/after.json" <<'PY' || fail "blockd/mount metrics do not move with a write"
import json, sys
before = [json.loads(l)["samples"] for l in open(sys.argv[1])]
after = [json.loads(l) for l in open(sys.argv[2])]
grow = lambda i, k: after[i]["samples"].get(k, 0) - before[i].get(k, 0)
# Every blockd holds a replica of the file (3 blockds, 3 replicas).
for i in range(3):
    a = after[i]["samples"]
    url = after[i]["url"]
    if grow(i, "opendfs_blockd_bytes_written_total{}") < 4194304:
        sys.exit(f"{url}: bytes_written grew {grow(i, 'opendfs_blockd_bytes_written_total{}')}")
    if grow(i, 'opendfs_blockd_requests_total{method="WriteBlockData",result="Ok"}') < 1:
        sys.exit(f"{url}: no WriteBlockData Ok counted")
    if after[i]["types"].get("opendfs_blockd_request_duration_seconds") != "histogram":
        sys.exit(f"{url}: no request latency histogram")
    used = [v for k, v in a.items() if k.startswith("opendfs_blockd_disk_used_bytes{dir=")]
    free = [v for k, v in a.items() if k.startswith("opendfs_blockd_disk_free_bytes{dir=")]
    if len(used) != 1 or used[0] < 4194304 or len(free) != 1 or free[0] <= 0:
        sys.exit(f"{url}: disk used {used} free {free} per data_dir")
    if "opendfs_blockd_scanner_bytes_scanned_total{}" not in a:
        sys.exit(f"{url}: no scanner progress")
m = after[3]["samples"]
if grow(3, "opendfs_mount_bytes_written_total{}") < 4194304:
    sys.exit(f"mount bytes_written grew {grow(3, 'opendfs_mount_bytes_written_total{}')}")
writes = grow(3, 'opendfs_mount_ops_total{op="write"}')
if writes < 4:
    sys.exit(f"mount write ops grew {writes}")
if m.get('opendfs_mount_errors_total{op="lookup",errno="ENOENT"}', 0) < 1:
    sys.exit("mount counted no ENOENT lookup error")
if after[3]["types"].get("opendfs_mount_op_duration_seconds") != "histogram":
    sys.exit("mount has no op latency histogram")
mean = lambda op: (m.get(f'opendfs_mount_op_duration_seconds_sum{{op="{op}"}}', 0) /
                   max(1, m.get(f'opendfs_mount_op_duration_seconds_count{{op="{op}"}}', 0)))
print(f"blockds and mount metrics move with the write (mount mean handler time: "
      f"lookup {mean('lookup') * 1e6:.0f} us, create {mean('create') * 1e6:.0f} us, "
      f"write {mean('write') * 1e6:.0f} us)")
PY

# deploy/grafana-dashboard.json only uses metrics some daemon exports.
python3 "$SRC/tests/e2e/dashboard_check.py" "$SRC/deploy/grafana-dashboard.json" \
  "$E2E_ROOT/scrape.json" "$E2E_ROOT/after.json" || fail "Grafana dashboard out of date"

# opendfs top: rates from two scrapes of the leader while files are created.
( for i in $(seq 200); do : > "$MNT/m/top$i"; sleep 0.01; done ) &
loader=$!
top_out=$("$CLI" top --interval 1.5 --count 1) || fail "opendfs top failed: $top_out"
wait "$loader"
echo "$top_out" | grep -q '^METHOD *OPS/S' || fail "opendfs top: no header: $top_out"
echo "$top_out" | awk '$1 == "Create" && $2 > 0 { found = 1 } END { exit !found }' ||
  fail "opendfs top shows no Create rate while files were created: $top_out"
"$CLI" top --interval 0 --count 1 >/dev/null 2>&1 && fail "opendfs top accepted --interval 0"

# Bad metrics_addr is a clear start-up error (not a silent no-metrics daemon):
# metad1's config with its own dirs moved aside and an unparsable address.
d="$E2E_ROOT/metad1" b="$E2E_ROOT/bad"
mkdir -p "$b/editlog" "$b/fsimage" "$b/logs"
sed -e "s|$d|$b|g" -e 's|^\(.*metrics_addr *= *\).*|\1"not-an-address";|' \
  "$d/namenode.conf" > "$b/namenode.conf"
grep -q 'not-an-address' "$b/namenode.conf" || fail "no metrics_addr line in $d/namenode.conf"
out=$("$BUILD/metad/opendfs-metad" -c "$b/namenode.conf" 2>&1) && fail "metad started with a bad metrics_addr"
echo "$out" | grep -q metrics_addr || fail "bad metrics_addr error does not name it: $out"

# The same for a blockd (blockd1's config, its own dirs moved aside) ...
d="$E2E_ROOT/blockd1" b="$E2E_ROOT/badb"
mkdir -p "$b/data" "$b/logs"
sed -e "s|$d|$b|g" -e 's|^\(.*metrics_addr *= *\).*|\1"not-an-address";|' \
  "$d/datanode.conf" > "$b/datanode.conf"
grep -q 'not-an-address' "$b/datanode.conf" || fail "no metrics_addr line in $d/datanode.conf"
out=$("$BUILD/blockd/opendfs-blockd" -c "$b/datanode.conf" 2>&1) && fail "blockd started with a bad metrics_addr"
echo "$out" | grep -q metrics_addr || fail "blockd's bad metrics_addr error does not name it: $out"
# ... and for a mount, which must not stay mounted.
mkdir -p "$E2E_ROOT/mnt3"
EXTRA_MOUNTS+=("$E2E_ROOT/mnt3")
out=$("$BUILD/mount/opendfs-mount" "$OPENDFS_METADS" "$E2E_ROOT/mnt3" \
  -o "metrics_addr=no-such-host.invalid:1,error_log=$E2E_ROOT/mount3.log" 2>&1) &&
  fail "mount started with a bad metrics_addr"
echo "$out" | grep -q metrics_addr || fail "mount's bad metrics_addr error does not name it: $out"
grep -q " $E2E_ROOT/mnt3 fuse" /proc/mounts && fail "mount with a bad metrics_addr stayed mounted"
e2e_pass
