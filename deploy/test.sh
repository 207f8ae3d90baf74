#!/usr/bin/env bash
# README command 2: fresh Debian 12 machine -> every test run.
#   installs packages, configures and builds build/, runs every meson test suite
#   (unit, sim, integration, e2e), and ends with a line "N passed, N failed".
# Exit status is non-zero when anything failed. Extra arguments go to
# `meson test` (e.g. --suite unit, or a test name).
set -uo pipefail
cd "$(dirname "$0")/.."

./deploy/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

if [ ! -f build/build.ninja ]; then
  meson setup build || { echo "0 passed, 1 failed"; exit 1; }
fi
if ! ninja -C build; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# The mount(8) helper and the binaries are installed so that the e2e tests can
# use `mount -t fuse.opendfs` the way a user does.
if [ "$(id -u)" -eq 0 ]; then
  meson install -C build --quiet --no-rebuild >/dev/null || echo "warning: meson install failed"
fi

meson test -C build --num-processes 2 --print-errorlogs "$@"
meson_rc=$?

python3 - build/meson-logs/testlog.json "$meson_rc" <<'PY'
import json, sys
passed = failed = skipped = 0
names = []
try:
    with open(sys.argv[1]) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            res = r.get("result", "")
            if res in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif res == "SKIP":
                skipped += 1
            else:
                failed += 1
                names.append(r.get("name", "?") + " (" + res + ")")
except FileNotFoundError:
    failed += 1
if failed == 0 and sys.argv[2] != "0":
    failed += 1
    names.append("meson test exited with status " + sys.argv[2])
for n in names:
    print("FAILED:", n)
if skipped:
    print(f"{skipped} skipped")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
