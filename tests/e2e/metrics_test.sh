#!/usr/bin/env bash
# Prometheus metrics (issue 16 §3): every metad serves GET /metrics on its
# metrics_addr (opendfs-local: 127.X.1.i:9100) in the text exposition format.
# After file operations on the mount: every scrape parses (types, labels,
# cumulative histograms), exactly one metad reports is_leader 1, and the
# leader's Create (RPC 107) Ok count and inode count cover the files created.
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
creates = L.get('opendfs_metad_requests_total{method="107",result="Ok"}', 0)
if creates < n:
    sys.exit(f"leader counted {creates} Ok creates, want >= {n}")
print(f"leader {leaders[0]['url']}: {creates:.0f} creates, "
      f"{L['opendfs_metad_inodes{}']:.0f} inodes")
PY

# Bad metrics_addr is a clear start-up error (not a silent no-metrics daemon):
# metad1's config with its own dirs moved aside and an unparsable address.
d="$E2E_ROOT/metad1" b="$E2E_ROOT/bad"
mkdir -p "$b/editlog" "$b/fsimage" "$b/logs"
sed -e "s|$d|$b|g" -e 's|^\(.*metrics_addr *= *\).*|\1"not-an-address";|' \
  "$d/namenode.conf" > "$b/namenode.conf"
grep -q 'not-an-address' "$b/namenode.conf" || fail "no metrics_addr line in $d/namenode.conf"
out=$("$BUILD/metad/opendfs-metad" -c "$b/namenode.conf" 2>&1) && fail "metad started with a bad metrics_addr"
echo "$out" | grep -q metrics_addr || fail "bad metrics_addr error does not name it: $out"
e2e_pass
