#!/usr/bin/env python3
"""Plays systemd's part for Type=notify units, without systemd as PID 1.

  sd_notify_check.py SPEC.json

SPEC: {"daemons": [{"name": "metad", "cmd": [...], "ports": ["h:p", ...],
                    "mounts": ["/mnt/x"]}, ...],
       "during": ["cmd", ...]}           # optional, run once all are ready

For each daemon in order: binds a unix datagram socket, starts cmd with
NOTIFY_SOCKET pointing at it, waits for READY=1 and then checks that every
port accepts a TCP connection and every mount is in /proc/mounts (READY=1
before that is a failure), and that the started process is still the one
running (a fork would make systemd lose the main pid). Then runs "during".
Then stops the daemons in reverse order: SIGTERM, STOPPING=1 must arrive,
and the exit status must be 0. Prints one line per step; exit 0 only if
every check held. Kills whatever it started on any failure.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

READY_TIMEOUT_S = 30
STOP_TIMEOUT_S = 30
FORK_GRACE_S = 0.5


class Failed(Exception):
    pass


def port_accepts(hostport):
    host, port = hostport.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


def mounted(path):
    with open("/proc/mounts") as f:
        return any(line.split()[1] == path for line in f)


def wait_for(sock, proc, word, timeout_s, name):
    """Reads notifications until one holds the line `word`; returns them all."""
    seen = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        sock.settimeout(0.2)
        try:
            msg = sock.recv(4096).decode(errors="replace")
        except socket.timeout:
            if proc.poll() is not None and word == "READY=1":
                raise Failed(f"{name}: exited with {proc.returncode} before {word}")
            continue
        seen.extend(msg.split("\n"))
        if word in msg.split("\n"):
            return seen
    raise Failed(f"{name}: no {word} within {timeout_s} s (got {seen})")


def start(d, tmp):
    path = os.path.join(tmp, d["name"] + ".notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    env = dict(os.environ, NOTIFY_SOCKET=path)
    log = open(os.path.join(tmp, d["name"] + ".stderr"), "w+")
    proc = subprocess.Popen(d["cmd"], env=env, stdout=log, stderr=log)
    d.update(sock=sock, proc=proc, log=log)
    wait_for(sock, proc, "READY=1", READY_TIMEOUT_S, d["name"])
    for p in d.get("ports", []):
        if not port_accepts(p):
            raise Failed(f"{d['name']}: READY=1 but {p} does not accept connections")
    for m in d.get("mounts", []):
        if not mounted(m):
            raise Failed(f"{d['name']}: READY=1 but {m} is not mounted")
    # A daemon that forked anyway: its parent leaves right after the child's
    # READY=1 (libnet's Daemonize); give it the time to.
    time.sleep(FORK_GRACE_S)
    if proc.poll() is not None:
        raise Failed(f"{d['name']}: the started process exited ({proc.returncode}) after READY=1 "
                     "(forked into the background?)")
    print(f"ok: {d['name']}: READY=1 after {', '.join(d.get('ports', []) + d.get('mounts', []))} "
          f"answered; pid {proc.pid} still the daemon")


def stop(d):
    proc, name = d["proc"], d["name"]
    proc.send_signal(signal.SIGTERM)
    wait_for(d["sock"], proc, "STOPPING=1", STOP_TIMEOUT_S, name)
    try:
        rc = proc.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise Failed(f"{name}: still running {STOP_TIMEOUT_S} s after SIGTERM")
    if rc != 0:
        raise Failed(f"{name}: exit status {rc} after SIGTERM (want 0)")
    print(f"ok: {name}: SIGTERM -> STOPPING=1, exit 0")


def main():
    spec = json.load(open(sys.argv[1]))
    daemons = spec["daemons"]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = tempfile.mkdtemp(prefix="sd-notify.")
    rc = 0
    try:
        for d in daemons:
            start(d, tmp)
        if spec.get("during"):
            r = subprocess.run(spec["during"])
            if r.returncode != 0:
                raise Failed(f"{spec['during'][0]} exited with {r.returncode}")
        for d in reversed(daemons):
            stop(d)
    except Failed as e:
        print(f"FAIL: {e}", file=sys.stderr)
        rc = 1
    finally:
        for d in daemons:
            p = d.get("proc")
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
            if rc and d.get("log"):
                d["log"].seek(0)
                print(f"---- {d['name']} stderr ----\n{d['log'].read()[-3000:]}", file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
