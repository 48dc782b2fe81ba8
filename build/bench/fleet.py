#!/usr/bin/env python3
"""Fleet mode beside SQLite, in one run, on the published binaries (build/BENCHMARKS.md, "Fleet").

    python3 build/bench/fleet.py DIST OUT ROUNDS BOTTLES

DIST holds bot-bottle-sidecar and bot-bottle-host. A PostgreSQL 15 cluster of its own is started
with build/postgres.sh (fsync off, as the tests run it: the figures are the protocol's cost, not a
disk's). For each engine:
  propose     wall time of `bot-bottle-sidecar propose` through a host broker's socket (spawn to exit)
  wake        a long-lived psql / sqlite3 shell writes the answer row; the clock runs from just
              before that write until the waiting `propose --wait` process has exited
  fleet       BOTTLES brokers (three host roles on PostgreSQL; one SQLite file otherwise), one
              `propose --wait` per bottle, then the operator answers them all in one transaction;
              the time until the last waiter exits
Writes OUT as JSON.
"""
import json, os, shutil, socket, statistics, subprocess, sys, tempfile, time

dist, out, rounds, bottles = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
sidecar = os.path.join(dist, "bot-bottle-sidecar")
host = os.path.join(dist, "bot-bottle-host")
repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
root = tempfile.mkdtemp(prefix="bb-fleet-bench-")
os.chmod(root, 0o755)
port = 20000 + os.getpid() % 10000  # below the ephemeral range (32768-60999), where a listener on port 0 could land first
cluster = os.path.join(root, "cluster")


def run(*args, **kwargs):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs).stdout


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary(values):
    return {"n": len(values), "min": min(values), "p50": percentile(values, 50), "p99": percentile(values, 99), "max": max(values)}


def wait_for_socket(path, process):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return
        if process.poll() is not None:
            raise RuntimeError("broker exited: " + process.stderr.read())
        time.sleep(0.02)
    raise RuntimeError("broker never listened on " + path)


