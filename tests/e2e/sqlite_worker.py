#!/usr/bin/env python3
"""sqlite3 on a network filesystem, for tests/e2e/sqlite_two_mounts_test.sh.

  init DB [wal]           creates tables counter(n) = 0 and rows(who, seq, seen)
  work DB WHO N [wal]     N transactions, each BEGIN IMMEDIATE; read counter;
                          counter = counter + 1; insert (WHO, i, counter read);
                          COMMIT — with a busy timeout, so that another
                          process's transaction makes this one wait, not fail.
                          Prints "done WHO N busy=B" (B = busy errors retried).
  (on any other sqlite error — strict: "unable to open database file" or
  "disk I/O error" included — prints it and "committed K", exits 2)
  check DB TOTAL          the counter is TOTAL, integrity_check is ok, there
                          are TOTAL rows and the counter values seen are
                          exactly 0..TOTAL-1 (each transaction saw the one
                          before it: serialised, no stale read).
"""
import sqlite3
import sys
import time


def connect(db, wal):
    c = sqlite3.connect(db, timeout=60, isolation_level=None)
    if wal:
        mode = c.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        print(f"journal_mode={mode}", flush=True)
    return c


def init(db, wal=""):
    c = connect(db, wal)
    c.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
    c.execute("INSERT INTO counter VALUES (1, 0)")
    c.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, who TEXT, seq INTEGER, seen INTEGER,"
              " pad BLOB)")
    c.close()


def work(db, who, n, wal=""):
    c = connect(db, wal)
    busy = 0
    i = 0
    global committed
    while i < int(n):
        try:
            c.execute("BEGIN IMMEDIATE")
            seen = c.execute("SELECT n FROM counter WHERE id = 1").fetchone()[0]
            c.execute("UPDATE counter SET n = ? WHERE id = 1", (seen + 1,))
            # Rows of a few hundred bytes: the file grows over many pages.
            c.execute("INSERT INTO rows (who, seq, seen, pad) VALUES (?, ?, ?, ?)",
                      (who, i, seen, bytes([i % 251]) * 300))
            c.execute("COMMIT")
            i += 1
            committed = i
        except sqlite3.OperationalError as e:
            # Strict: the other process holding the database is the only
            # error a transaction may meet (SQLITE_BUSY / SQLITE_LOCKED).
            # Anything else — "unable to open database file", "disk I/O
            # error" — is the filesystem failing sqlite and fails the test.
            if "locked" not in str(e) and "busy" not in str(e):
                raise
            busy += 1
            if c.in_transaction:
                c.execute("ROLLBACK")
            time.sleep(0.01)
    c.close()
    print(f"done {who} {n} busy={busy}", flush=True)


def check(db, total):
    total = int(total)
    c = sqlite3.connect(db, timeout=60, isolation_level=None)
    bad = []
    ic = c.execute("PRAGMA integrity_check").fetchall()
    if ic != [("ok",)]:
        bad.append(f"integrity_check: {ic[:5]}")
    n = c.execute("SELECT n FROM counter WHERE id = 1").fetchone()[0]
    if n != total:
        bad.append(f"counter is {n}, want {total}")
    rows = c.execute("SELECT COUNT(*) FROM rows").fetchone()[0]
    if rows != total:
        bad.append(f"{rows} rows, want {total}")
    seen = sorted(r[0] for r in c.execute("SELECT seen FROM rows"))
    if seen != list(range(total)):
        dup = len(seen) - len(set(seen))
        bad.append(f"counter values seen are not 0..{total - 1} ({dup} seen twice: lost updates)")
    c.close()
    if bad:
        print("; ".join(bad))
        sys.exit(1)
    print(f"ok: counter={n} rows={rows} integrity ok")


committed = 0  # transactions of this worker that COMMIT acknowledged

if __name__ == "__main__":
    try:
        {"init": init, "work": work, "check": check}[sys.argv[1]](*sys.argv[2:])
    except sqlite3.DatabaseError as e:
        print(f"sqlite error: {e}", flush=True)
        print(f"committed {committed}", flush=True)
        sys.exit(2)
