#!/usr/bin/env python3
"""Whole-process figures: serve's cold start and RSS, and one proposal as a whole process for
bot-bottle-sidecar, the Python stdlib peer and the sqlite3 shell, all from the same run.

    process.py BINARY OUT RUNS
"""
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

binary, out, runs = os.path.abspath(sys.argv[1]), sys.argv[2], int(sys.argv[3])
here = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stats(values):
    return {"count": len(values), "min": min(values), "median": statistics.median(values), "max": max(values)}


def serve_cold_start(db, config):
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen([binary, "serve", "--db", db, "--slug", "bench", "--listen", f"127.0.0.1:{port}", "--current-config", config], stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                if process.poll() is not None:
                    raise SystemExit("serve exited during start-up")
                time.sleep(0.0005)
        elapsed = (time.perf_counter() - started) * 1000
        with open(f"/proc/{process.pid}/status") as status:
            first = next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024
        time.sleep(2)
        with open(f"/proc/{process.pid}/status") as status:
            idle = next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024
        return elapsed, first, idle
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait()


def timed(command):
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - started) * 1000


def interleaved(commands, rounds, between_rounds=None):
    """
    Runs each command once per round, so drift in machine load hits all alike, in an order shuffled
    round by round (seeded, so a run can be repeated): a fixed order hands whatever one command leaves
    behind (Python's 60 ms start evicting the caches, a checkpointed WAL) to the same next command every time.
    """
    results = {name: [] for name in commands}
    order = random.Random(31)
    for round_number in range(rounds):
        names = list(commands)
        order.shuffle(names)
        for name in names:
            results[name].append(timed(commands[name]()))
        if between_rounds:
            between_rounds(round_number)
    return {name: stats(values) for name, values in results.items()}


with tempfile.TemporaryDirectory() as work:
    db = os.path.join(work, "db", "bot-bottle.db")
    subprocess.run([binary, "--db", db, "db", "migrate"], stdout=subprocess.DEVNULL, check=True)
    # The figures are about the store's work, not the caps that protect it from a flooding agent.
    for name, value in (("pending_per_bottle", "1000000"), ("rate_burst", "1000000"), ("rate_per_hour", "100000000"), ("free_space_reserve_bytes", "0"), ("pending_bytes_per_bottle", "1024G")):
        subprocess.run([binary, "--db", db, "limits", "set", name, value], stdout=subprocess.DEVNULL, check=True)
    starts = [serve_cold_start(db, work) for _ in range(max(5, runs // 2))]
    sqlite_shell = shutil.which("sqlite3")

    shell_ids = []

    def insert_sql():
        shell_ids.append(uuid.uuid4().hex)
        return f"PRAGMA busy_timeout=5000; BEGIN IMMEDIATE; INSERT INTO supervise_proposals (id, bottle_slug, tool, proposed_file, justification, arrival_timestamp, archived) VALUES ('{shell_ids[-1]}', 'bench', 'git-gate', 'x', 'bench', strftime('%Y-%m-%dT%H:%M:%fZ','now'), 0); COMMIT;"

    def shell_insert():
        return [sqlite_shell, db, insert_sql()]

    def shell_insert_same_settings():
        # What a sidecar's connection does: synchronous=NORMAL, and no checkpoint when it closes.
        return [sqlite_shell, "-cmd", ".dbconfig no_ckpt_on_close on", "-cmd", "PRAGMA synchronous=NORMAL;", db, insert_sql()]

    commands = {
        "bot-bottle-sidecar propose": lambda: [binary, "--db", db, "propose", "--slug", "bench", "--tool", "git-gate", "--justification", f"bench {uuid.uuid4().hex}"],
        "bot-bottle-sidecar --version": lambda: [binary, "--version"],
        "python3 stdlib sqlite3 propose": lambda: [sys.executable, os.path.join(here, "peers.py"), "propose", db],
    }
    small = os.path.join(os.path.dirname(binary), "bot-bottle-propose")
    if os.path.exists(small):
        commands["bot-bottle-propose"] = lambda: [small, "--db", db, "--slug", "bench", "--tool", "git-gate", "--justification", f"bench {uuid.uuid4().hex}"]
    if sqlite_shell:
        commands["sqlite3 shell raw insert"] = shell_insert
        commands["sqlite3 shell, sidecar settings"] = shell_insert_same_settings
    def keep_queue_to_the_default_cap(round_number):
        # Five proposals a round, one bottle: every fourth round the host archives the queue (untimed), so it
        # holds 0-20 pending proposals, as the default cap of 20 per bottle allows; admission counts what is pending.
        if round_number % 4 == 3:
            with contextlib.closing(sqlite3.connect(db)) as connection, connection:
                connection.execute("UPDATE supervise_proposals SET archived = 1 WHERE archived = 0")

    measured = interleaved(commands, runs, keep_queue_to_the_default_cap)
    if shell_ids:
        # A shell that failed to insert would look fast: every row it was asked for must be there.
        written = subprocess.run([sqlite_shell, db, "SELECT count(*) FROM supervise_proposals WHERE id IN (" + ",".join(f"'{i}'" for i in shell_ids) + ")"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        if int(written) != len(shell_ids):
            raise SystemExit(f"the sqlite3 shell wrote {written} of its {len(shell_ids)} rows")
    result = {
        "binary_mb": os.path.getsize(binary) / 1e6,
        "propose_binary_mb": os.path.getsize(small) / 1e6 if os.path.exists(small) else None,
        "serve_cold_start_ms": stats([s[0] for s in starts]),
        "serve_rss_first_request_mb": stats([s[1] for s in starts]),
        "serve_rss_idle_mb": stats([s[2] for s in starts]),
        "propose_process_ms": measured,
        "sqlite3_shell": sqlite_shell is not None,
    }
    with open(out, "w") as f:
        json.dump(result, f)
