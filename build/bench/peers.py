#!/usr/bin/env python3
"""The peers the benchmarks compare against: bot-bottle's operations written with Python's stdlib
sqlite3 the way bot-bottle's Python does them today (a fresh connection per operation, waits that
poll every 0.5 s).

    peers.py propose DB                       one proposal, as a whole process
    peers.py wake DB ROUNDS OUT -- ANSWERER…  wake latency: ANSWERER answers each id read on stdin
                                              and prints CLOCK_MONOTONIC (ns) as its write starts
    peers.py idle-cpu DB WAITERS SECONDS OUT  CPU of WAITERS threads polling unanswered proposals
"""
import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone

POLL_SECONDS = 0.5


def connect(db):
    connection = sqlite3.connect(db, timeout=5, isolation_level=None)
    connection.execute("PRAGMA busy_timeout=5000")
    return connection


def propose(db, justification="bench"):
    proposal_id = uuid.uuid4().hex
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    connection = connect(db)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "INSERT INTO supervise_proposals (id, bottle_slug, tool, proposed_file, justification, arrival_timestamp, archived)"
            " VALUES (?, 'bench', 'git-gate', 'x', ?, ?, 0)",
            (proposal_id, justification, now))
        connection.execute("COMMIT")
    finally:
        connection.close()
    return proposal_id


def wait_for_response(db, proposal_id, stop=None):
    while stop is None or not stop.is_set():
        connection = connect(db)
        try:
            row = connection.execute("SELECT status FROM supervise_responses WHERE proposal_id = ?", (proposal_id,)).fetchone()
        finally:
            connection.close()
        if row is not None:
            return row[0]
        time.sleep(POLL_SECONDS)
    return None


def percentiles(values):
    ordered = sorted(values)

    def at(q):
        return ordered[min(len(ordered) - 1, max(0, int(-(-q * len(ordered) // 1)) - 1))]

    return {"count": len(ordered), "min": ordered[0], "p50": at(0.5), "p99": at(0.99), "max": ordered[-1]}


def wake(db, rounds, out, answerer):
    child = subprocess.Popen(answerer, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    latencies = []
    rng = random.Random(1)
    for _ in range(rounds):
        proposal_id = propose(db, "wake")
        result = {}
        waiter = threading.Thread(target=lambda: result.setdefault("t", (wait_for_response(db, proposal_id), time.monotonic_ns())))
        waiter.start()
        time.sleep(rng.uniform(0.003, 0.015))
        child.stdin.write(proposal_id + "\n")
        child.stdin.flush()
        committed = int(child.stdout.readline())
        waiter.join()
        latencies.append((result["t"][1] - committed) / 1e6)
    child.stdin.close()
    child.wait()
    with open(out, "w") as f:
        json.dump({"wake_ms": percentiles(latencies)}, f)


def idle_cpu(db, waiters, seconds, out):
    stop = threading.Event()
    ids = [propose(db, f"idle {i}") for i in range(waiters)]
    threads = [threading.Thread(target=wait_for_response, args=(db, i, stop), daemon=True) for i in ids]
    for thread in threads:
        thread.start()
    time.sleep(1)
    cpu, wall = time.process_time(), time.monotonic()
    time.sleep(seconds)
    used = (time.process_time() - cpu) / (time.monotonic() - wall) * 100
    stop.set()
    for thread in threads:
        thread.join()
    with open(out, "w") as f:
        json.dump({"waiters": waiters, "cpu_percent_of_one_core": round(used, 3)}, f)


if __name__ == "__main__":
    verb, args = sys.argv[1], sys.argv[2:]
    if verb == "propose":
        propose(args[0])
    elif verb == "wake":
        wake(args[0], int(args[1]), args[2], args[args.index("--") + 1:])
    elif verb == "idle-cpu":
        idle_cpu(args[0], int(args[1]), float(args[2]), args[3])
    else:
        sys.exit(f"unknown verb {verb}")
