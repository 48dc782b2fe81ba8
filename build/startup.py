#!/usr/bin/env python3
"""Whole-process start-up figures for a published bot-bottle-sidecar.

    python3 build/startup.py [dist/linux-x64/bot-bottle-sidecar]

Prints min/median/max of: serve's cold start to its first answered /healthz, serve's RSS after
that request, --help, and propose (start, open the database, write a proposal, exit). Uses a
scratch database in a temporary directory. Timings are noisy on a shared machine: compare
figures taken in the same run.
"""
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "dist/linux-x64/bot-bottle-sidecar")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def summary(name, values, unit):
    print(f"{name}: min {min(values):.1f} {unit}, median {statistics.median(values):.1f} {unit}, max {max(values):.1f} {unit} ({len(values)} runs)")


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
                time.sleep(0.001)
        elapsed = (time.perf_counter() - started) * 1000
        with open(f"/proc/{process.pid}/status") as status:
            rss_kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
        return elapsed, rss_kb / 1024
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait()


def run(args):
    started = time.perf_counter()
    subprocess.run([binary] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - started) * 1000


with tempfile.TemporaryDirectory() as work:
    db = os.path.join(work, "db", "bot-bottle.db")
    subprocess.run([binary, "--db", db, "db", "migrate"], stdout=subprocess.DEVNULL, check=True)
    print(f"binary: {binary} ({os.path.getsize(binary) / 1e6:.2f} MB)")
    starts = [serve_cold_start(db, work) for _ in range(15)]
    summary("serve cold start to first answered /healthz", [s[0] for s in starts], "ms")
    summary("serve RSS after its first request", [s[1] for s in starts], "MB")
    summary("--help", [run(["--help"]) for _ in range(20)], "ms")
    summary("propose (start, open, write, exit)", [run(["--db", db, "propose", "--slug", "bench", "--tool", "git-gate", "--justification", "bench"]) for _ in range(20)], "ms")
