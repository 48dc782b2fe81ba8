#!/usr/bin/env python3
"""Where a `propose` process spends its time, measured from outside, round by round.

    python3 build/bench/startup.py OUT RUNS SHIPPED [NAME=BINARY ...]

A NAME of bot-bottle-propose is the small executable, whose arguments have no `propose` command.

Each round runs, in shuffled order: the sqlite3 shell's insert of the same row; and for the
shipped binary and every named variant build, `--version` (runtime start, command-line set-up,
exit), `propose` against a database that does not exist (everything before SQLite: argument
parsing, validation, the placement check) and a real `propose`. Wall time comes from the clock
around spawn and wait; page faults and CPU come from the child's rusage (os.wait4), so a fault
counted here is the process's own.
"""
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

out_path, runs, shipped = sys.argv[1], int(sys.argv[2]), sys.argv[3]
builds = {"shipped": shipped}
for spec in sys.argv[4:]:
    name, binary = spec.split("=", 1)
    builds[name] = binary


def run(argv):
    started = time.perf_counter_ns()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = (time.perf_counter_ns() - started) / 1e6
    child.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_minflt + usage.ru_majflt, (usage.ru_utime + usage.ru_stime) * 1000, child.returncode


def summary(samples):
    walls = sorted(s[0] for s in samples)
    return {
        "count": len(walls),
        "min": walls[0],
        "median": statistics.median(walls),
        "max": walls[-1],
        "page_faults": statistics.median(s[1] for s in samples),
        "cpu_ms": statistics.median(s[2] for s in samples),
    }


with tempfile.TemporaryDirectory() as work:
    db = os.path.join(work, "db", "bot-bottle.db")
    subprocess.run([shipped, "--db", db, "db", "migrate"], stdout=subprocess.DEVNULL, check=True)
    for name, value in (("pending_per_bottle", "1000000"), ("rate_burst", "1000000"), ("rate_per_hour", "100000000"), ("free_space_reserve_bytes", "0"), ("pending_bytes_per_bottle", "1024G")):
        subprocess.run([shipped, "--db", db, "limits", "set", name, value], stdout=subprocess.DEVNULL, check=True)
    missing = os.path.join(work, "nowhere", "bot-bottle.db")

    commands = {}
    sqlite_shell = shutil.which("sqlite3")
    if sqlite_shell:
        commands["sqlite3 shell, the same insert"] = lambda: ([sqlite_shell, db, f"PRAGMA busy_timeout=5000; BEGIN IMMEDIATE; INSERT INTO supervise_proposals (id, bottle_slug, tool, proposed_file, justification, arrival_timestamp, archived) VALUES ('{uuid.uuid4().hex}', 'bench', 'git-gate', 'x', 'bench', strftime('%Y-%m-%dT%H:%M:%fZ','now'), 0); COMMIT;"], 0)
    for build, binary in builds.items():
        verb = [] if build == "bot-bottle-propose" else ["propose"]
        commands[f"{build}: --version"] = lambda binary=binary: ([binary, "--version"], 0)
        commands[f"{build}: propose, no database"] = lambda binary=binary, verb=verb: ([binary, "--db", missing, *verb, "--slug", "bench", "--tool", "git-gate", "--justification", "bench"], None)
        commands[f"{build}: propose"] = lambda binary=binary, verb=verb: ([binary, "--db", db, *verb, "--slug", "bench", "--tool", "git-gate", "--justification", f"bench {uuid.uuid4().hex}"], 0)

    samples = {name: [] for name in commands}
    names = list(commands)
    for _ in range(3):
        for name in names:
            run(commands[name]()[0])
    for _ in range(runs):
        random.shuffle(names)
        for name in names:
            argv, expected = commands[name]()
            result = run(argv)
            if expected is not None and result[3] != expected:
                sys.exit(f"{name} exited {result[3]}: {' '.join(argv)}")
            samples[name].append(result)

    report = {
        "runs": runs,
        "commands": {name: summary(values) for name, values in samples.items()},
        "sizes": {build: os.path.getsize(binary) for build, binary in builds.items()},
    }

with open(out_path, "w", encoding="utf-8") as f:
    json.dump(report, f, indent=2)
for name, s in report["commands"].items():
    print(f"{name:45} median {s['median']:7.2f} ms  faults {s['page_faults']:6.0f}  cpu {s['cpu_ms']:6.2f} ms")
