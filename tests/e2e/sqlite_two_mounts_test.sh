#!/bin/bash
# sqlite3 on two mounts of one database (issue 12 §3): sqlite's default
# rollback-journal mode serialises writers with fcntl locks on the database
# file and trusts that what it reads after taking a lock is what the last
# holder wrote. Two processes, one per mount, each run N transactions
# (BEGIN IMMEDIATE; read counter; counter + 1; insert a row; COMMIT) at the
# same time. The counter must end at 2N, integrity_check ok, every row
# there, and the counter values the transactions read exactly 0..2N-1 —
# checked from both mounts. Fails when locks are per mount (both hold the
# write lock at once) or when a mount serves pages older than the other
# mount's last commit.
. "$(dirname "$0")/lib.sh"
N=${ODFS_SQLITE_TXNS:-60}
e2e_up --metads 1
# Strict: any sqlite error but SQLITE_BUSY/LOCKED fails the worker. Those
# used to come now and then ("unable to open database file", "disk I/O
# error") from a db-journal the other mount had deleted still cached here,
# an inode gone answered ENOENT instead of ESTALE, and unlocked reads of
# the db header while the other mount rewrote its block (issue 12).
e2e_mount2  # the mounts log to $E2E_ROOT/mount.log and mount2.log (shown on failure)
W="$(dirname "$0")/sqlite_worker.py"
DB=db.sqlite
mkdir -p "$MNT/sq"
python3 "$W" init "$MNT/sq/$DB" || fail "creating the database"

t0=$(now_ms)
python3 "$W" work "$MNT/sq/$DB" one "$N" > "$E2E_ROOT/one.out" 2>&1 & P1=$!; e2e_bg $P1
python3 "$W" work "$MNT2/sq/$DB" two "$N" > "$E2E_ROOT/two.out" 2>&1 & P2=$!; e2e_bg $P2
wait $P1 || fail "mount 1 worker: $(cat "$E2E_ROOT/one.out")"
wait $P2 || fail "mount 2 worker: $(cat "$E2E_ROOT/two.out")"
cat "$E2E_ROOT/one.out" "$E2E_ROOT/two.out"
echo "$((2 * N)) transactions in $(( $(now_ms) - t0 )) ms"
python3 "$W" check "$MNT/sq/$DB" $((2 * N)) || fail "database as seen from mount 1"
python3 "$W" check "$MNT2/sq/$DB" $((2 * N)) || fail "database as seen from mount 2"

# WAL mode: sqlite keeps its WAL index in a shared-memory file (db-shm)
# that each process mmaps, which two machines cannot share; sqlite documents
# that WAL does not work over a network filesystem. It should at least fail
# cleanly: no transaction acknowledged by COMMIT lost, integrity_check ok.
# Today it does not (README Not yet: each mount's writer believes it is
# alone and half the commits are lost), so this part runs only with
# ODFS_SQLITE_WAL=1, and fails there.
if [ "${ODFS_SQLITE_WAL:-0}" != 1 ]; then e2e_pass; exit 0; fi
python3 "$W" init "$MNT/sq/wal.sqlite" wal || fail "creating the WAL database"
python3 "$W" work "$MNT/sq/wal.sqlite" one "$N" wal > "$E2E_ROOT/wal1.out" 2>&1 & P1=$!; e2e_bg $P1
python3 "$W" work "$MNT2/sq/wal.sqlite" two "$N" wal > "$E2E_ROOT/wal2.out" 2>&1 & P2=$!; e2e_bg $P2
r1=0; r2=0; wait $P1 || r1=$?; wait $P2 || r2=$?
echo "WAL: mount 1 exit $r1: $(tr '\n' ' ' < "$E2E_ROOT/wal1.out")"
echo "WAL: mount 2 exit $r2: $(tr '\n' ' ' < "$E2E_ROOT/wal2.out")"
k1=$N; k2=$N
[ $r1 -eq 0 ] || k1=$(sed -n 's/^committed //p' "$E2E_ROOT/wal1.out")
[ $r2 -eq 0 ] || k2=$(sed -n 's/^committed //p' "$E2E_ROOT/wal2.out")
python3 "$W" check "$MNT/sq/wal.sqlite" $((k1 + k2)) || fail "WAL database as seen from mount 1"
python3 "$W" check "$MNT2/sq/wal.sqlite" $((k1 + k2)) || fail "WAL database as seen from mount 2"
e2e_pass
