#!/usr/bin/env bash
# The status page (issue 16 §4) in a real browser: every metad serves it on
# its metrics_addr; headless Chromium loads it (the page's own script renders
# the tables) and the dumped DOM must show every blockd live and the same
# file and block counts as `opendfs cluster status`. After blockd3 is killed
# and dn_timeout (3 s here) passes, the leader's page shows it dead and the
# blocks it held under-replicated (2 live blockds cannot restore 3 replicas),
# each listed with its file's path;
# a follower's page links to the leader's. With all three blockds gone the
# page lists the 8 missing blocks with their files' paths. Screenshots of both states are
# left in the build's meson-logs/ for people to look at.
. "$(dirname "$0")/lib.sh"
command -v chromium >/dev/null || { echo "SKIP: no chromium (apt-get install chromium)"; exit 77; }
e2e_up --metads 3 --set dn_timeout=3 --set blk_sz=1MB

mkdir "$MNT/d"
for i in 1 2 3 4; do head -c 1572864 /dev/urandom > "$MNT/d/f$i"; done  # 2 blocks each
for i in $(seq 10); do echo "small $i" > "$MNT/d/s$i"; done
sync

SHOTS="$BUILD/meson-logs"
mkdir -p "$SHOTS"
browser() {  # url what... : chromium headless with a throwaway profile
  local url=$1; shift
  timeout 90 chromium --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$E2E_ROOT/chromium" "$@" "$url" 2>>"$E2E_ROOT/chromium.log"
}
page() {  # url -> JSON of the rendered DOM (status_dom.py)
  browser "$1" --dump-dom > "$E2E_ROOT/dom.html" || fail "chromium could not load $1"
  python3 "$SRC/tests/e2e/status_dom.py" "$E2E_ROOT/dom.html"
}
page_url() { echo "http://$(echo "$1" | sed 's/:8000$/:9100/')/"; }

leader=$(leader_addr)
LEADER_PAGE=$(page_url "$leader")
# The block count reaches the leader with the blockds' reports: wait until
# the CLI sees all 8 blocks, then the page must say the same.
deadline=$((SECONDS + 20))
until [ "$(status_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["blocks"])')" -ge 8 ]; do
  [ $SECONDS -lt $deadline ] || fail "leader never counted 8 blocks"
  sleep 0.2
done
status_json > "$E2E_ROOT/cli.json"
page "$LEADER_PAGE" > "$E2E_ROOT/page.json"
python3 - "$E2E_ROOT/page.json" "$E2E_ROOT/cli.json" "$E2E_NET" <<'PY' || fail "page before the kill"
import json, sys
page, cli, net = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
want = {f"127.{net}.2.{i}:8100": "live" for i in (1, 2, 3)}
if page["blockds"] != want:
    sys.exit(f"blockds on the page {page['blockds']}, want {want}")
if len(page["metads"]) != 3 or list(page["metads"].values()).count("leader") != 1:
    sys.exit(f"metads on the page {page['metads']}")
s = page["summary"]
for key in ("files", "blocks"):
    if s.get(key) != cli[key]:
        sys.exit(f"page {key} {s.get(key)} != cluster status {cli[key]}")
if s.get("blockds_live") != 3 or s.get("blockds_dead") != 0 or s.get("under_replicated") != 0:
    sys.exit(f"summary {s}")
if "leader" not in page["authority"]:
    sys.exit(f"leader page does not say it is the leader: {page['authority']!r}")
print(f"page before: {s}")
PY
browser "$LEADER_PAGE" --screenshot="$SHOTS/status_page_healthy.png" --window-size=1200,1100 >/dev/null ||
  fail "screenshot failed"
[ -s "$SHOTS/status_page_healthy.png" ] || fail "no screenshot written"

# A follower shows its own view and links to the leader's page.
for i in 1 2 3; do
  f="127.$E2E_NET.1.$i:8000"
  [ "$f" = "$leader" ] && continue
  page "$(page_url "$f")" > "$E2E_ROOT/follower.json"
  python3 - "$E2E_ROOT/follower.json" "$LEADER_PAGE" <<'PY' || fail "follower page"
import json, sys
p = json.load(open(sys.argv[1]))
if p["leader_link"] != sys.argv[2]:
    sys.exit(f"follower links to {p['leader_link']!r}, want {sys.argv[2]!r}")
if len(p["blockds"]) != 3:
    sys.exit(f"follower shows blockds {p['blockds']}")
PY
  break
done

e2e_kill blockd3
wait_blockd_state 3 dead 30
deadline=$((SECONDS + 30))
while :; do
  page "$LEADER_PAGE" > "$E2E_ROOT/page.json"
  python3 - "$E2E_ROOT/page.json" "$E2E_NET" <<'PY' && break
import json, sys
page, net = json.load(open(sys.argv[1])), sys.argv[2]
s = page["summary"]
# Every block is under-replicated: listed by file (f1..f4, 2 blocks each).
want = sorted(f"/d/f{i}" for i in (1, 2, 3, 4) for _ in range(2))
ok = (page["blockds"].get(f"127.{net}.2.3:8100") == "dead" and s.get("blockds_dead") == 1
      and s.get("blockds_live") == 2 and s.get("under_replicated") == s.get("blocks") == 8
      and sorted(page["under_replicated_paths"]) == want and page["corrupt_paths"] == [])
print(f"page after: {page['blockds']} {s} {page['under_replicated_paths']}", file=sys.stderr)
sys.exit(0 if ok else 1)
PY
  [ $SECONDS -lt $deadline ] || fail "page never showed blockd3 dead and 8 under-replicated blocks"
  sleep 1
done
status_json | python3 -c '
import json, sys
n = json.load(sys.stdin)["under_replicated"]
sys.exit(0 if n == 8 else f"cluster status says {n} under-replicated")' ||
  fail "page and cluster status disagree"
browser "$LEADER_PAGE" --screenshot="$SHOTS/status_page_blockd_dead.png" --window-size=1200,1100 >/dev/null ||
  fail "screenshot failed"

# With every blockd gone every block is missing, listed with its file.
e2e_kill blockd1
e2e_kill blockd2
wait_blockd_state 1 dead 30
wait_blockd_state 2 dead 30
deadline=$((SECONDS + 30))
while :; do
  page "$LEADER_PAGE" > "$E2E_ROOT/page.json"
  python3 - "$E2E_ROOT/page.json" <<'PY' && break
import json, sys
page = json.load(open(sys.argv[1]))
paths = sorted(page["missing_paths"])
want = sorted(f"/d/f{i}" for i in (1, 2, 3, 4) for _ in (0, 1))  # 2 blocks each
print(f"missing: {page['summary'].get('missing')} {paths}", file=sys.stderr)
sys.exit(0 if page["summary"].get("missing") == 8 and paths == want else 1)
PY
  [ $SECONDS -lt $deadline ] || fail "page never listed the 8 missing blocks with their files"
  sleep 1
done
echo "screenshots: $SHOTS/status_page_healthy.png $SHOTS/status_page_blockd_dead.png"
e2e_pass
