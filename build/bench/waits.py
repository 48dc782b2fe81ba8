#!/usr/bin/env python3
"""Waiting sidecar processes, as an agent's `propose --wait` runs: their CPU while nobody answers,
and the time from the operator's answer to the process's exit.

    waits.py DIST OUT SECONDS ROUNDS [N ...]

DIST holds bot-bottle-sidecar, bot-bottle-propose, libbotbottle and botbottle.py. For each N: N
`bot-bottle-sidecar propose --wait` processes (and for N = 16 also N `bot-bottle-propose --wait`)
wait on an idle database for SECONDS; their CPU is summed from every thread's
/proc/PID/task/TID/schedstat (nanoseconds on CPU); then each is answered and must exit 0. Then
ROUNDS times, the two executables in turn: one waits, this process (a long-lived host, through
libbotbottle) writes the answer, and the clock runs from just before that write until the waiter
has exited.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

dist, out, seconds, rounds = os.path.abspath(sys.argv[1]), sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
counts = [int(n) for n in sys.argv[5:]] or [1, 16, 64]
binary = os.path.join(dist, "bot-bottle-sidecar")
small = os.path.join(dist, "bot-bottle-propose")
proposers = {"bot-bottle-sidecar propose": [binary, "propose"]}
if os.path.exists(small):
    proposers["bot-bottle-propose"] = [small]
sys.path.insert(0, dist)
import botbottle  # noqa: E402
from botbottle import Response  # noqa: E402


def cpu_ns(pid):
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as stat:
                total += int(stat.read().split()[0])
        except FileNotFoundError:
            pass  # the thread ended between the listing and the read
    return total


def start_waiter(db, justification, proposer="bot-bottle-sidecar propose"):
    return subprocess.Popen([*proposers[proposer], "--db", db, "--slug", "bench", "--tool", "git-gate", "--justification", justification,
                             "--wait", "--timeout", "600"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def pending_ids(store, count, deadline):
    while True:
        ids = [p.id for p in store.list_pending_proposals("bench")]
        if len(ids) >= count:
            return ids
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(ids)} of {count} waiters queued their proposal")
        time.sleep(0.01)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


result = {"seconds": seconds, "idle": [], "wake_exit": None}
with tempfile.TemporaryDirectory() as work:
    db = os.path.join(work, "db", "bot-bottle.db")
    subprocess.run([binary, "--db", db, "db", "migrate"], stdout=subprocess.DEVNULL, check=True)
    for name, value in (("pending_per_bottle", "100000"), ("rate_burst", "100000"), ("rate_per_hour", "100000000"), ("free_space_reserve_bytes", "0")):
        subprocess.run([binary, "--db", db, "limits", "set", name, value], stdout=subprocess.DEVNULL, check=True)
    store = botbottle.Store(db, library=os.path.join(dist, "libbotbottle.so"))

    runs = [("bot-bottle-sidecar propose", n) for n in counts] + [(name, 16) for name in proposers if name != "bot-bottle-sidecar propose" and 16 in counts]
    for proposer, n in runs:
        waiters = [start_waiter(db, f"idle {proposer} {n} #{i}", proposer) for i in range(n)]
        ids = pending_ids(store, n, time.monotonic() + 60)
        time.sleep(1)  # past start-up: what is left is the cost of waiting
        before = {w.pid: cpu_ns(w.pid) for w in waiters}
        time.sleep(seconds)
        used_ms = sum(cpu_ns(w.pid) - before[w.pid] for w in waiters) / 1e6
        for proposal_id in ids:
            store.write_response(Response(proposal_id, "approved", "bench"))
        codes = [w.wait(timeout=60) for w in waiters]
        result["idle"].append({"proposer": proposer, "waiters": n, "cpu_ms": round(used_ms, 2), "all_woke": all(c == 0 for c in codes),
                               "exit_codes": sorted(set(codes))})
        print(json.dumps(result["idle"][-1]), flush=True)

    latencies = {name: [] for name in proposers}
    for i in range(rounds * len(proposers)):
        proposer = list(proposers)[i % len(proposers)]
        waiter = start_waiter(db, f"wake {i}", proposer)
        [proposal_id] = pending_ids(store, 1, time.monotonic() + 60)
        time.sleep(0.3)  # the waiter is blocked in its wait, as an agent is while the operator reads
        # Popen.wait(timeout=...) polls with growing sleeps, which would add milliseconds to the figure:
        # block in waitpid, with a watchdog that kills a waiter that never wakes.
        watchdog = threading.Timer(60, waiter.kill)
        watchdog.start()
        started = time.monotonic()
        store.write_response(Response(proposal_id, "approved", "bench"))
        code = waiter.wait()
        latencies[proposer].append((time.monotonic() - started) * 1000)
        watchdog.cancel()
        if code != 0:
            raise SystemExit(f"{proposer} --wait exited {code}: {waiter.stderr.read().decode(errors='replace')}")
    store.close()
    result["wake_exit_by"] = {name: {"count": len(values), "min": min(values), "p50": statistics.median(values),
                                     "p99": percentile(values, 0.99), "max": max(values)} for name, values in latencies.items()}
    result["wake_exit"] = result["wake_exit_by"]["bot-bottle-sidecar propose"]
    print(json.dumps(result["wake_exit_by"]), flush=True)

with open(out, "w") as f:
    json.dump(result, f)
