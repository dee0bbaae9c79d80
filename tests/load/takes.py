#!/usr/bin/env python3
"""takes.py: N interactive `labrun take` sessions at once, each on a
pseudo-terminal of its own, driven as candidates would drive them: q at a
brief longer than the screen, Enter at its end, then idle at the prompt;
then `lab time` in every session, one at a time and then all at once (how long each answer takes), then `lab
submit -y`, and each labrun is waited for.  Used by tests/e2e/9500-load.sh
and `make bench` (BENCH=load).

usage: takes.py LABRUN BUNDLE ISSUER_KEY OUTDIR N [IDLE_S]

Prints one JSON object: n, up (sessions that reached their prompt),
up_s (seconds until the last did), rss_kib (the resident memory of each
session's labrun, the supervisor, while all were live and idle),
lab_time_ms (each session's wait for the answer of `lab time` while the
others idle), lab_time_burst_ms (the same, every session asking at
once), exits (each labrun's exit status), graded_s (seconds from the submits to the
last exit), errors (what went wrong)."""
import fcntl
import json
import os
import select
import struct
import sys
import termios
import time


def main():
    labrun, bundle, key, outdir, n = sys.argv[1:6]
    n = int(n)
    idle = float(sys.argv[6]) if len(sys.argv) > 6 else 2.0
    s = []
    errors = []
    for i in range(n):
        pid, fd = os.forkpty()
        if pid == 0:
            os.execv(labrun, [labrun, "take", bundle, "--key", key, "--candidate",
                              "load-%d" % i, "-o", os.path.join(outdir, "t%d.ev" % i)])
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        os.set_blocking(fd, False)
        s.append({"pid": pid, "fd": fd, "buf": b"", "state": "brief", "exit": None})

    def pump(timeout):
        fds = [x["fd"] for x in s if x["fd"] is not None]
        if not fds:
            return
        r, _, _ = select.select(fds, [], [], timeout)
        for x in s:
            if x["fd"] in r:
                try:
                    data = os.read(x["fd"], 65536)
                except OSError:
                    data = b""
                if not data:
                    os.close(x["fd"])
                    x["fd"] = None
                else:
                    x["buf"] = (x["buf"] + data)[-65536:]

    def send(x, text):
        if x["fd"] is not None:
            os.write(x["fd"], text)

    t0 = time.monotonic()
    deadline = t0 + 300
    up_s = None
    while time.monotonic() < deadline:
        pump(0.2)
        now = time.monotonic()
        for x in s:
            if x["state"] == "brief" and b"-- more (" in x["buf"] and b"Press Enter" not in x["buf"]:
                # a brief longer than the screen: skip to its end
                x["buf"] = b""
                send(x, b"q\r")
            elif x["state"] == "brief" and b"Press Enter" in x["buf"]:
                x["buf"] = b""
                send(x, b"\r")
                x["state"] = "starting"
                x["sent"] = now
            elif x["state"] == "starting" and b"candidate@lab" in x["buf"]:
                x["state"] = "idle"
            elif x["state"] == "starting" and not x["buf"] and now - x["sent"] > 3:
                # typed before the pager listened (it drops what was typed
                # ahead): press it again, as a candidate would
                send(x, b"\r")
                x["sent"] = now
        if all(x["state"] == "idle" for x in s):
            up_s = time.monotonic() - t0
            break
    up = sum(1 for x in s if x["state"] == "idle")
    if up < n:
        errors.append("%d of %d sessions never reached their prompt" % (n - up, n))
        for i, x in enumerate(s):
            if x["state"] != "idle":
                errors.append("session %d (%s) showed %r" % (i, x["state"], x["buf"][-300:]))
    # Idle, as candidates reading a brief would be; then memory.
    end_idle = time.monotonic() + idle
    while time.monotonic() < end_idle:
        pump(0.2)
    rss = []
    for x in s:
        try:
            for line in open("/proc/%d/status" % x["pid"]):
                if line.startswith("VmRSS:"):
                    rss.append(int(line.split()[1]))
        except OSError:
            pass
    # One candidate asks `lab time` while every other session idles, in
    # turn: how long each answer takes beside the rest.
    lat = {}
    for x in s:
        if x["state"] != "idle":
            continue
        x["buf"] = b""
        sent = time.monotonic()
        send(x, b"lab time\r")
        deadline = sent + 30
        while b" left of " not in x["buf"] and time.monotonic() < deadline:
            pump(0.01)
        if b" left of " in x["buf"]:
            lat[x["pid"]] = (time.monotonic() - sent) * 1000
    if len(lat) < up:
        errors.append("%d sessions did not answer lab time within 30 s" % (up - len(lat)))
    # Then every candidate at once: the worst moment.
    sent = {}
    for x in s:
        x["buf"] = b""
        send(x, b"lab time\r")
        sent[x["pid"]] = time.monotonic()
    burst = {}
    deadline = time.monotonic() + 60
    while len(burst) < up and time.monotonic() < deadline:
        pump(0.05)
        now = time.monotonic()
        for x in s:
            if x["pid"] not in burst and b" left of " in x["buf"]:
                burst[x["pid"]] = (now - sent[x["pid"]]) * 1000
    # Submit everywhere; wait for every labrun.
    t1 = time.monotonic()
    for x in s:
        send(x, b"lab submit -y\r")
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and any(x["exit"] is None for x in s):
        pump(0.1)
        for x in s:
            if x["exit"] is None:
                p, st = os.waitpid(x["pid"], os.WNOHANG)
                if p:
                    x["exit"] = os.waitstatus_to_exitcode(st)
    graded_s = time.monotonic() - t1
    for x in s:
        if x["exit"] is None:
            errors.append("pid %d did not end" % x["pid"])
        if x["fd"] is not None:
            os.close(x["fd"])
    print(json.dumps({"n": n, "up": up, "up_s": up_s, "rss_kib": rss,
                      "lab_time_ms": sorted(lat.values()),
                      "lab_time_burst_ms": sorted(burst.values()),
                      "exits": [x["exit"] for x in s], "graded_s": graded_s,
                      "errors": errors}))


if __name__ == "__main__":
    main()
