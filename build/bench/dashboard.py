#!/usr/bin/env python3
"""The dashboard's queue page with 1,000 pending proposals across 50 bottles.

    python3 build/bench/dashboard.py DIST OUT ROUNDS

Fills a fresh database through bot-bottle-propose (20 pending in each of 50 bottles: the default
per-bottle cap; the burst limit is raised for the fill), starts `bot-bottle-host dashboard`, signs in,
and then, ROUNDS times: loads the queue page as a browser does (the page shell, then its event
stream until the 1,000th pending proposal has arrived) and times it on loopback: that is the server's
time plus a loopback round trip. Also the same page with an empty queue, and the bottles API.
Writes {"queue_1000": {...}, "queue_empty": {...}, "bottles_50": {...}} with p50/p90/max in ms.
"""
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

dist, out_path, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
sidecar = os.path.join(dist, "bot-bottle-sidecar")
propose = os.path.join(dist, "bot-bottle-propose")
host = os.path.join(dist, "bot-bottle-host")
BOTTLES, EACH = 50, 20


def start_dashboard(db):
    dashboard = subprocess.Popen([host, "--db", db, "dashboard", "--listen", "127.0.0.1:0"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in dashboard.stdout:
        if line.startswith("Open http://"):
            url = urllib.parse.urlsplit(line.split(" ", 1)[1].strip())
            return dashboard, url
    sys.exit("dashboard printed no address: " + dashboard.stderr.read())


def sign_in(url):
    connection = http.client.HTTPConnection(url.hostname, url.port)
    connection.request("GET", f"{url.path}?{url.query}")
    response = connection.getresponse()
    response.read()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    connection.close()
    return cookie


def load_queue(url, cookie, expected):
    """Milliseconds from asking for the page to holding its shell and every pending proposal."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(url.hostname, url.port)
    connection.request("GET", "/", headers={"Cookie": cookie})
    shell = connection.getresponse()
    assert shell.status == 200 and b"dashboard.js" in shell.read()
    connection.request("GET", "/events", headers={"Cookie": cookie, "Accept": "text/event-stream"})
    events = connection.getresponse()
    seen = 0
    reset = False
    while not (reset and seen >= expected):
        line = events.readline()
        if not line:
            raise RuntimeError(f"stream ended after {seen} proposals")
        if line.startswith(b"event: reset"):
            reset = True
        elif line.startswith(b"data: {\"event\":\"pending\""):
            seen += 1
    elapsed = (time.perf_counter() - started) * 1000
    connection.close()
    return elapsed


def get(url, cookie, path):
    started = time.perf_counter()
    connection = http.client.HTTPConnection(url.hostname, url.port)
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    body = response.read()
    assert response.status == 200, body
    connection.close()
    return (time.perf_counter() - started) * 1000, body


def summary(samples):
    ordered = sorted(samples)
    return {"runs": len(ordered), "p50_ms": round(statistics.median(ordered), 2),
            "p90_ms": round(ordered[int(len(ordered) * 0.9) - 1], 2), "max_ms": round(ordered[-1], 2)}


with tempfile.TemporaryDirectory() as work:
    db = os.path.join(work, "bot-bottle.db")
    subprocess.run([sidecar, "--db", db, "db", "migrate"], check=True, capture_output=True)
    subprocess.run([sidecar, "--db", db, "limits", "set", "rate_burst", str(EACH)], check=True, capture_output=True)
    allowlist = os.path.join(work, "allowlist")
    results = {}

    dashboard, url = start_dashboard(db)
    try:
        cookie = sign_in(url)
        results["queue_empty"] = summary([load_queue(url, cookie, 0) for _ in range(rounds)])
    finally:
        dashboard.terminate()
        dashboard.wait()

    for bottle in range(BOTTLES):
        for n in range(EACH):
            with open(allowlist, "w") as f:
                f.write(f"host-{n}.bottle-{bottle}.example\n")
            subprocess.run([propose, "--db", db, "--slug", f"bottle-{bottle:02d}", "--tool", "pipelock-block",
                            "--justification", f"proposal {n} of bottle {bottle}", "--file", allowlist],
                           check=True, capture_output=True)

    dashboard, url = start_dashboard(db)
    try:
        cookie = sign_in(url)
        load_queue(url, cookie, BOTTLES * EACH)  # the first load warms the process up
        results["queue_1000"] = summary([load_queue(url, cookie, BOTTLES * EACH) for _ in range(rounds)])
        timings = []
        for _ in range(rounds):
            elapsed, body = get(url, cookie, "/api/bottles")
            timings.append(elapsed)
        assert len(json.loads(body)["bottles"]) == BOTTLES
        results["bottles_50"] = summary(timings)
    finally:
        dashboard.terminate()
        dashboard.wait()

with open(out_path, "w") as f:
    json.dump(results, f, indent=2)
print(json.dumps(results))