def start_broker(slug, db):
    sock = os.path.join(root, slug + ".sock")
    process = subprocess.Popen([host, "broker", "--slug", slug, "--socket", sock, "--db", db], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for_socket(sock, process)
    return process, sock


def propose(sock, slug, justification, *extra):
    return subprocess.Popen([sidecar, "propose", "--broker", "unix:" + sock, "--slug", slug, "--tool", "git-gate", "--justification", justification, "--file", proposed, *extra], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class Shell:
    """A long-lived psql or sqlite3 shell: a write costs the statement, not a process start."""

    def __init__(self, args, marker_sql):
        self.process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.marker_sql = marker_sql

    def execute(self, sql):
        self.process.stdin.write(sql + "\n" + self.marker_sql + "\n")
        self.process.stdin.flush()
        while "bb-done" not in self.process.stdout.readline():
            pass

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def pending_ids(db, slug=None):
    args = [host, "queue", "pending", "--json", "--db", db] + (["--slug", slug] if slug else [])
    return [p["id"] for p in json.loads(run(*args))]


def answer_sql(ids):
    values = ", ".join(f"('{i}', 'approved', 'bench', NULL, 0)" for i in ids)
    return f"INSERT INTO supervise_responses (proposal_id, status, notes, final_file, archived) VALUES {values};"


def measure(engine, db, shell, slugs_by_role):
    result = {}
    broker, sock = start_broker("bench-1", db)
    try:
        times = []
        for i in range(rounds):
            started = time.monotonic()
            p = propose(sock, "bench-1", f"propose {engine} {i}")
            p.communicate()
            times.append((time.monotonic() - started) * 1000)
            if p.returncode != 0:
                raise RuntimeError("propose failed")
        result["propose_ms"] = summary(times)

        # The proposals above stay pending: only a proposal that arrives after this is a waiter's.
        seen.update(pending_ids(db))
        wakes = []
        for i in range(rounds):
            waiter = propose(sock, "bench-1", f"wake {engine} {i}", "--wait")
            while True:
                ids = pending_ids(db, "bench-1")
                fresh = [x for x in ids if x not in seen]
                if fresh:
                    break
                time.sleep(0.01)
            time.sleep(0.2)  # the broker's wait is blocked, as it is while a person reads
            seen.update(fresh)
            started = time.monotonic()
            shell.execute(answer_sql(fresh))
            waiter.communicate()
            wakes.append((time.monotonic() - started) * 1000)
            if waiter.returncode != 0:
                raise RuntimeError("propose --wait failed")
        result["wake_ms"] = summary(wakes)
    finally:
        broker.terminate()
        broker.wait()

    brokers = []
    try:
        for role, slugs in slugs_by_role.items():
            for slug in slugs:
                brokers.append((slug,) + start_broker(slug, db if role is None else db.replace("//bb@", f"//{role}@")))
        waiters = [propose(sock, slug, f"fleet {engine} {slug}", "--wait") for slug, _, sock in brokers]
        deadline = time.monotonic() + 120
        while len(ids := [x for x in pending_ids(db) if x not in seen]) < len(brokers):
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {len(ids)} of {len(brokers)} proposals arrived")
            time.sleep(0.05)
        seen.update(ids)
        started = time.monotonic()
        shell.execute(answer_sql(ids))
        for w in waiters:
            w.communicate()
            if w.returncode != 0:
                raise RuntimeError("fleet waiter failed")
        result["fleet"] = {"bottles": len(brokers), "all_answered_ms": (time.monotonic() - started) * 1000}
    finally:
        for _, process, _ in brokers:
            process.terminate()
        for _, process, _ in brokers:
            process.wait()
    return result


proposed = os.path.join(root, "proposed.txt")
with open(proposed, "w") as f:
    f.write("allow: example.org\n")
seen = set()
report = {"rounds": rounds, "bottles": bottles, "sizes": {name: os.path.getsize(os.path.join(dist, name)) for name in ("bot-bottle-sidecar", "bot-bottle-host", "libbotbottle.so", "libbotbottle-fleet.so")}}
try:
    run("bash", os.path.join(repo, "build", "postgres.sh"), "start", cluster, str(port))
    psql = ["psql", "-q", "-X", "-h", "127.0.0.1", "-p", str(port), "-U", "bb"]
    run(*psql, "-d", "postgres", "-c", "CREATE DATABASE bench")
    pg = f"postgres://bb@127.0.0.1:{port}/bench"
    run(host, "db", "migrate", "--db", pg)
    run(*psql, "-d", "bench", "-c", "CREATE ROLE host_a LOGIN IN ROLE bot_bottle_broker; CREATE ROLE host_b LOGIN IN ROLE bot_bottle_broker; CREATE ROLE host_c LOGIN IN ROLE bot_bottle_broker;")
    run(*psql, "-d", "bench", "-c", "INSERT INTO supervise_limits (name, value) VALUES ('rate_burst', 1000000), ('rate_per_hour', 100000000), ('pending_per_bottle', 1000000)")
    sqlite_db = os.path.join(root, "db", "bot-bottle.db")
    run(host, "db", "migrate", "--db", sqlite_db)
    for name, value in (("rate_burst", 1000000), ("rate_per_hour", 100000000), ("pending_per_bottle", 1000000), ("free_space_reserve_bytes", 0)):
        run(host, "limits", "set", name, str(value), "--db", sqlite_db)

    slugs = [f"fleet-{i}" for i in range(bottles)]
    thirds = {"host_a": slugs[0::3], "host_b": slugs[1::3], "host_c": slugs[2::3]}
    sqlite_shell = Shell(["sqlite3", "-cmd", ".timeout 5000", sqlite_db], "SELECT 'bb-done';")
    report["sqlite"] = measure("sqlite", sqlite_db, sqlite_shell, {None: slugs})
    sqlite_shell.close()
    # A broker serves only the bottles granted to its role, as the operator grants them.
    for role, served in thirds.items():
        for slug in served:
            run(host, "bottles", "grant", slug, "--to", role, "--db", pg)
    pg_shell = Shell([*psql, "-d", "bench", "-t", "-A"], "SELECT 'bb-done';")
    report["postgres"] = measure("postgres", pg, pg_shell, thirds)
    pg_shell.close()
finally:
    subprocess.run(["bash", os.path.join(repo, "build", "postgres.sh"), "stop", cluster], capture_output=True)
    shutil.rmtree(root, ignore_errors=True)

with open(out, "w") as f:
    json.dump(report, f, indent=2)
print(json.dumps(report, indent=2))
